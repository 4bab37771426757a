"""The ``otp-bench`` command: the desktop app by default, plus the scenario runner and tools.

Everything heavy is imported inside the subcommand that needs it, so ``otp-bench run`` never loads
Qt and the app's first paint isn't waiting on the runner.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence

NO_DISPLAY = """\
otp-bench: no display to open the desktop app on.
  - run it from a desktop session (Linux: X11 or Wayland; on X11 Qt also needs the xcb
    libraries the README lists — otp-bench names any that are missing),
  - or render it without a screen: QT_QPA_PLATFORM=offscreen otp-bench --screenshot DIR,
  - or use the scenario runner, which needs no display: otp-bench run shipped:otp_expiry
"""

# (commands, module, function adding the subparsers): parts that register their own
# subcommands. They import the engine, so they load only when one of their commands (or --help)
# is on the command line: the desktop app's first paint doesn't wait for them.
_PLUGINS = (
    (("mock-provider",), "otp_bench.mockprovider.cli", "add_parser"),
    (("headless",), "otp_bench.headless.cli", "add_parser"),
    (("export", "workspace"), "otp_bench.export.cli", "add_parsers"),
    (("export",), "otp_bench.export.apex_cli", "add_apex_parser"),
    (("apex",), "otp_bench.apex.cli", "add_parser"),
)


def _wanted(argv: Sequence[str] | None) -> set[str]:
    """The plugin modules the command line needs; all of them for --help or no argv at all."""
    words = set(sys.argv[1:] if argv is None else argv)
    everything = not words.isdisjoint({"-h", "--help", "completion"})
    return {
        module for commands, module, _fn in _PLUGINS
        if everything or not words.isdisjoint(commands)
    }


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: its plugins' subcommands included, built once per process.

    Building one takes 5-40 ms (argparse looks up a translation for every help string), paid
    again by every in-process ``main`` call (the test suite makes hundreds); parsing never
    changes a parser, so one per set of plugins is kept."""
    return _parser_with(frozenset(_wanted(argv)))


@functools.lru_cache(maxsize=16)
def _parser_with(wanted: frozenset[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otp-bench",
        description="Testbench for Salesforce Experience Cloud custom OTP delivery providers. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--db", metavar="URL",
                        help="workspace database: a SQLAlchemy URL or a SQLite file path "
                        "(default: $OTP_BENCH_DB, else the workspace in the user data dir)")
    parser.add_argument("--screenshot", metavar="DIR",
                        help="render the main window and each pane to PNGs in DIR, then exit")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="with --version: also Python, the data and log folders")
    parser.add_argument("--log-level", metavar="LEVEL",
                        help="DEBUG, INFO, WARNING or ERROR (default: $OTP_BENCH_LOG_LEVEL, else "
                        "INFO in the log file and WARNING on standard error)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the desktop app (the default)")
    gui.set_defaults(func=_gui)
    run = sub.add_parser("run", help="run scenario files and check their expectations")
    run.add_argument("files", nargs="*", metavar="FILE",
                     help="scenario files; shipped:NAME names a scenario shipped with otp-bench")
    run.add_argument("--report", metavar="FILE",
                     help="write the JSON report here (- for standard output)")
    run.add_argument("--junit", metavar="FILE",
                     help="write JUnit XML here (- for standard output)")
    run.add_argument("--db", dest="run_db", metavar="URL",
                     help="run in this workspace instead of a throwaway one")
    run.add_argument("-j", "--jobs", type=_positive_int, metavar="N", default=None,
                     help="files run at once, each in its own workspace (default: 4 per core, "
                          "as a file mostly waits on its provider; 1 with --db)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="only the summary: no step lines, no progress bar")
    run.add_argument("--format", dest="run_format", choices=("text", "json"), default="text",
                     help="step lines as text, or JSON Lines for tools: one object per step as "
                     "it completes, then the summary")
    run.add_argument("--schema", action="store_true",
                     help="print the scenario JSON Schema (for editors) and exit")
    run.add_argument("--list-shipped", action="store_true",
                     help="list the scenarios shipped with otp-bench (run one: shipped:NAME)")
    run.set_defaults(func=_run)
    completion = sub.add_parser("completion", help="print a shell completion script",
                                description="Print the completion script for SHELL. "
                                "Install: see `otp-bench completion --help` or the README.")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL",
                            help="bash, zsh or fish")
    completion.set_defaults(func=_completion)
    for _commands, module, fn in _PLUGINS:
        if module in wanted and importlib.util.find_spec(module) is not None:
            getattr(importlib.import_module(module), fn, lambda _s: None)(sub)
    _log_level_everywhere(sub)
    return parser


def _log_level_everywhere(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``--log-level`` also after any subcommand (``otp-bench headless --log-level DEBUG``)."""
    for p in set(sub.choices.values()):
        if not any("--log-level" in a.option_strings for a in p._actions):
            p.add_argument("--log-level", metavar="LEVEL", default=argparse.SUPPRESS,
                           help="DEBUG, INFO, WARNING or ERROR (as before the command)")
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                _log_level_everywhere(action)


# the commands that write a log file, and its name; the others log to standard error only
_LOG_FILES = {None: "otp-bench", "gui": "otp-bench", "headless": "headless",
              "mock-provider": "mock-provider"}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    if args.version:
        return _version(verbose=args.verbose)
    from otp_bench.logs import LogLevelError, setup_logging

    try:
        setup_logging(_LOG_FILES.get(args.command), level=args.log_level)
    except LogLevelError as exc:
        print(f"otp-bench: {exc}", file=sys.stderr)
        return 2
    func = getattr(args, "func", None) or _gui
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `otp-bench export events - | head`: the reader left, as with cat
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error while Python flushes at exit
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe
    except Exception as exc:
        # a workspace that can't be opened is one line and exit 2 in every command, even one
        # that forgot to catch it (looked up lazily: the store isn't imported for --version)
        db = sys.modules.get("otp_bench.store.db")
        if db is not None and isinstance(exc, db.StoreError):
            print(f"otp-bench: {exc}", file=sys.stderr)
            return 2
        raise


def _version(*, verbose: bool) -> int:
    from otp_bench import __version__

    print(f"otp-bench {__version__}")
    if verbose:
        import platform

        import platformdirs

        from otp_bench.logs import describe

        print(f"Python {platform.python_version()} ({sys.executable}) on {platform.platform()}")
        print(f"data folder: {platformdirs.user_data_dir('otp-bench', appauthor=False)}"
              + (f" (workspace: $OTP_BENCH_DB={os.environ['OTP_BENCH_DB']})"
                 if os.environ.get("OTP_BENCH_DB") else ""))
        for line in describe():
            print(line)
    return 0


def _completion(args: argparse.Namespace) -> int:
    from otp_bench.completion import script

    print(script(build_parser(["completion"]), args.shell), end="")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _run(args: argparse.Namespace) -> int:
    if args.schema or args.list_shipped:
        from otp_bench.scenario import shipped

        try:
            print(shipped.schema_text() if args.schema else "\n".join(shipped.names()))
        except BrokenPipeError:  # `otp-bench run --schema | head`
            sys.stderr.close()
        return 0
    if not args.files:
        print("otp-bench run: name at least one scenario FILE (or shipped:NAME; "
              "--list-shipped lists them)", file=sys.stderr)
        return 2
    from otp_bench.scenario.cli import run_files
    from otp_bench.scenario.parallel import default_jobs

    return run_files(args.files, report=args.report, junit=args.junit,
                     db_url=args.run_db or None, quiet=args.quiet, fmt=args.run_format,
                     jobs=args.jobs or default_jobs())


def _gui(args: argparse.Namespace) -> int:
    problem = display_problem(screenshot=bool(args.screenshot))
    if problem:
        print(problem, file=sys.stderr, end="")
        return 2
    try:
        from otp_bench.gui.app import run_gui
    except ImportError as exc:
        print(f"otp-bench: the desktop app can't start: {exc}\n"
              "  Install the GUI extra: pip install 'otp-bench[gui]' (make run does this).",
              file=sys.stderr)
        return 2
    return int(run_gui(args.db, args.screenshot))


def display_problem(*, screenshot: bool = False) -> str | None:
    """Why Qt would abort on this machine, in words; None when it can start."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc")):
        return None
    if not sys.platform.startswith("linux"):
        return None
    if screenshot and not platform:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # screenshots need no screen
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return NO_DISPLAY
    uses_xcb = platform.startswith("xcb") or not (
        platform.startswith("wayland") or os.environ.get("WAYLAND_DISPLAY")
    )
    if uses_xcb:
        from otp_bench.qt_libs import missing_message, missing_xcb_libs

        missing = missing_xcb_libs()
        if missing:
            return missing_message(missing)
    return None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
