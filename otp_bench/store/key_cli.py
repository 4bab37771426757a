"""``otp-bench workspace key …``: let a teammate into a workspace's secrets.

    otp-bench workspace key export FILE [--db URL]   # write this workspace's key to FILE (0600)
    otp-bench workspace key import FILE [--db URL]   # file the key from FILE on this machine
    otp-bench workspace key status [--db URL]        # the workspace id, and whether it's unlocked

The key file unlocks every credential in the workspace: hand it over privately, then delete it.
Exit codes: 0 done, 2 with a one-line message naming what is wrong.

The store is imported by the commands, not with the module: ``otp-bench --help`` builds this
parser too and shouldn't load SQLAlchemy for it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from otp_bench.domain.workspace import Workspace
from otp_bench.outputs import OutputError, input_name, is_stdio, read_input, write_output

OK, INVALID = 0, 2


def add_key_parser(workspace_actions: Any) -> None:
    """Add ``key export|import|status`` under ``otp-bench workspace``."""
    key = workspace_actions.add_parser(
        "key", help="export or import the workspace key (lets a teammate read its secrets)")
    ksub = key.add_subparsers(dest="key_what", metavar="ACTION", required=True)
    db_help = "workspace database URL or SQLite file (default: the user's workspace)"
    for name, text in (("export", "write this workspace's key to FILE (owner-only)"),
                       ("import", "file the key from FILE in this machine's key store")):
        p = ksub.add_parser(name, help=text)
        p.add_argument("file", metavar="FILE", help="- for standard output" if name == "export"
                       else "- for standard input")
        p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
        p.set_defaults(func=_export if name == "export" else _import)
    st = ksub.add_parser("status", help="the workspace id and whether its secrets are unlocked")
    st.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    st.set_defaults(func=_status)


def _workspace(args: argparse.Namespace) -> Workspace:
    from otp_bench.store.db import resolve_url

    return Workspace(resolve_url(getattr(args, "db", None)))


def _fail(message: str) -> int:
    print(f"otp-bench workspace key: {message}", file=sys.stderr)
    return INVALID


def _export(args: argparse.Namespace) -> int:
    from otp_bench.store.db import StoreError, open_engine
    from otp_bench.store.keystore import KeyStoreError
    from otp_bench.store.unlock import export_key_text, open_secrets

    where = _workspace(args)
    try:
        engine = open_engine(where.url)
    except StoreError as exc:
        return _fail(str(exc))
    try:
        secrets = open_secrets(engine, where, _legacy_dir(where))
        # the operator's FILE by the output helper: created 0600, "-" is standard output
        write_output(args.file, export_key_text(secrets, where), secret=True)
    except (KeyStoreError, OutputError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(str(exc.strerror or exc))
    finally:
        engine.dispose()
    shown = "standard output" if is_stdio(args.file) else args.file
    print(f"Wrote the key of workspace {secrets.workspace_id} ({where}) to {shown}.\n"
          "It unlocks the workspace's credentials: hand it over privately, then delete it. "
          "The teammate runs: otp-bench workspace key import FILE --db URL",
          file=sys.stderr if is_stdio(args.file) else sys.stdout)
    return OK


def _import(args: argparse.Namespace) -> int:
    from otp_bench.store.db import StoreError, open_engine
    from otp_bench.store.keystore import KeyStoreError, parse_export
    from otp_bench.store.unlock import import_key

    where = _workspace(args)
    try:
        text = read_input(args.file)  # "-": standard input
    except OSError as exc:
        return _fail(f"can't read {args.file}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return _fail(f"{input_name(args.file)}: not a UTF-8 text file")
    try:
        workspace_id, key = parse_export(text, input_name(args.file))
        engine = open_engine(where.url)
    except (KeyStoreError, StoreError) as exc:
        return _fail(str(exc))
    try:
        stored_in = import_key(engine, where, workspace_id, key)
    except KeyStoreError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(f"Workspace {workspace_id} ({where}) is unlocked on this machine: its key is in "
          f"{stored_in}.")
    return OK


def _status(args: argparse.Namespace) -> int:
    from otp_bench.store import identity
    from otp_bench.store.db import StoreError, open_engine
    from otp_bench.store.keystore import choose_key_store
    from otp_bench.store.unlock import open_secrets

    where = _workspace(args)
    try:
        engine = open_engine(where.url)
    except StoreError as exc:
        return _fail(str(exc))
    try:
        ident = identity.ensure(engine)
        secrets = open_secrets(engine, where, _legacy_dir(where))
    finally:
        engine.dispose()
    print(f"workspace {ident.id} ({where})")
    print(secrets.locked or f"secrets unlocked (key in {choose_key_store().where})")
    return INVALID if secrets.locked else OK


def _legacy_dir(where: Workspace) -> Path:
    import platformdirs

    path = where.sqlite_path
    return path.parent if path else Path(platformdirs.user_data_dir("otp-bench"))
