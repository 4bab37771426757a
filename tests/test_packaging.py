"""What ships: every package and every runtime file's folder is in the wheel's package list, and
runtime files are read from the installed package, never from a path next to the sources."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from otp_bench import assets

ROOT = Path(__file__).resolve().parents[1]


def _listed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_and_resource_folder_ships() -> None:
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "otp_bench").rglob(
        "__init__.py")}
    data = {"otp_bench.resources" + "".join("." + part for part in d.relative_to(
        ROOT / "resources").parts) for d in [ROOT / "resources", *(ROOT / "resources").rglob("*")]
        if d.is_dir() and d.name != "__pycache__"}
    missing = (code | data) - _listed()
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_runtime_files_come_from_the_package() -> None:
    assert "handler.cls.j2" in assets.listing("apex")
    assert assets.read_text("styles", "base.qss")
    assert assets.path("sample", "workspace.yaml").is_file()


def test_a_missing_resource_is_a_clear_error() -> None:
    with pytest.raises(assets.MissingResource, match=r"resources/apex/nope\.j2 is missing"):
        assets.read_text("apex", "nope.j2")


def test_no_source_relative_resource_paths() -> None:
    pattern = re.compile(r"parents\[\d\]\s*/\s*[\"']resources")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "otp_bench").rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, f"read runtime files with otp_bench.assets: {offenders}"
