"""What the provider editor asks the core: vendor presets, field problems, the request preview,
and a look at an Apex handler class, as typed engine methods (``ProviderTools``, mixed into
``Engine``).

The editor calls ``preview_request`` and ``apex_class_view`` on a worker: they render a user's
template or read and check a user's Apex files, which the GUI thread never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from otp_bench.delivery.base import DeliveryReport
from otp_bench.domain.model import ProviderConfig

if TYPE_CHECKING:
    from otp_bench.delivery.preview import Preview
    from otp_bench.store.store import Store

# DeliveryReport (what send_test returns) is re-exported so the GUI can name it without
# importing delivery
__all__ = ["ApexClassView", "DeliveryReport", "PresetChoice", "Preview", "ProviderTools"]


@dataclass(frozen=True)
class PresetChoice:
    """A vendor preset as the editor's picker lists it."""

    name: str
    label: str


@dataclass(frozen=True)
class ApexClassView:
    """An Apex handler source as the editor shows it: the file holding the class, its text, the
    handler classes found and what the check refused (empty when it runs); or ``error``."""

    error: str | None = None
    files: tuple[str, ...] = ()
    file: str = ""
    text: str = ""
    classes: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = field(default=())


class ProviderTools:
    store: Store

    @staticmethod
    def provider_presets() -> list[PresetChoice]:
        """The vendor presets (Twilio, Vonage, …) the editor offers, in catalogue order."""
        from otp_bench.delivery.presets import PRESETS

        return [PresetChoice(p.name, p.label) for p in PRESETS.values()]

    @staticmethod
    def preset_fill(
        name: str, *, base_url: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A preset's full ``http`` settings and its example credentials (well-formed
        throwaway values for the mock); ``base_url`` replaces the vendor's."""
        from otp_bench.delivery.presets import get_preset, preset_http

        preset = get_preset(name)
        return preset_http(name, base_url=base_url), dict(preset.example_credentials)

    @staticmethod
    def http_problems(http: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Every problem in an HTTP provider's settings as (field, message); empty when a
        handler can be built. Compiles the templates; runs none."""
        from otp_bench.delivery.request import http_problems

        return http_problems(dict(http))

    def preview_request(self, config: ProviderConfig) -> Preview:
        """The request ``config`` (saved or not) would send for a sample call: credentials as
        ``‹key›`` placeholders, problems as one message naming the field. Renders the user's
        templates under their budget: call it from a worker."""
        from otp_bench.delivery.preview import preview_request

        return preview_request(config)

    def preview_draft(
        self, http: Mapping[str, Any], credential_keys: Iterable[str] = (),
    ) -> Preview:
        """The preview of an editor's HTTP form as it stands, unparsed: a field problem is the
        preview's message. Only the credentials' names are passed: they show as placeholders.
        Renders the user's templates under their budget: call it from a worker."""
        from otp_bench.delivery.preview import preview_draft

        return preview_draft(http, credential_keys)

    @staticmethod
    def apex_available() -> bool:
        """Whether the Apex runtime's grammar (the ``apex`` extra) is installed."""
        from otp_bench.apex import apex_available

        return apex_available()

    @staticmethod
    def apex_class_view(source: str, class_name: str = "") -> ApexClassView:
        """Read and check the Apex handler at ``source`` (a .cls file, a folder, an sfdx
        project): the file holding ``class_name`` (or the one handler class), its text, and what
        the check refuses. Reads the user's files: call it from a worker."""
        from otp_bench.apex import (
            ApexLoadError,
            ApexSource,
            SourceError,
            apex_available,
            find_handler_classes,
            load_program,
        )

        if not apex_available():
            return ApexClassView(
                error="Running Apex needs the Apex grammar: pip install 'otp-bench[apex]'")
        try:
            src = ApexSource.from_paths(source)
        except SourceError as exc:
            return ApexClassView(error=str(exc))
        classes: list[str] = []
        diagnostics: list[str] = []
        try:
            classes = find_handler_classes(load_program(src))
        except ApexLoadError as exc:
            diagnostics = [str(d) for d in exc.diagnostics]
        wanted = class_name or (classes[0] if len(classes) == 1 else "")
        shown = next((f for f in src.files if Path(f).stem.lower() == wanted.lower()), None)
        shown = shown or next(iter(sorted(src.files)), "")
        return ApexClassView(files=tuple(sorted(src.files)), file=shown,
                             text=src.files.get(shown, ""), classes=tuple(classes),
                             diagnostics=tuple(diagnostics))


def __getattr__(name: str) -> Any:
    """``Preview`` loads on first use: it brings in Jinja2, which a workspace without an HTTP
    provider never needs."""
    if name == "Preview":
        from otp_bench.delivery.preview import Preview

        return Preview
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
