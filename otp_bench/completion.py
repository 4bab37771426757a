"""``otp-bench completion SHELL``: bash, zsh and fish completion scripts, made from the parser.

``shtab`` reads the argparse parser (every subcommand, option and choice) and writes the script,
so completion follows the command line as it grows. File and folder arguments complete as paths.

Install (see also the README)::

    otp-bench completion bash > ~/.local/share/bash-completion/completions/otp-bench
    otp-bench completion zsh  > "${fpath[1]}/_otp-bench"
    otp-bench completion fish > ~/.config/fish/completions/otp-bench.fish
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")
_FILE_DESTS = {"file", "files", "report", "junit", "run", "faults", "screenshot", "directory",
               "db", "run_db", "apex_db", "headless_db", "mock_db"}


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    import shtab

    _mark_paths(parser)
    text: str = shtab.complete(parser, shell=shell)
    return text if text.endswith("\n") else text + "\n"


def _mark_paths(parser: argparse.ArgumentParser) -> None:
    """Arguments that name files or folders complete as paths (shtab's ``complete`` hint)."""
    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub)
        elif action.dest in _FILE_DESTS and not action.choices:
            folder = action.dest in {"directory", "screenshot"}
            action.complete = shtab.DIRECTORY if folder else shtab.FILE  # type: ignore[attr-defined]
