"""Generates the gRPC stubs into <out>/cerberus_client/_gen (used by setup.py at build time and
by setup.sh for use from the source folder).

grpc_tools writes absolute imports (`from cerberus.v1 import ...`); they are rewritten to
`cerberus_client._gen.cerberus.v1` so the installed package adds no top-level `cerberus`,
`inference` or `grpc` modules (a `grpc/health` stub folder would shadow grpcio itself)."""
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = ["cerberus/v1/classifier.proto", "inference/grpc_service.proto",
          "inference/model_config.proto", "cerberus_health/health.proto"]
_IMPORT = re.compile(r"^from (cerberus\.v1|inference|cerberus_health) import ", re.M)


def proto_root() -> str:
    """The repository's proto folder; CERBERUS_PROTO_DIR overrides it (a copy elsewhere)."""
    return os.environ.get("CERBERUS_PROTO_DIR",
                          os.path.join(HERE, "..", "..", "proto", "src", "main", "proto"))


def generate(package_dir: str) -> str:
    """Writes package_dir/_gen (replacing it) and returns its path. Raises SystemExit with one
    line naming what is missing instead of a traceback."""
    try:
        from grpc_tools import protoc
    except ImportError:
        raise SystemExit("building cerberus_client needs grpc_tools (Debian: apt-get install "
                         "python3-grpc-tools; pip: grpcio-tools)") from None
    root = proto_root()
    if not os.path.isfile(os.path.join(root, PROTOS[0])):
        raise SystemExit(f"protos not found under {root} (set CERBERUS_PROTO_DIR)")
    gen = os.path.join(package_dir, "_gen")
    tmp = gen + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    args = ["protoc", f"-I{root}", f"-I{os.path.join(HERE, 'proto')}", f"-I{include}",
            f"--python_out={tmp}", f"--grpc_python_out={tmp}", *PROTOS]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed on " + ", ".join(PROTOS))
    for folder, _, files in os.walk(tmp):
        open(os.path.join(folder, "__init__.py"), "a").close()
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(_IMPORT.sub(r"from cerberus_client._gen.\1 import ", text))
    shutil.rmtree(gen, ignore_errors=True)
    os.rename(tmp, gen)
    return gen


if __name__ == "__main__":
    print("stubs in", generate(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cerberus_client")))
