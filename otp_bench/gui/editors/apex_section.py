"""The provider editor's "Apex class" section: the user's own handler, shown and checked.

The operator picks a ``.cls`` file, a folder of classes or an sfdx project; the section shows the
handler class read-only with Apex highlighting, the whole-file check's diagnostics and the
runtime's warnings, and marks the line the last run ended on. It says plainly that the class is
interpreted by otp-bench, not compiled by Salesforce. Reading and parsing run on a worker; a
``QFileSystemWatcher`` reloads the view when the user's editor saves the file (the handler itself
re-checks the files on every send).

The org around the class (remote sites, named credentials, custom metadata, custom settings) is
edited as YAML in the scenario file's own shape; named credential usernames and passwords in it go
to the provider's secrets, never into the stored config.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from PySide6.QtCore import QFileSystemWatcher, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.apex_provider import ApexConfig, ApexConfigError
from otp_bench.engine.provider_tools import ApexClassView
from otp_bench.gui.editors.apex_code_view import ApexCodeView
from otp_bench.gui.widgets.forms import Field, field_row, label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

NOT_COMPILED = ("Interpreted by otp-bench, not compiled by Salesforce: a class that runs here can "
                "still fail to compile, or behave differently, in an org.")
ORG_HINT = ("YAML, as in a scenario file: remote_sites, named_credentials (usernames and "
            "passwords are kept as secrets), custom_metadata, custom_settings.")
_ENDED = re.compile(r"at line (\d+)")


class ApexSection(QWidget):
    """Signals: loaded(ApexClassView) after a (re)load; the view, diagnostics and class list are
    shown."""

    loaded = Signal(object)

    def __init__(self, tasks: TaskRunner, engine: Engine, apex: ApexConfig | None,
                 credentials: dict[str, str], fields: dict[str, Field],
                 parent: QWidget | None = None,
                 mock_url: Callable[[], str | None] | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._engine = engine
        self.mock_url = mock_url or (lambda: None)
        self._credentials = dict(credentials)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.notice = label(f"⚠ {NOT_COMPILED}", "warning")
        self.notice.setObjectName("apexNotCompiled")
        lay.addWidget(self.notice)
        self.source = QLineEdit(apex.source if apex else "")
        self.source.setObjectName("apexSource")
        self.source.setPlaceholderText("/path/to/force-app  or  MyOtpHandler.cls")
        self.source.editingFinished.connect(self.reload)
        pick_file = QPushButton("File…")
        pick_file.setObjectName("apexPickFile")
        pick_file.clicked.connect(self._pick_file)
        pick_dir = QPushButton("Folder…")
        pick_dir.setObjectName("apexPickFolder")
        pick_dir.clicked.connect(self._pick_folder)
        source_row = field_row(self.source, pick_file, pick_dir)
        fields["apex.source"] = f = Field("Apex source", source_row, "A .cls file, a folder of "
                                          "classes or an sfdx project (force-app/main/default).")
        lay.addWidget(f)
        self.class_name = QLineEdit(apex.class_name if apex else "")
        self.class_name.setObjectName("apexClass")
        self.class_name.setPlaceholderText("optional when exactly one class implements "
                                           "Auth.CustomOneTimePasswordDeliveryHandler")
        self.class_name.editingFinished.connect(self.reload)
        fields["apex.class"] = f = Field("Handler class", self.class_name)
        lay.addWidget(f)
        self.status = label("", "muted")
        self.status.setObjectName("apexStatus")
        lay.addWidget(self.status)
        self.diagnostics = label("", "error")
        self.diagnostics.setObjectName("apexDiagnostics")
        self.diagnostics.hide()
        lay.addWidget(self.diagnostics)
        self.warnings = label("", "warning")
        self.warnings.setObjectName("apexWarnings")
        self.warnings.hide()
        lay.addWidget(self.warnings)
        self.code = ApexCodeView()
        self.code.setMinimumHeight(330)
        lay.addWidget(self.code, 1)
        self.org = QPlainTextEdit(_org_yaml(apex, credentials))
        self.org.setObjectName("apexOrg")
        self.org.setMinimumHeight(90)
        self.org.setMaximumHeight(170)
        self.org.setPlaceholderText('remote_sites:\n  "https://api.twilio.com": mock\n'
                                    "named_credentials:\n  Twilio: {url: https://api.twilio.com"
                                    ", username: AC…, password: …}")
        fields["apex.org"] = f = Field("Org around the class", self.org, ORG_HINT)
        lay.addWidget(f)
        self.view: ApexClassView | None = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(lambda _p: self.reload())
        self.watcher.directoryChanged.connect(lambda _p: self.reload())
        self._generation = 0

    # -- loading, off the GUI thread -----------------------------------------------------------

    def reload(self) -> None:
        source = self.source.text().strip()
        if not source:
            self.status.setText("Pick the handler's source.")
            return
        self._generation += 1
        generation, name = self._generation, self.class_name.text().strip()
        self.status.setText("Reading and checking the class…")
        engine = self._engine
        self.tasks.run(lambda: engine.apex_class_view(source, name),
                       lambda view: self._on_loaded(generation, source, view),
                       lambda exc: self._on_loaded(generation, source,
                                                   ApexClassView(error=str(exc))),
                       title="Apex source")

    def _on_loaded(self, generation: int, source: str, view: ApexClassView) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        self.view = view
        self._watch(source, view)
        if view.error:
            self.status.setText(view.error)
            self.diagnostics.hide()
            self.code.set_source("")
        else:
            classes = view.classes
            found = (", ".join(classes) if classes else
                     "no class implements Auth.CustomOneTimePasswordDeliveryHandler")
            self.status.setText(f"{view.file} · {len(view.text.splitlines())} lines · "
                                f"handler: {found}")
            diags = view.diagnostics
            self.diagnostics.setText("Refused before any callout:\n" + "\n".join(diags[:12])
                                     + (f"\n… and {len(diags) - 12} more" if len(diags) > 12
                                        else ""))
            self.diagnostics.setVisible(bool(diags))
            self.code.set_source(view.text)
            if diags:
                first = re.search(r":(\d+):\d+:", diags[0])
                if first:
                    self.code.mark_line(int(first.group(1)), ok=False)
        self.loaded.emit(view)

    def _watch(self, source: str, view: ApexClassView) -> None:
        old = self.watcher.files() + self.watcher.directories()
        if old:
            self.watcher.removePaths(old)
        root = Path(source)
        paths = [str(root)] if root.exists() else []
        if root.is_dir() and view.file:
            found = next(iter(root.rglob(Path(view.file).name)), None)
            if found is not None:
                paths.append(str(found))
        if paths:
            self.watcher.addPaths(paths)

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Apex class", self.source.text(),
                                              "Apex classes (*.cls)")
        if path:
            self.source.setText(path)
            self.reload()

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of classes or sfdx project",
                                                self.source.text())
        if path:
            self.source.setText(path)
            self.reload()

    # -- what the last run did -----------------------------------------------------------------

    def show_run(self, note: str, warnings: tuple[str, ...] = ()) -> None:
        """Mark where the handler ended ("returned SUCCESS at line 52", "threw … at line 39")."""
        m = _ENDED.search(note or "")
        if m:
            self.code.mark_line(int(m.group(1)), ok=note.startswith("returned"))
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))

    # -- the config -----------------------------------------------------------------------------

    def config(self) -> tuple[ApexConfig, dict[str, str]]:
        """The typed config and the secrets; raises ApexConfigError naming the field."""
        try:
            org = yaml.safe_load(self.org.toPlainText() or "{}") or {}
        except yaml.YAMLError as exc:
            raise ApexConfigError("org", f"not YAML: {exc}") from None
        if not isinstance(org, dict):
            raise ApexConfigError("org", "must be a mapping (remote_sites:, named_credentials:…)")
        unknown = set(org) - {"remote_sites", "named_credentials", "custom_metadata",
                              "custom_settings"}
        if unknown:
            raise ApexConfigError("org", f"unknown section {sorted(unknown)[0]!r}")
        secrets: dict[str, str] = {}
        ncs = {}
        for name, spec in (org.get("named_credentials") or {}).items():
            spec = dict(spec) if isinstance(spec, dict) else spec
            if isinstance(spec, dict):
                for key in ("username", "password"):
                    value = spec.pop(key, None)
                    if value not in (None, ""):
                        secrets[f"{name}.{key}"] = str(value)
                    elif f"{name}.{key}" in self._credentials and key not in spec:
                        secrets[f"{name}.{key}"] = self._credentials[f"{name}.{key}"]
            ncs[name] = spec
        # "mock" is the running mock provider, as "Use the loopback mock" does for HTTP providers
        mock = self.mock_url()
        sites = {k: (mock if v == "mock" and mock else v)
                 for k, v in (org.get("remote_sites") or {}).items()}
        for spec in ncs.values():
            if isinstance(spec, dict) and spec.get("url") == "mock" and mock:
                spec["url"] = mock
        config = ApexConfig.from_dict({
            "source": self.source.text().strip(), "class_name": self.class_name.text().strip(),
            "remote_sites": sites, "named_credentials": ncs,
            "custom_metadata": org.get("custom_metadata") or {},
            "custom_settings": org.get("custom_settings") or {},
        })
        return config, secrets


def _org_yaml(apex: ApexConfig | None, credentials: dict[str, str]) -> str:
    """The stored org settings as YAML, without the secrets (they stay in the secret store)."""
    if apex is None:
        return ""
    d = apex.to_dict()
    org = {k: d[k] for k in ("remote_sites", "named_credentials", "custom_metadata",
                             "custom_settings") if d[k]}
    return yaml.safe_dump(org, sort_keys=False, allow_unicode=True) if org else ""
