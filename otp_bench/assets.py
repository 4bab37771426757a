"""Runtime files shipped inside the package: the top-level ``resources/`` folder, installed as the
package ``otp_bench.resources`` (pyproject maps it), read with ``importlib.resources``.

Every runtime file (Apex templates, stylesheet and icons, the sample workspace, the shipped
scenarios, the scenario JSON Schema) is reached through here, so an installed wheel or a
``pipx install`` finds exactly what a checkout finds. A missing file is a ``MissingResource``
naming the file and the installation; there is no silent fallback.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "otp_bench.resources"
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


class MissingResource(RuntimeError):
    """A file otp-bench ships is absent from this installation."""


def root() -> Traversable:
    try:
        return files(PACKAGE)
    except ModuleNotFoundError as exc:
        raise MissingResource(
            f"otp-bench's runtime files ({PACKAGE}) aren't installed; reinstall otp-bench "
            "(pip install --force-reinstall otp-bench)") from exc


def resource(*parts: str) -> Traversable:
    """The shipped file or folder ``resources/<parts...>``; ``MissingResource`` if absent."""
    node = root().joinpath(*parts)
    if not (node.is_file() or node.is_dir()):
        raise MissingResource(
            f"otp-bench's resource file resources/{'/'.join(parts)} is missing from the "
            f"installation at {root()}; reinstall otp-bench")
    return node


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")


def path(*parts: str) -> Path:
    """A real file-system path to a shipped file or folder, for consumers that need one (Qt
    stylesheets' ``url()``). Zipped installs are extracted once, kept until exit."""
    node = resource(*parts)
    if isinstance(node, Path):
        return node
    return _extracted.enter_context(as_file(node))


def listing(*parts: str, suffix: str = "") -> list[str]:
    """Sorted names of the files in the shipped folder ``resources/<parts...>``."""
    return sorted(n.name for n in resource(*parts).iterdir()
                  if n.is_file() and n.name.endswith(suffix))
