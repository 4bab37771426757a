"""Help menu items: the documentation, the log folder, and About (which says where the logs are).

``add_help_items(w, helpm, act)`` adds them; ``main_menus.build_menus`` calls it once. The README
is read from the installed package's metadata (present in a wheel and an editable install alike)
in a worker, then shown as Markdown; "Open log folder" hands the folder to the desktop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow


def about_html(base: str) -> str:
    from otp_bench import __version__
    from otp_bench.logs import log_dir

    return (base.replace("<h3>otp-bench</h3>", f"<h3>otp-bench {__version__}</h3>", 1)
            + f"<p><b>Logs</b>: <code>{log_dir()}</code> (otp-bench.log for the app; "
            "headless.log and mock-provider.log for the servers). Secrets and one-time "
            "passwords are masked there. Level: <code>--log-level</code> or "
            "<code>OTP_BENCH_LOG_LEVEL</code>.</p>")


def add_help_items(w: MainWindow, helpm: Any, act: Any, about: str) -> None:
    act("docs", "&Documentation", lambda: show_docs(w), QKeySequence.StandardKey.HelpContents,
        helpm)
    act("log_folder", "Open &log folder", lambda: open_log_folder(w), None, helpm)
    helpm.addSeparator()
    act("about", "&About otp-bench",
        lambda: QMessageBox.about(w, "About otp-bench", about_html(about)), None, helpm)


def readme_text() -> str:
    """The README as shipped in the package metadata (its long description)."""
    from email.message import Message
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("otp-bench")
    except PackageNotFoundError:
        return "otp-bench isn't installed as a package here: see README.md in its source folder."
    # the long description is the metadata file's body: metadata() returns an email Message
    body = meta.get_payload() if isinstance(meta, Message) else None
    return str(body or meta.get_all("Description", [""])[0]
               or "No documentation in this installation.")


def show_docs(w: MainWindow) -> None:
    dialog = QDialog(w)
    dialog.setObjectName("docsDialog")
    dialog.setWindowTitle("otp-bench documentation")
    dialog.resize(900, 640)
    view = QTextBrowser(dialog)
    view.setObjectName("docsView")
    view.setOpenLinks(False)  # links leave the dialog: the README's own pages open outside it
    view.anchorClicked.connect(lambda url: open_doc_link(w, url))
    view.setPlainText("Loading…")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    w.docs_dialog = dialog
    w.tasks.run(readme_text, view.setMarkdown, None, title="Reading the documentation")
    dialog.show()


def open_doc_link(w: MainWindow, url: QUrl) -> None:
    """A web link opens in the browser; a README-relative page (docs/scenarios.md) opens from
    the source folder when there is one, else the dialog says where it lives."""
    if url.scheme() in ("http", "https", "mailto"):
        QDesktopServices.openUrl(url)
        return
    if url.hasFragment() and not url.path():
        view = w.docs_dialog.findChild(QTextBrowser, "docsView") if w.docs_dialog else None
        if view is not None:
            view.scrollToAnchor(url.fragment())
        return
    from pathlib import Path

    import otp_bench

    page = Path(otp_bench.__file__).resolve().parents[1] / url.path()
    if page.is_file():
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(page)))
    else:
        QMessageBox.information(w, "Documentation", f"{url.path()} is in the otp-bench source "
                                "repository, next to its README.")


def open_log_folder(w: MainWindow) -> None:
    from otp_bench.logs import log_dir

    folder = log_dir()

    def make() -> str:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return str(folder)

    def opened(path: str) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            QMessageBox.information(w, "Log folder", f"The logs are in {path}")

    w.tasks.run(make, opened, None, title="Opening the log folder")
