"""A last line of defence for exports and workspace files: the workspace's own secrets never
leave in a file.

Stored callouts and events are already redacted where they are recorded. An export still knows
every credential the workspace holds, so it replaces any of them (and the Basic-auth encodings of
each provider's credential pairs) that turns up in the text it writes — a redaction bug upstream
then can't turn into a leaked key in a file handed to a reviewer.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterable

from otp_bench.domain.model import ProviderConfig

REDACTED = "REDACTED"
MIN_SECRET_LENGTH = 4  # shorter values ("1", "yes") would shred ordinary text


class Scrubber:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # longest first, so a secret that contains another is replaced whole
        unique = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        self._secrets = sorted(unique, key=len, reverse=True)

    @classmethod
    def for_providers(cls, providers: Iterable[ProviderConfig]) -> Scrubber:
        values: list[str] = []
        for p in providers:
            creds = [v for v in p.credentials.values() if v]
            values.extend(creds)
            for a, b in itertools.permutations(creds, 2):
                values.append(base64.b64encode(f"{a}:{b}".encode()).decode())
        return cls(values)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def deep(self, value: object) -> object:
        """``value`` with every string inside it scrubbed (before encoding, so escaping can't hide
        a secret from the match)."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value
