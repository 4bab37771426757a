"""What the end user sees for each refusal, next to what the operator is told.

Salesforce shows end users deliberately vague messages; the operator side shows the reason code,
its plain sentence (``Reason.sentence``) and the engine's detail. Wording on the end-user side is a
bench assumption (the platform's exact strings vary by locale and release).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otp_bench.domain.vocabulary import Reason, UseCase

if TYPE_CHECKING:
    from otp_bench.engine.outcomes import InitOutcome

END_USER: dict[Reason, str] = {
    Reason.INVALID_CODE: "That code isn't right. Check the code and try again.",
    Reason.EXPIRED: "Your verification code has expired. Request a new code.",
    Reason.ATTEMPTS_EXCEEDED: "Too many attempts. Request a new code to try again.",
    Reason.RATE_LIMITED: "You've requested too many codes. Wait a while, then try again.",
    Reason.DELIVERY_FAILED: "We couldn't send you a verification code. Try again later.",
    Reason.INVALID_PHONE_NUMBER: "Enter a valid mobile number, including the country code.",
    Reason.USERNAME_TAKEN: "That username is already in use. Choose another.",
    Reason.ALREADY_USED: "This code was already used. Request a new code.",
    Reason.UNKNOWN_IDENTIFIER: "This verification request is no longer valid. Start again.",
    Reason.FEATURE_DISABLED: "This option isn't available on this site.",
}
GENERIC = "We can't complete this request. Contact the site administrator."

SUCCESS_TITLE: dict[UseCase, tuple[str, str]] = {
    UseCase.PASSWORDLESS_LOGIN: ("You're logged in", "Welcome back."),
    UseCase.VERIFICATION: ("Identity verified", "You're logged in."),
    UseCase.SELF_REGISTRATION: ("Welcome aboard", "Your account is ready."),
    UseCase.PASSWORDLESS_REGISTRATION: ("Welcome aboard", "Your account is ready."),
    UseCase.VERIFICATION_METHOD_REGISTRATION: (
        "Mobile number verified", "You can now receive verification codes by text."
    ),
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: ("Token issued", ""),
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: ("Token issued", ""),
}


def end_user_text(reason: Reason | None) -> str:
    return END_USER.get(reason, GENERIC) if reason else GENERIC


def operator_text(reason: Reason | None, detail: str = "") -> str:
    """``reason_code`` — sentence, then the engine's detail when it adds something."""
    if reason is None:
        return detail
    text = f"<b>{reason.value}</b> — {reason.sentence}"
    if detail and detail != reason.sentence:
        text += f"<br>{detail}"
    return text


def mask_phone(e164: str | None) -> str:
    """What the code page shows: the country code, the number's own grouping, the last four
    digits — ``+14155552671`` → ``+1 ••• ••• 2671``, ``+447400123456`` → ``+44 •••• ••3456``."""
    if not e164:
        return "your mobile phone"
    try:
        import phonenumbers

        parsed = phonenumbers.parse(e164, None)
        text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        cc = f"+{parsed.country_code}"
    except Exception:  # not parseable: mask all but the last four digits
        return f"{e164[:2]} ••• ••• {e164[-4:]}"
    national = text[len(cc):].replace("-", " ")
    digits = sum(ch.isdigit() for ch in national)
    out, seen = [], 0
    for ch in national:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 4 else "•")
        else:
            out.append(ch)
    return cc + "".join(out)


def validity(ttl_seconds: int, now: Any) -> str:
    """The operator's note on how long a code lasts: a duration and, past today, a date —
    "Code valid for 15 min (until 06:42, bench time)", "… 24 h (until Tue 1 Dec 06:27, …)"."""
    from datetime import timedelta

    until = now + timedelta(seconds=ttl_seconds)
    s = int(ttl_seconds)
    span = (f"{s // 3600} h" if s % 3600 == 0 else f"{s // 60} min" if s % 60 == 0
            else f"{s} s")
    when = f"{until:%H:%M}" if until.date() == now.date() else f"{until:%a %-d %b %H:%M}"
    return f"Code valid for {span} (until {when}, bench time)"


def attempts_left(n: int) -> str:
    """``1 attempt left.``, ``2 attempts left.``"""
    return f"{n} attempt{'' if n == 1 else 's'} left."


def delivery_note(out: InitOutcome) -> str:
    """The operator's view of a successful init: identifier, handler, result, callouts."""
    parts = [f"Init <b>ok</b> · identifier <code>{out.identifier}</code>",
             f"Delivered by <b>{out.handler}</b>: "
             f"<b>{out.delivery.value if out.delivery else '—'}</b>"]
    if out.callouts:
        c = out.callouts[-1]
        parts.append(f"{len(out.callouts)} callout(s), last HTTP {c.status} in "
                     f"{c.elapsed_ms:.0f} ms")
    parts += [f"⚠ {w}" for w in out.warnings]
    return "<br>".join(parts)
