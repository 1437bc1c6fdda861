"""CLI: classify files (or stdin lines) and write JSONL.

  python3 -m cerberus_client --target 127.0.0.1:8500 --model fashion img1.png img2.jpg
  cat texts.txt | python3 -m cerberus_client --target HOST:PORT --model topics -
  python3 -m cerberus_client --target HOST:PORT health | models

Each output line is {"id","decision","unknown","ood_score","reason","heads":{...}} (plus
"accepted_heads" for models whose heads carry their own unknown policies)
or {"id","error":{"code","message"}}. A failed call prints "error: CODE: message" on stderr and
exits 2; no stack traces. The token comes from --token or the CERBERUS_TOKEN environment variable
(prefer the variable: flags are visible in ps).
"""
import argparse
import json
import os
import sys

from .client import CerberusClient, Item
from .connection import TlsOptions
from .errors import CerberusError


def _items(args):
    sources = args.inputs or ["-"]
    for src in sources:
        if src == "-":
            for n, line in enumerate(sys.stdin, start=1):
                line = line.rstrip("\n")
                if line:
                    yield Item(id=f"stdin:{n}", text=line)
        elif args.text:
            with open(src, encoding="utf-8") as f:
                yield Item(id=src, text=f.read())
        else:
            with open(src, "rb") as f:
                yield Item(id=src, image=f.read())


def _parser():
    p = argparse.ArgumentParser(prog="cerberus_client", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="127.0.0.1:8500", help="host:port of the server")
    p.add_argument("--model", help="model name (required to classify)")
    p.add_argument("--version", default="", help="model version (default: newest)")
    p.add_argument("--heads", default="", help="comma-separated heads (default: all)")
    p.add_argument("--text", action="store_true", help="files hold text, not images")
    p.add_argument("--out", help="write JSONL here instead of stdout")
    p.add_argument("--timeout", type=float, default=None,
                   help="deadline in seconds (unary calls: default 30; the stream: none)")
    p.add_argument("--token", default=os.environ.get("CERBERUS_TOKEN"),
                   help="bearer token (default: $CERBERUS_TOKEN)")
    p.add_argument("--tls", action="store_true", help="TLS with the system's CA certificates")
    p.add_argument("--tls-ca", help="TLS: PEM CA file that signed the server certificate")
    p.add_argument("--tls-cert", help="mutual TLS: PEM client certificate")
    p.add_argument("--tls-key", help="mutual TLS: PEM client key")
    p.add_argument("inputs", nargs="*", help="files, '-' for stdin lines, or 'health'/'models'")
    return p


def main(argv=None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    tls = None
    if args.tls or args.tls_ca or args.tls_cert:
        tls = TlsOptions(ca_file=args.tls_ca, cert_file=args.tls_cert, key_file=args.tls_key)
    unary_timeout = args.timeout if args.timeout is not None else 30.0
    try:
        with CerberusClient(args.target, unary_timeout, token=args.token, tls=tls) as client:
            if args.inputs == ["health"]:
                print(client.health())
                return 0
            if args.inputs == ["models"]:
                for m in client.list_models():
                    print(json.dumps(m))
                return 0
            if not args.model:
                p.error("--model is required to classify")
            heads = [h for h in args.heads.split(",") if h]
            out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
            try:
                for result in client.classify_stream(args.model, _items(args), args.version, heads,
                                                     timeout=args.timeout):
                    out.write(json.dumps(result) + "\n")
            finally:
                if out is not sys.stdout:
                    out.close()
    except CerberusError as e:
        print(f"error: {e.code}: {e.message}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def entry():
    """The `cerberus-client` console script."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
