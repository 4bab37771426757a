"""Where Apex comes from: a ``.cls`` file, a folder of them, or an sfdx project.

An sfdx project (``sfdx-project.json`` or ``force-app/main/default``) also yields its Named
Credential metadata (URL, username, flags: never a password, which metadata doesn't hold) and its
custom metadata records, as plain data the provider config can start from.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otp_bench.apex.diagnostics import SourceError

MAX_FILE_BYTES = 1_000_000  # Salesforce's limit for one class body is 1 M characters
MAX_FILES = 500
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


@dataclass(frozen=True)
class ApexSource:
    """Apex files by display path, plus metadata found beside them."""

    files: dict[str, str]
    named_credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    custom_metadata: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for path in sorted(self.files):
            h.update(path.encode())
            h.update(b"\0")
            h.update(self.files[path].encode())
            h.update(b"\0")
        return h.hexdigest()

    @classmethod
    def from_text(cls, text: str, name: str = "Handler.cls") -> ApexSource:
        return cls({name: text})

    @classmethod
    def from_paths(cls, *paths: str | Path) -> ApexSource:
        files: dict[str, str] = {}
        creds: dict[str, dict[str, Any]] = {}
        cmdt: dict[str, dict[str, dict[str, Any]]] = {}
        for raw in paths:
            path = Path(raw)
            if path.is_file():
                if path.suffix.lower() != ".cls":
                    raise SourceError(f"{path}: not an Apex class file (.cls)")
                files[path.name] = _read(path)
                continue
            if not path.is_dir():
                raise SourceError(f"{path}: no such file or folder")
            root = path / "force-app" / "main" / "default"
            base = root if root.is_dir() else path
            for cls_path in sorted(base.rglob("*.cls")):
                if len(files) >= MAX_FILES:
                    raise SourceError(f"{path}: more than {MAX_FILES} Apex classes")
                files[cls_path.relative_to(path).as_posix()] = _read(cls_path)
            for xml_path in sorted(base.rglob("*.namedCredential-meta.xml")):
                creds[xml_path.name.split(".")[0]] = _named_credential(xml_path)
            for xml_path in sorted(base.rglob("*.md-meta.xml")):
                type_name, _, record = xml_path.name[: -len(".md-meta.xml")].partition(".")
                cmdt.setdefault(f"{type_name}__mdt", {})[record] = _cmdt_record(xml_path, record)
        if not files:
            raise SourceError(f"no Apex classes (.cls) in {', '.join(str(p) for p in paths)}")
        return cls(files, creds, cmdt)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES * 4:
            raise SourceError(f"{path}: larger than an Apex class can be")
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"{path}: can't read it: {exc.strerror or exc}") from exc


def _xml(path: Path) -> ET.Element:
    try:
        return ET.fromstring(_read_bytes(path))
    except ET.ParseError as exc:
        raise SourceError(f"{path}: not valid XML: {exc}") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()[: MAX_FILE_BYTES]
    except OSError as exc:
        raise SourceError(f"{path}: can't read it: {exc.strerror or exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _named_credential(path: Path) -> dict[str, Any]:
    root = _xml(path)
    out: dict[str, Any] = {}
    for child in root:
        tag = _local(child.tag)
        value = (child.text or "").strip()
        if tag == "endpoint":
            out["url"] = value
        elif tag == "username":
            out["username"] = value
        elif tag == "generateAuthorizationHeader":
            out["generate_authorization_header"] = value == "true"
        elif tag in ("allowMergeFieldsInBody", "allowMergeFieldsInHeader"):
            out["allow_merge_fields"] = out.get("allow_merge_fields", False) or value == "true"
        elif tag == "namedCredentialParameters":
            params = {_local(p.tag): (p.text or "").strip() for p in child}
            if params.get("parameterType") == "Url":
                out["url"] = params.get("parameterValue", "")
    return out


def _cmdt_record(path: Path, record: str) -> dict[str, Any]:
    root = _xml(path)
    out: dict[str, Any] = {"DeveloperName": record}
    for child in root:
        tag = _local(child.tag)
        if tag == "label":
            out["MasterLabel"] = out["Label"] = (child.text or "").strip()
        elif tag == "values":
            name = value_el = None
            for v in child:
                if _local(v.tag) == "field":
                    name = (v.text or "").strip()
                elif _local(v.tag) == "value":
                    value_el = v
            if name:
                out[name] = _typed(value_el)
    return out


def _typed(el: ET.Element | None) -> Any:
    if el is None or el.get(_XSI_NIL) == "true":
        return None
    raw = el.text or ""
    kind = el.get(_XSI, "xsd:string").split(":")[-1]
    if kind == "boolean":
        return raw.strip() == "true"
    if kind in ("int", "double", "decimal"):
        import decimal

        try:
            return decimal.Decimal(raw.strip())
        except decimal.InvalidOperation:
            return raw
    return raw
