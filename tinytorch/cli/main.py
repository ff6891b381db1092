"""`tito`: the command line of tinytorch.

    tito dev export [NN ...|--all]   instructor: regenerate notebooks and package from src/
    tito dev check                   instructor/CI: fail if generated files drift from src/
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build, paths


def _modules(root: Path, names: list[str], everything: bool) -> list[paths.Module]:
    if everything or not names:
        return paths.all_modules(root)
    return [paths.find_module(root, name) for name in names]


def cmd_dev_export(args) -> int:
    root = paths.repo_root()
    out_root = Path(args.out).resolve() if args.out else root
    for module in _modules(root, args.modules, args.all):
        print(f"exporting {module.slug} ...", flush=True)
        for path in build.build_module(module, out_root):
            print(f"  wrote {path.relative_to(out_root)}")
    return 0


def cmd_dev_check(args) -> int:
    root = paths.repo_root()
    problems = build.find_drift(root, paths.all_modules(root))
    for line in problems:
        print(f"drift: {line}")
    if problems:
        print("Run `tito dev export --all` and commit. (In a student's working copy, your own `tito export` "
              "replaces reference files, so drift there is expected.)")
        return 1
    print("generated files match src/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tito", description="tinytorch: build your own deep learning framework.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    dev = commands.add_parser("dev", help="instructor tools").add_subparsers(dest="dev_command", metavar="DEV_COMMAND", required=True)
    dev_export = dev.add_parser("export", help="regenerate student notebooks and the reference package from src/")
    dev_export.add_argument("modules", nargs="*", metavar="NN", help="module numbers or names (default: all)")
    dev_export.add_argument("--all", action="store_true", help="every module")
    dev_export.add_argument("--out", metavar="DIR", help="write into DIR instead of the repository (used by the drift test)")
    dev_export.set_defaults(handler=cmd_dev_export)
    dev.add_parser("check", help="fail if generated files differ from what src/ generates").set_defaults(handler=cmd_dev_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (KeyError, FileNotFoundError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"tito: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
