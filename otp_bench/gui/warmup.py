"""Background work the app does once a workspace opens or changes, so the first flows are quick.

Runs on a worker (``TaskRunner``); nothing here touches Qt.
"""

from __future__ import annotations

from typing import Any


def warm_handlers(engine: Any) -> None:
    """Build every site's handler once, off the GUI thread, right after the workspace opens.

    The first build imports the HTTP stack and compiles templates: C calls that hold the GIL for
    tens of milliseconds. Done here, the operator's first flow (or a burst of them) doesn't stall
    the event loop. A broken provider config is reported by the flow that uses it, not here.
    """
    for site in engine.store.sites():
        if site.provider_id:
            try:
                engine.handler_for(site)
            except Exception:
                continue
