"""``otp-bench headless --port N [--db URL]``: the headless API on loopback until Ctrl-C.

Prints the base URL and every site's path with its headless settings, so a curl session or a
mobile app in development knows where to point (walk-through: docs/headless.md).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from otp_bench import heap

if TYPE_CHECKING:  # the domain model loads when the command runs, not for --help
    from otp_bench.domain.model import Site


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "headless", help="serve the Salesforce headless identity API on loopback",
        description="Serve /services/auth/headless/... and /services/oauth2/... for the sites "
        "of a workspace on 127.0.0.1, so curl or an app in development can run headless "
        "passwordless login and registration against the bench.",
    )
    p.add_argument("--port", type=int, default=8080, help="TCP port on 127.0.0.1 (default "
                   "8080; 0 picks a free one)")
    p.add_argument("--db", dest="headless_db", metavar="URL",
                   help="workspace database (default: $OTP_BENCH_DB, else the user workspace)")
    p.add_argument("--expose-inbox", action="store_true",
                   help="also serve GET /_bench/inbox/{number} (the phone inbox, codes "
                   "included) for clients without the desktop app")
    p.add_argument("--reveal-reasons", action="store_true",
                   help="operator mode: answer refusals that would reveal whether an account "
                   "exists as errors with the precise reason (off: they look like success)")
    p.set_defaults(func=run)
    return p


def describe(site: Site, base_url: str, handler: str) -> str:
    from otp_bench.headless.routing import site_path

    path = site_path(site)
    flags = [
        f"passwordless login {'on' if site.headless_passwordless_login else 'off'}",
        f"registration {'on' if site.headless_registration else 'off'}",
        f"handler {handler}",
    ]
    return f"  {base_url}/{path:<20} {site.name} — headless " + ", ".join(flags)


def run(args: argparse.Namespace) -> int:
    from otp_bench.engine.engine import Engine
    from otp_bench.headless.server import HeadlessServer, HeadlessServerError
    from otp_bench.store.db import StoreError

    if not 0 <= args.port <= 65535:
        print(f"otp-bench headless: --port {args.port} isn't a TCP port (0-65535)",
              file=sys.stderr)
        return 2
    from otp_bench.progress import meter

    try:
        with meter("Opening the workspace"):  # a spinner on a terminal: a large one takes a while
            engine = Engine.open(getattr(args, "headless_db", None) or getattr(args, "db", None))
    except StoreError as exc:
        print(f"otp-bench headless: {exc}", file=sys.stderr)
        return 2
    engine.follow()  # the workspace edited elsewhere (the app) applies at once
    try:
        server = HeadlessServer(engine, port=args.port, expose_inbox=args.expose_inbox,
                                reveal_reasons=args.reveal_reasons)
        try:
            server.bind()
        except HeadlessServerError as exc:
            print(f"otp-bench headless: {exc}", file=sys.stderr)
            return 2
        base = server.base_url
        print(f"Headless identity API on {base}  (workspace {engine.store.workspace})")
        if engine.store.secrets_locked:
            print(f"  {engine.store.secrets_locked}")
        sites = engine.store.sites()
        if not sites:
            print("  no sites yet: add one in the app or load a scenario into this workspace")
        for site in sites:
            print(describe(site, base, engine.handler_name(site)))
        apps = engine.connected_apps()
        if apps:
            for app in apps:
                pkce = ", PKCE required" if app.require_pkce else ""
                print(f"  connected app {app.name}: client_id {app.client_id}, callbacks "
                      f"{', '.join(app.callback_urls)}, scopes {' '.join(app.scopes)}{pkce}")
        else:
            print("  no connected app: any client id and redirect URI are accepted "
                  "(bench assumption)")
        print(f"  id_token keys: {base}/id/keys")
        if args.expose_inbox:
            print(f"  phone inbox: {base}/_bench/inbox/<E.164 number>")
        print("Ctrl-C stops.", flush=True)
        heap.settle()  # started: what lives as long as the server leaves the collector's walks
        # uvicorn shuts down cleanly on Ctrl-C, then re-raises it: that is a normal stop.
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        print("Stopped.")
        return 0
    finally:
        engine.close()
