"""``otp-bench export apex PROVIDER DIR``: the command's arguments, and writing the bundle.

Kept apart from the generator (apex.py, with its Jinja templates) so that every other ``export``
command's start-up doesn't import it: the parser is built for any ``export`` command line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_apex_parser", "run_apex"]


def add_apex_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``apex`` under ``otp-bench export`` (creating ``export`` if nobody else did)."""
    export = subparsers.choices.get("export")
    if export is None:
        export = subparsers.add_parser("export", help="export artefacts")
    inner = next((a for a in export._actions if isinstance(a, argparse._SubParsersAction)), None)
    if inner is None:
        inner = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    p: argparse.ArgumentParser = inner.add_parser(
        "apex", help="an HTTP provider config as an Apex handler, its test class and the "
        "Named Credential metadata (no secrets)")
    p.add_argument("provider", metavar="PROVIDER", help="provider config name in the workspace")
    p.add_argument("directory", metavar="DIR", help="where to write classes/ and namedCredentials/")
    p.add_argument("--class-name", help="Apex class name (default: from the provider name)")
    p.add_argument("--named-credential", help="Named Credential name (default: from the "
                   "provider name)")
    p.add_argument("--db", dest="apex_db", metavar="URL", help="workspace database URL or "
                   "SQLite file (default: the user's workspace)")
    p.set_defaults(func=run_apex)
    return p


def run_apex(args: argparse.Namespace) -> int:
    from otp_bench.export.apex import ApexExportError, generate, write
    from otp_bench.outputs import OutputError
    from otp_bench.store.db import StoreError
    from otp_bench.store.store import Store

    try:
        store = Store(getattr(args, "apex_db", None) or getattr(args, "db", None))
    except StoreError as exc:
        print(f"otp-bench export apex: {exc}", file=sys.stderr)
        return 2
    try:
        provider = store.provider_by_name(args.provider)
        if provider is None:
            names = ", ".join(p.name for p in store.providers()) or "none"
            print(f"otp-bench export apex: no provider named {args.provider!r} (providers: "
                  f"{names})", file=sys.stderr)
            return 2
        bundle = generate(provider, class_name=args.class_name,
                          named_credential=args.named_credential)
        paths = write(bundle, args.directory)
    except (ApexExportError, OSError, OutputError) as exc:
        print(f"otp-bench export apex: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for path in paths:
        print(path)
    for note in bundle.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
