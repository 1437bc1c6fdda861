"""Fills vendor/ from Debian's Go sources (/usr/share/gocode/src) for a -mod=vendor build:
copies every non-standard package the module imports (listed by `go list -deps` in GOPATH mode)
and writes vendor/modules.txt with the versions required in go.mod.

    /usr/bin/python3 vendor_debian.py      (setup.sh runs it)

Fails with one line when a package lies in no module that go.mod requires."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GOCODE = "/usr/share/gocode/src"


def requirements():
    text = open(os.path.join(HERE, "go.mod"), encoding="utf-8").read()
    module = re.search(r"^module (\S+)", text, re.M).group(1)
    block = re.search(r"^require \((.*?)^\)", text, re.M | re.S).group(1)
    return module, dict(re.findall(r"^\s*(\S+) (v\S+)", block, re.M))


def deps(module):
    """Non-standard packages the module's packages import, via a GOPATH that maps the module."""
    with tempfile.TemporaryDirectory() as gopath:
        link = os.path.join(gopath, "src", module)
        os.makedirs(os.path.dirname(link))
        os.symlink(HERE, link)
        env = dict(os.environ, GO111MODULE="off", GOPATH=f"{gopath}:/usr/share/gocode",
                   GOFLAGS="", GOCACHE=os.environ.get("GOCACHE", os.path.join(HERE, ".gocache")))
        # `...` does not follow the symlink: name every package folder of the module.
        pkgs = sorted({module + ("/" + os.path.relpath(d, HERE) if d != HERE else "").replace(os.sep, "/")
                       for d, subdirs, files in os.walk(HERE)
                       if any(f.endswith(".go") for f in files)
                       and not os.path.relpath(d, HERE).split(os.sep)[0] in ("vendor", ".gocache", "bin")})
        out = subprocess.run(["go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", *pkgs],
                             cwd=link, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"go list failed: {out.stderr.strip()}")
        return sorted(p for p in out.stdout.split() if not p.startswith(module))


def main():
    module, required = requirements()
    if not os.path.isdir(GOCODE):
        sys.exit(f"{GOCODE} not found: install Debian's golang-google-grpc-dev (setup.sh does)")
    vendor = os.path.join(HERE, "vendor")
    shutil.rmtree(vendor, ignore_errors=True)
    by_module = {}
    for pkg in deps(module):
        owner = max((m for m in required if pkg == m or pkg.startswith(m + "/")), key=len, default=None)
        if owner is None:
            sys.exit(f"package {pkg} is in no module that go.mod requires")
        by_module.setdefault(owner, []).append(pkg)
        src, dst = os.path.join(GOCODE, pkg), os.path.join(vendor, pkg)
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):  # the package's own files, not its sub-packages
            path = os.path.join(src, name)
            if os.path.isfile(path) and not name.endswith("_test.go"):
                shutil.copy2(path, dst)
    for m in required:  # licence files of each module root
        for name in ("LICENSE", "PATENTS"):
            if os.path.isfile(os.path.join(GOCODE, m, name)):
                os.makedirs(os.path.join(vendor, m), exist_ok=True)
                shutil.copy2(os.path.join(GOCODE, m, name), os.path.join(vendor, m, name))
    with open(os.path.join(vendor, "modules.txt"), "w") as f:
        for m in sorted(required):
            # the module's own go version: without it the compiler assumes go1.16 for its files
            gomod = os.path.join(GOCODE, m, "go.mod")
            found = re.search(r"^go (\S+)", open(gomod).read(), re.M) if os.path.isfile(gomod) else None
            f.write(f"# {m} {required[m]}\n## explicit" + (f"; go {found.group(1)}" if found else "") + "\n")
            for pkg in by_module.get(m, []):
                f.write(pkg + "\n")
    print(f"vendor/: {sum(map(len, by_module.values()))} packages of {len(by_module)} modules from {GOCODE}")


if __name__ == "__main__":
    main()
