"""The captions of demo mode: one sentence per beat, in the words a stakeholder follows.

"The provider answers 21211 → INVALID_PHONE_NUMBER → the user sees …": each caption chains what
the provider said, what the handler returned and what the end user sees. Pure functions of the
engine's outcomes, so they are tested without Qt.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from otp_bench.gui.site_pane import messages as msg

if TYPE_CHECKING:
    from otp_bench.domain.callout import CalloutRecord
    from otp_bench.domain.vocabulary import Reason
    from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome

_FLOW_WORDS = {
    "passwordless_login": "logs in without a password",
    "verification": "verifies their identity (MFA)",
    "self_registration": "signs up",
    "passwordless_registration": "signs up without a password",
    "verification_method_registration": "registers a mobile number",
}


def step_title(index: int, total: int, who: str, flow: str, site: str) -> str:
    return f"Step {index}/{total} — {who} {_FLOW_WORDS.get(flow, flow)} on {site}"


def _vendor_code(callout: CalloutRecord) -> str:
    """The vendor's own error code in a JSON answer (Twilio ``code``, Vonage ``status``…)."""
    body = callout.response.body if callout.response is not None else ""
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("code", "error_code", "errorCode"):
            if isinstance(data.get(key), int | str) and str(data.get(key)):
                return str(data[key])
    return ""


def provider_answer(out: InitOutcome) -> str:
    """What the provider said, in words: "Twilio answers HTTP 201", "… times out"."""
    if not out.callouts:
        return ""
    c = out.callouts[-1]
    if c.error:
        return f"the provider gives no answer ({c.error}, {c.elapsed_ms / 1000:.1f} s)"
    code = _vendor_code(c)
    what = f"HTTP {c.status}" + (f", error {code}" if code and c.status and c.status >= 400
                                  else "")
    return f"the provider answers {what} in {c.elapsed_ms / 1000:.1f} s"


def init_caption(out: InitOutcome | BaseException) -> str:
    if isinstance(out, BaseException):
        return f"The site can't start the flow: {out}"
    chain = [p for p in (provider_answer(out),) if p]
    if out.delivery is not None:
        chain.append(f"the handler returns {out.delivery.value}")
    if out.ok:
        to = msg.mask_phone(out.phone)
        chain.append(f"the code is on the phone ({to})")
        return "Send code: " + " → ".join(chain) + "."
    if out.delivery is None:
        chain.append(f"refused before any callout: {_reason(out.reason)}")
    chain.append(f"the user sees “{msg.end_user_text(out.reason)}”")
    return "Send code: " + " → ".join(chain)


def verify_caption(res: VerifyOutcome | BaseException, typed: str) -> str:
    if isinstance(res, BaseException):
        return f"Verify fails: {res}"
    what = {"from_phone": "the code from the phone", "wrong": "a wrong code"}.get(typed, typed)
    if res.success:
        fb, fa = res.flags_before, res.flags_after
        changed = [f"{n} → {str(getattr(fa, n)).lower()}" for n in ("user_verified",
                   "admin_verified") if getattr(fb, n) != getattr(fa, n)]
        flags = f" — flags: {', '.join(changed)}" if changed else ""
        return f"Types {what} → SUCCESS: the user is in{flags}."
    text = msg.end_user_text(res.reason)
    left = getattr(res, "attempts_left", None)
    if left:
        text += " " + msg.attempts_left(left)
    return f"Types {what} → {_reason(res.reason)} → the user sees “{text}”"


def _reason(reason: Reason | None) -> str:
    return reason.value if reason is not None else "refused"


def clock_caption(seconds: float) -> str:
    return f"⏩ The bench clock jumps {_words(seconds)} ahead."


def wait_caption(seconds: float) -> str:
    return f"⏩ The user waits {_words(seconds)} before typing the code (bench clock)."


def _words(seconds: float) -> str:
    s = int(seconds)
    if s % 3600 == 0 and s:
        return f"{s // 3600} h"
    if s % 60 == 0 and s:
        return f"{s // 60} min"
    return f"{seconds:g} s"
