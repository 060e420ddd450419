"""Command line: `python -m analytics {build,rri,areas,isr,explain,followup,report,import,datasets,delete,audit,claims}`
over the same code as the dashboard.

Exit status: 0 done, 1 the claims do not hold or the store could not be written (e.g. a full
disk), 2 bad input (a file, a flag or a name), with a message and nothing written.
"""
from __future__ import annotations

import argparse
import sys

from analytics.cli import areas, build, claims, datasets, explain, followup, isr, report, rri
from analytics.cli.common import UsageError
from analytics.data.readers import InputError

#: One module per command (or family of commands), each with `register(subparsers)` adding
#: its parser and setting `func`; the order is the order of `--help`. A new command is a
#: module here and a line in this list (docs/architecture.md).
COMMANDS = [build, rri, areas, report, datasets, isr, explain, followup, claims]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return p


def main(argv=None) -> int:
    from analytics.data.store import StoreError
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, UsageError, PermissionError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)     # bad input: a file, a flag or a name
        return 2
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
