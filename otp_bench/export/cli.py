"""``otp-bench export …`` and ``otp-bench workspace …``: taking results and workspaces out (and in).

    otp-bench export har FILE [--flow ID] [--id N ...] [--reveal]
    otp-bench export events FILE
    otp-bench export report FILE [--flow ID] [--run RUN.json]
    otp-bench workspace export FILE
    otp-bench workspace import FILE

Each works on the workspace ``--db URL`` names (default: the user's workspace). Handlers return an
exit code: 0 done, 2 when something is wrong — with a message naming it, never a traceback.
FILE is written by ``otp_bench.outputs`` (``-`` is standard output; devices, FIFOs and symlinks are
written in place); ``workspace import -`` reads standard input. Long work shows a progress bar on
a terminal (``otp_bench.progress``); ``-q`` silences it and the closing "wrote …" line, which goes
to standard error when the data goes to standard output.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from otp_bench.outputs import OutputError, is_stdio, write_output
from otp_bench.progress import meter
from otp_bench.store.key_cli import add_key_parser

if TYPE_CHECKING:
    from otp_bench.store.store import Store

OK, INVALID = 0, 2


class _Refused(Exception):
    """A problem to report to the operator in one line (exit 2)."""


def add_parsers(subparsers: Any) -> None:
    db_help = "workspace database URL or SQLite file (default: the user's workspace)"

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        # SUPPRESS: a value given before the subcommand (otp-bench --db X export …) survives
        p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
        p.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bar and no closing message")
        return p

    file_help = "file to write; - for standard output"

    export = subparsers.add_parser("export", help="export callouts (HAR), events (JSON Lines) "
                                   "or an evidence report (Markdown)")
    ex = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    har = with_db(ex.add_parser("har", help="provider callouts as HAR 1.2 (sanitized)"))
    har.add_argument("file", metavar="FILE", help=file_help)
    har.add_argument("--flow", metavar="ID", help="only this flow's callouts")
    har.add_argument("--id", dest="ids", metavar="N", type=int, action="append",
                     help="only this callout (repeat for more)")
    har.add_argument("--reveal", action="store_true",
                     help="include secrets and one-time passwords (the file is NOT sanitized)")
    har.set_defaults(func=_cmd(_export_har))
    events = with_db(ex.add_parser("events", help="every event as JSON Lines"))
    events.add_argument("file", metavar="FILE", help=file_help)
    events.set_defaults(func=_cmd(_export_events))
    report = with_db(ex.add_parser("report", help="Markdown evidence report of the session, "
                                   "or of a scenario run (--run)"))
    report.add_argument("file", metavar="FILE", help=file_help)
    report.add_argument("--flow", dest="flows", metavar="ID", action="append",
                        help="only this flow (repeat for more)")
    report.add_argument("--run", metavar="RUN_JSON",
                        help="report a scenario run from `otp-bench run --report RUN_JSON`")
    report.set_defaults(func=_cmd(_export_report))

    ws = subparsers.add_parser("workspace", help="export or import the workspace as YAML")
    wsub = ws.add_subparsers(dest="workspace_what", metavar="ACTION", required=True)
    wexp = with_db(wsub.add_parser("export", help="write sites, users, providers and settings "
                                   "(no secrets) to a YAML file"))
    wexp.add_argument("file", metavar="FILE", help=file_help)
    wexp.set_defaults(func=_cmd(_workspace_export))
    wimp = with_db(wsub.add_parser("import", help="validate a workspace YAML file, then apply "
                                   "it whole"))
    wimp.add_argument("file", metavar="FILE", help="workspace YAML file; - for standard input")
    wimp.add_argument("--no-prompt", action="store_true",
                      help="don't ask for credentials; leave them to re-enter in the app")
    wimp.set_defaults(func=_cmd(_workspace_import))
    add_key_parser(wsub)  # otp-bench workspace key export|import|status


def _cmd(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        # the store (SQLAlchemy and all) loads when a command runs, not when --help is built
        from otp_bench.store.db import StoreError

        try:
            return fn(args)
        except (_Refused, OutputError, StoreError) as exc:
            print(f"otp-bench: {exc}", file=sys.stderr)
            return INVALID
        except ValueError as exc:  # ScenarioError and friends: already name file/line/field
            print(f"otp-bench: {exc}", file=sys.stderr)
            return INVALID
        except BrokenPipeError:
            raise  # the reader of standard output left: main() ends quietly, as cat would
        except OSError as exc:
            print(f"otp-bench: {exc.strerror or exc}"
                  + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
            return INVALID

    run.__name__ = fn.__name__
    return run


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[Store]:
    from otp_bench.store.store import Store

    store = Store(getattr(args, "db", None))
    try:
        yield store
    finally:
        store.close()


def _say(args: argparse.Namespace, text: str) -> None:
    """The closing line: silent with -q; on stderr when the data itself went to stdout."""
    if getattr(args, "quiet", False):
        return
    print(text, file=sys.stderr if is_stdio(getattr(args, "file", None)) else sys.stdout)


def _shown(args: argparse.Namespace) -> str:
    return "standard output" if is_stdio(args.file) else str(args.file)


def _export_har(args: argparse.Namespace) -> int:
    from otp_bench.export.har import export_har

    with _store(args) as store:
        if args.flow and not store.events(flow_id=args.flow, limit=1):
            raise _Refused(f"no flow {args.flow!r} in workspace {_where(store)}")
        with meter("Exporting callouts", quiet=args.quiet) as progress:
            summary = export_har(store, args.file, flow_id=args.flow, ids=args.ids,
                                 reveal=args.reveal, progress=progress)
    state = "NOT sanitized" if not summary.sanitized else "sanitized"
    _say(args, f"wrote {summary.entries} callout(s) in {summary.pages} flow(s) to "
         f"{_shown(args)} ({state})")
    return OK


def _export_events(args: argparse.Namespace) -> int:
    from otp_bench.export.jsonl import export_events

    with _store(args) as store, meter("Exporting events", quiet=args.quiet) as progress:
        count = export_events(store, args.file, progress=progress)
    _say(args, f"wrote {count} event(s) to {_shown(args)}")
    return OK


def _export_report(args: argparse.Namespace) -> int:
    if args.run:
        from otp_bench.export.run_report import report_from_run
        from otp_bench.outputs import input_name, read_input

        try:
            data = json.loads(read_input(args.run))
        except json.JSONDecodeError as exc:
            raise _Refused(f"{input_name(args.run)}:{exc.lineno}: not a JSON run report "
                           f"({exc.msg})") from None
        except UnicodeDecodeError:
            raise _Refused(f"{input_name(args.run)}: not a UTF-8 text file") from None
        if not isinstance(data, dict) or "scenarios" not in data:
            raise _Refused(f"{input_name(args.run)}: not a run report from `otp-bench run "
                           "--report` (no \"scenarios\")")
        write_output(args.file, report_from_run(data))
        _say(args, f"wrote the report of {len(data['scenarios'])} scenario(s) to {_shown(args)}")
        return OK
    from otp_bench.export.report import export_report

    with _store(args) as store, meter("Writing the report", quiet=args.quiet) as progress:
        count = export_report(store, args.file, flow_ids=args.flows, progress=progress)
    _say(args, f"wrote the evidence report of {count} flow(s) to {_shown(args)}")
    return OK


def _workspace_export(args: argparse.Namespace) -> int:
    from otp_bench.workspace_files.writer import export_workspace

    with _store(args) as store:
        s = export_workspace(store, args.file)
    _say(args, f"wrote {s.providers} provider(s), {s.sites} site(s), {s.users} user(s) to "
         f"{_shown(args)}" + (f"; {s.placeholders} credential(s) left out, re-enter them after "
                              "import" if s.placeholders else ""))
    return OK


def _workspace_import(args: argparse.Namespace) -> int:
    from otp_bench.outputs import input_name
    from otp_bench.workspace_files.importer import import_workspace, placeholders
    from otp_bench.workspace_files.loader import load_workspace_file

    scenario = load_workspace_file(args.file)  # once: "-" reads standard input
    entered: dict[str, dict[str, str]] = {}
    if not args.no_prompt and sys.stdin.isatty() and not is_stdio(args.file):
        for provider, keys in placeholders(scenario).items():
            for key in keys:
                value = getpass.getpass(f"{provider}: {key} (empty to skip): ")
                if value:
                    entered.setdefault(provider, {})[key] = value
    from otp_bench.engine.engine import Engine

    with _store(args) as store, meter("Importing the workspace", quiet=args.quiet):
        engine = Engine(store)
        rep = import_workspace(engine, scenario, credentials=entered)
    if args.quiet:
        return OK
    print(f"imported {rep.providers} provider(s), {rep.sites} site(s), {rep.users} user(s) "
          f"from {input_name(args.file)}")
    for provider, keys in sorted(rep.missing_credentials.items()):
        print(f"  provider {provider!r} needs credentials re-entered: {', '.join(keys)} "
              "(Providers editor); until then its callouts fail authentication")
    if rep.ignored_steps:
        print(f"  the file's {rep.ignored_steps} step(s) were not run (use `otp-bench run`)")
    return OK


def _where(store: Store) -> str:
    return str(store.workspace)
