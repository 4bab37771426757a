"""The first-run sample workspace: the lead's ``resources/sample/workspace.yaml`` applied to the
engine (``otp_bench.scenario.sample``), with a small built-in fallback when that isn't installed.
Runs on a worker: it writes to the store.
"""

from __future__ import annotations

from typing import Any


def load_sample_workspace(engine: Any) -> None:
    try:
        from otp_bench.scenario.sample import SAMPLE_WORKSPACE, load_sample
    except ImportError:
        _fallback(engine)
        return
    if SAMPLE_WORKSPACE.exists():
        load_sample(engine)
    else:
        _fallback(engine)


def _fallback(engine: Any) -> None:
    from otp_bench.domain.flags import Flags
    from otp_bench.domain.model import Settings
    from otp_bench.domain.vocabulary import DeliveryResult, License

    engine.save_settings(Settings(custom_otp_enabled=True))
    engine.new_provider("Scripted success", result=DeliveryResult.SUCCESS)
    site = engine.new_site("Acme Customers", url_prefix="acme", handler="Scripted success",
                           brand_color="#0b5cab", logo_text="Acme",
                           headless_passwordless_login=True, headless_registration=True)
    engine.new_user("ana@example.com", first_name="Ana", mobile="+1 415 555 2671",
                    license=License.CUSTOMER_COMMUNITY, flags=Flags(True, False),
                    sites=frozenset({site.id}))
