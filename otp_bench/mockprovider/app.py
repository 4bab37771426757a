"""The mock provider as one ASGI app: every dialect at its documented path, plus faults.

Each dialect is served at its vendor's path and again under ``/~{key}/...``, so several providers
of one run can share a server and still get their own faults and credentials (``key`` is usually
the provider's name). Faults are looked up by that key, then by the dialect's name. Accepted
messages go to the phone inbox (the store, through one batching writer: ``inbox_writer``), never
to an in-memory journal, so memory stays flat however long the server runs.
``GET /_bench/inbox?to=+1415...`` lets scripts read a phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from otp_bench.delivery.base import Inbox
from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.mockprovider.dialect import Accepted, Dialect, Incoming
from otp_bench.mockprovider.faults import MAX_HANG_S, Fault, FaultError, FaultKind, FaultPlan
from otp_bench.mockprovider.inbox_writer import InboxWriter
from otp_bench.mockprovider.vendors_messaging import Infobip, MessageBird, Webhook, WhatsApp
from otp_bench.mockprovider.vendors_sms import Plivo, Sinch, Telesign, Twilio, Vonage
from otp_bench.serving import finishing


def route_key(name: str) -> str:
    """A provider name as it appears in ``/~{key}/``: URL-safe, so any name routes."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", name) or "-"


def all_dialects() -> dict[str, Dialect]:
    ds: list[Dialect] = [Telesign(), Twilio(), Vonage(), Sinch(), Plivo(), Infobip(),
                         MessageBird(), WhatsApp(), Webhook()]
    return {d.name: d for d in ds}


@dataclass
class MockState:
    """What the operator controls: faults and expected credentials per key; the phone inbox."""

    inbox: Inbox
    dialects: dict[str, Dialect] = field(default_factory=all_dialects)
    plans: dict[str, FaultPlan] = field(default_factory=dict)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: int = 0  # a counter, not a journal
    lock: threading.Lock = field(default_factory=threading.Lock)
    writer: InboxWriter = field(init=False)  # accepted messages reach the inbox through it

    def __post_init__(self) -> None:
        self.writer = InboxWriter(self.inbox)

    def close(self) -> None:
        """Write every accepted message still queued (clean shutdown loses none)."""
        self.writer.close()

    def set_faults(self, key: str, faults: Iterable[Fault | Mapping[str, Any]]) -> None:
        plan = FaultPlan.of(f if isinstance(f, Fault) else Fault.from_dict(f) for f in faults)
        key = route_key(key)
        with self.lock:
            if plan.armed:
                self.plans[key] = plan
            else:
                self.plans.pop(key, None)

    def set_account(self, key: str, credentials: Mapping[str, str] | None) -> None:
        key = route_key(key)
        with self.lock:
            if credentials:
                self.accounts[key] = dict(credentials)
            else:
                self.accounts.pop(key, None)

    def pick(self, key: str | None, dialect: str, number: str | None) -> tuple[float, Fault | None]:
        with self.lock:
            self.requests += 1
            plan = self.plans.get(key) if key else None
            plan = plan or self.plans.get(dialect)
        return plan.pick(number) if plan else (0.0, None)

    def account(self, key: str | None, dialect: str) -> dict[str, str] | None:
        with self.lock:
            return (self.accounts.get(key) if key else None) or self.accounts.get(dialect)


_JSON = b"application/json"


async def _send_json(send: Send, scope: Scope, receive: Receive, status: int, body: Any) -> None:
    # what JSONResponse sends, byte for byte, without building a Response per request
    data = json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-length", str(len(data)).encode()), (b"content-type", _JSON)]})
    await send({"type": "http.response.body", "body": data})


async def _read_body(receive: Receive) -> bytes | None:
    """The request body; None when the client left before sending all of it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _until_disconnect(receive: Receive, limit: float) -> bool:
    """Wait at most ``limit`` seconds for the client to go; True if it went."""
    try:
        async with asyncio.timeout(limit):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        return False
    return True


class DialectEndpoint:
    """A raw ASGI endpoint: faults such as a dropped connection need the bare ``send``."""

    def __init__(self, state: MockState, dialect: Dialect) -> None:
        self.state = state
        self.dialect = dialect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # the hot path under load: the scope is read directly, no Request object
        if scope["method"] != "POST":
            await _send_json(send, scope, receive, 405, {"error": "use POST"})
            return
        body = await _read_body(receive)
        if body is None:
            return
        params = dict(scope.get("path_params", {}))
        key = params.pop("bench_key", None)
        inc = Incoming("POST", params, {k.decode("latin-1").lower(): v.decode("latin-1")
                                        for k, v in scope["headers"]}, body)
        d = self.dialect
        number = d.recipient(inc)
        delay, fault = self.state.pick(key, d.name, number)
        # a late answer stops waiting when the client gives up (its deadline passed): a
        # latency fault holds nothing after that, and a server stop isn't kept waiting
        if delay and await _until_disconnect(receive, delay):
            return
        if fault is not None and fault.kind is not FaultKind.DRIP:
            await self._fault(fault, number or "", scope, receive, send)
            return
        outcome = d.handle(inc, self.state.account(key, d.name))
        # a stop doesn't cut this part at its graceful second (only what waits on purpose): the
        # message is queued for a commit the writer makes anyway, so a cut would answer 500 for
        # a message that is on the phone
        with finishing():
            if isinstance(outcome, Accepted):
                # the answer waits for the batch's commit: a 201 means the phone has it
                await self.state.writer.deliver(
                    outcome.to, outcome.text, sender=outcome.sender, via=key or f"mock {d.name}",
                    channel=outcome.channel,
                )
            if fault is None:
                await _send_json(send, scope, receive, outcome.status, outcome.body)
                return
        # DRIP: the vendor answers, a byte at a time (waits on purpose: a stop cuts it)
        data = json.dumps(outcome.body).encode()
        await _drip(scope, receive, send, outcome.status, data, fault.seconds)

    async def _fault(self, f: Fault, to: str, scope: Scope, receive: Receive, send: Send) -> None:
        if f.kind is FaultKind.STATUS:
            refused = (self.dialect.error(f.error, to) if f.error
                       else self.dialect.error_for_status(f.status or 500, to))
            status = f.status or refused.status
            await _send_json(send, scope, receive, status, refused.body)
        elif f.kind is FaultKind.MALFORMED:
            status, data = self.dialect.malformed()
            await Response(data, status, media_type="application/json")(scope, receive, send)
        elif f.kind is FaultKind.HANG:
            await _until_disconnect(receive, f.seconds or MAX_HANG_S)
        elif f.kind is FaultKind.DROP:
            # promise a body, send part of it, return: the server closes the connection
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-length", b"4096")]})
            await send({"type": "http.response.body", "body": b'{"partial": tr',
                        "more_body": True})


async def _drip(scope: Scope, receive: Receive, send: Send, status: int, data: bytes,
                 pause: float) -> None:
    gone = asyncio.Event()

    async def watch() -> None:
        await _until_disconnect(receive, MAX_HANG_S)
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode())]})
        for i in range(len(data)):
            if gone.is_set():
                return
            await send({"type": "http.response.body", "body": data[i:i + 1],
                        "more_body": i + 1 < len(data)})
            if i + 1 < len(data):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gone.wait(), pause)
    finally:
        watcher.cancel()


class MockApp:
    """The ASGI app: vendor paths go straight to their endpoint, everything else to Starlette.

    Under load, Starlette's middleware and router cost about as much as the endpoint itself; a
    vendor path is matched here with the same patterns, in the same order (keyed routes first),
    so the answer is the one Starlette would have given.
    """

    def __init__(self, state: MockState, starlette: Starlette,
                 dialect_routes: list[Route]) -> None:
        self.state = state
        self.starlette = starlette
        self._fast = [(r.path_regex, r.endpoint) for r in dialect_routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            for regex, endpoint in self._fast:
                m = regex.match(path)
                if m is not None:
                    scope["path_params"] = m.groupdict()
                    await endpoint(scope, receive, send)
                    return
        await self.starlette(scope, receive, send)


def create_app(state: MockState) -> MockApp:
    routes: list[Route] = []
    for d in state.dialects.values():  # prefixed routes first: WhatsApp's path is generic
        routes.append(Route("/~{bench_key}" + d.path, DialectEndpoint(state, d),
                            name=f"{d.name}-keyed"))
    for d in state.dialects.values():
        routes.append(Route(d.path, DialectEndpoint(state, d), name=d.name))

    async def inbox(request: Request) -> Response:
        raw = request.query_params.get("to", "").strip()
        if raw and not raw.startswith("+"):
            raw = "+" + raw  # a literal + in a query string arrives as a space
        number = None
        if raw:
            try:
                number = parse_phone(raw).e164
            except PhoneError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        read = getattr(state.inbox, "inbox", None)
        if read is None:
            return JSONResponse({"error": "this inbox can't be read"}, status_code=501)
        msgs = await run_in_threadpool(read, number, limit=100)
        return JSONResponse([
            {"id": m.id, "to": m.to, "sender": m.sender, "body": m.body, "otp": m.otp,
             "channel": m.channel.value, "via": m.via, "received_at": m.received_at.isoformat()}
            for m in msgs
        ])

    async def faults(request: Request) -> Response:
        key = request.path_params["key"]
        if request.method == "PUT":
            try:
                items = json.loads(await request.body())
                if not isinstance(items, list):
                    raise FaultError("faults", "must be a JSON list")
                state.set_faults(key, items)
            except (ValueError, FaultError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        plan = state.plans.get(route_key(key))
        return JSONResponse([f.to_dict() for f in plan.faults()] if plan else [])

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "requests": state.requests,
                             "dialects": {d.name: d.path for d in state.dialects.values()}})

    routes += [
        Route("/_bench/inbox", inbox, methods=["GET"]),
        Route("/_bench/faults/{key}", faults, methods=["GET", "PUT"]),
        Route("/_bench/health", health, methods=["GET"]),
    ]
    return MockApp(state, Starlette(routes=routes), routes[:2 * len(state.dialects)])
