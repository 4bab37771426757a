"""A raw loopback HTTP server that misbehaves below the HTTP library: it drips the status line,
the headers or the body a byte at a time, or accepts and never answers. Every wait it makes is on
a stop event, so stopping the server ends its connections at once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BODY = b'{"sid":"SM1","status":"queued"}'
HEAD = (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"X-Padding: " + b"p" * 200 + b"\r\n"
        b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n")

MODES = ("status_drip", "header_drip", "body_drip", "silent")


class FaultServer:
    def __init__(self, mode: str, pause: float = 0.2) -> None:
        self.mode, self.pause = mode, pause
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self.threads.append(t)

    def _drip(self, conn: socket.socket, data: bytes) -> bool:
        for i in range(len(data)):
            if self.stop.wait(self.pause):
                return False
            conn.sendall(data[i:i + 1])
        return True

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            if self.mode == "silent":
                self.stop.wait(120)
            elif self.mode == "status_drip":
                self._drip(conn, HEAD + BODY)
            elif self.mode == "header_drip":
                cut = HEAD.index(b"\r\n") + 2
                conn.sendall(HEAD[:cut])
                self._drip(conn, HEAD[cut:] + BODY)
            elif self.mode == "body_drip":
                conn.sendall(HEAD)
                self._drip(conn, BODY)
        except OSError:
            pass
        finally:
            conn.close()


@contextmanager
def fault_server(mode: str, pause: float = 0.2) -> Iterator[FaultServer]:
    srv = FaultServer(mode, pause)
    srv.acceptor.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.sock.close()
        srv.acceptor.join(2)
        for t in srv.threads:
            t.join(2)
