"""Random values for the engine's hot path, drawn from the operating system in blocks.

Every flow takes four small random values besides its code (its id, the code's salt, the
attempt identifier, the phone seal's nonce). Through ``secrets`` each was a ``getrandom`` system
call and several Python calls of the ``random`` module. (The code itself still comes from
``secrets``, as SPEC says.) Here the OS's bytes (``os.urandom``) are drawn
4 KiB at a time and each byte is handed out once, under a lock. A child made by ``fork`` (``run
-j`` workers) starts with an empty block (``os.register_at_fork``), so it never hands out bytes
its parent has or will hand out.
"""

from __future__ import annotations

import base64
import os
import threading

_BLOCK = 4096


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._at = 0

    def take(self, n: int) -> bytes:
        if n > _BLOCK // 4:  # a large draw goes straight to the OS
            return os.urandom(n)
        with self._lock:
            at = self._at
            if at + n > len(self._block):
                self._block, at = os.urandom(_BLOCK), 0
            self._at = at + n
            return self._block[at:at + n]

    def forget(self) -> None:
        """In a forked child: nothing inherited is handed out (a new lock: the parent's may
        have been held by another thread at the fork)."""
        self._lock = threading.Lock()
        self._block, self._at = b"", 0


_POOL = _Pool()
os.register_at_fork(after_in_child=_POOL.forget)


def token_bytes(n: int) -> bytes:
    """``n`` random bytes (``secrets.token_bytes``)."""
    return _POOL.take(n)


def token_hex(n: int) -> str:
    """``n`` random bytes as hex (``secrets.token_hex``)."""
    return _POOL.take(n).hex()


def token_urlsafe(n: int) -> str:
    """``n`` random bytes as URL-safe base64 without padding (``secrets.token_urlsafe``)."""
    return base64.urlsafe_b64encode(_POOL.take(n)).rstrip(b"=").decode("ascii")

