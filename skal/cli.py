"""The ``skal`` command line: ``skal compare`` (the main job) and ``skal label``.

This module only parses arguments and dispatches; the work lives in
:mod:`skal.evaluation` (compare) and :mod:`skal.loop` (label).
"""

import argparse
import sys

__all__ = ["main"]


def _add_compare(subparsers):
    parser = subparsers.add_parser(
        "compare", help="compare strategies against random sampling on a dataset"
    )
    parser.set_defaults(func=_not_yet("compare"))


def _add_label(subparsers):
    parser = subparsers.add_parser(
        "label", help="label a CSV in the terminal, journaled to SQLite"
    )
    parser.set_defaults(func=_not_yet("label"))


def _not_yet(name):
    def run(args):
        print(f"skal {name}: not implemented yet", file=sys.stderr)
        return 2

    return run


def main(argv=None):
    """Entry point of the ``skal`` console script."""
    parser = argparse.ArgumentParser(
        prog="skal", description="Active learning for scikit-learn."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_compare(subparsers)
    _add_label(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
