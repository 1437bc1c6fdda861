"""CLI: classify files (or stdin lines) and write JSONL.

  python3 -m cerberus_client --target 127.0.0.1:8500 --model fashion img1.png img2.jpg
  cat texts.txt | python3 -m cerberus_client --target HOST:PORT --model topics -
  python3 -m cerberus_client --target HOST:PORT health

Each output line is {"id","decision","unknown","ood_score","heads":{...}} or
{"id","error":{"code","message"}}. A failed call prints "error: CODE: message" on stderr and
exits 2; no stack traces.
"""
import argparse
import json
import sys

from .client import CerberusClient, Item
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="cerberus_client", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="127.0.0.1:8500", help="host:port of the server")
    p.add_argument("--model", help="model name (required to classify)")
    p.add_argument("--version", default="", help="model version (default: newest)")
    p.add_argument("--heads", default="", help="comma-separated heads (default: all)")
    p.add_argument("--text", action="store_true", help="files hold text, not images")
    p.add_argument("--out", help="write JSONL here instead of stdout")
    p.add_argument("inputs", nargs="*", help="files, '-' for stdin lines, or 'health'/'models'")
    args = p.parse_args(argv)

    try:
        with CerberusClient(args.target) as client:
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
                for result in client.classify_stream(args.model, _items(args), args.version, heads):
                    out.write(json.dumps(result) + "\n")
            finally:
                if out is not sys.stdout:
                    out.close()
    except CerberusError as e:
        print(f"error: {e.code}: {e.message}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
