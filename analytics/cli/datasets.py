"""The user store from the command line: `import`, `datasets`, `delete` and `audit`."""
from __future__ import annotations

import sys
from pathlib import Path

from analytics.cli.common import UsageError, add_store, store_dir

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"import": (), "datasets": (), "delete": (), "audit": ()}


def register(sub) -> None:
    i = sub.add_parser("import", help="import files into the user store: statutory returns "
                                      "(several files or a zip), a Census population table, or "
                                      "one file in the product's layout")
    i.add_argument("file", type=Path, nargs="+",
                   help="CSV, Excel (.xlsx), Parquet, CIN census XML, or a zip of returns")
    i.add_argument("--name", help="dataset name (default: from the first file's name)")
    i.add_argument("--link", choices=["LAchildID", "UPN", "hash"], default="LAchildID",
                   help="identifier linking a child across returns (default LAchildID; hash: "
                        "each return's identifier field holds a shared pseudonymous hash)")
    add_store(i)
    i.set_defaults(func=run_import)

    d = sub.add_parser("datasets", help="list imported datasets")
    add_store(d)
    d.set_defaults(func=run_datasets)

    x = sub.add_parser("delete", help="delete an imported dataset (removes its file)")
    x.add_argument("name", help="dataset name (OWNER/NAME for a dataset shared by someone else)")
    add_store(x)
    x.set_defaults(func=run_delete)

    a = sub.add_parser("audit", help="read the audit log of imports, deletes, exports and reports")
    a.add_argument("--user", help="only this user's entries")
    a.add_argument("--action", help="only this action (import, delete, share, unshare, export, report)")
    a.add_argument("--last", type=int, help="only the last N entries")
    add_store(a)
    a.set_defaults(func=run_audit)


def run_import(args) -> int:
    from analytics.data.imports import import_files
    result = import_files(args.file, name=args.name, root=store_dir(args), link=args.link)
    what = (f"{result.rows} child-year rows, {', '.join(result.periods)}; outcomes: "
            f"{', '.join(result.outcomes) or 'none'}" if result.kind == "records" else
            f"{result.rows} groups by {', '.join(result.group_cols)}")
    files = ", ".join(str(f) for f in args.file)
    print(f"imported {files} as {result.kind} dataset {result.name!r}: {what}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def run_datasets(args) -> int:
    """Every dataset in the store (the operator's view: all workspaces)."""
    from analytics.data import store
    table = store.list_datasets(store_dir(args), user=None)
    for problem in table.attrs["problems"]:
        print(f"warning: {problem}", file=sys.stderr)
    if table.empty:
        print("no datasets imported")
    for r in table.itertuples():
        shared = f"  shared with {', '.join(r.shared_with)}" if len(r.shared_with) else ""
        print(f"{r.id:32s} {r.kind:10s} {r.n_rows:>9,} rows  from {r.source_file} "
              f"({r.imported_at:%Y-%m-%d %H:%M}){shared}")
    return 0


def run_delete(args) -> int:
    from analytics.data import store
    from analytics.data.access import LOCAL
    try:
        store.delete_dataset(args.name, store_dir(args), user=LOCAL)
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    print(f"deleted dataset {args.name!r} (its file is removed from disk)")
    return 0


def run_audit(args) -> int:
    """The audit log, oldest first, and whether its chain of hashes is intact."""
    from analytics.data import audit, store
    table, problems = audit.read(store_dir(args) or store.user_data_dir())
    if args.user:
        table = table[table["user"] == args.user]
    if args.action:
        table = table[table["action"] == args.action]
    if args.last:
        table = table.tail(args.last)
    for r in table.itertuples():
        print(f"{r.time}  {r.user} ({r.role})  {r.action:8s} {r.dataset or '-'}: {r.what}"
              + (f"  [{r.protection}]" if r.protection else ""))
    for problem in problems:
        print(f"warning: audit log {problem}", file=sys.stderr)
    print(f"{len(table)} entries shown; chain of hashes "
          + ("intact" if not problems else f"BROKEN ({len(problems)} problems)"))
    return 1 if problems else 0
