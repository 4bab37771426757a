"""The mock's batching inbox writer: nothing lost, order kept per phone, flushed on stop.

A vendor's answer means the phone has the message (the answer waits for the batch's commit), so
these tests read the inbox right after the answers, with no waiting.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from otp_bench.mockprovider.inbox_writer import InboxWriter
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store
from tests.mockprovider.helpers import ListInbox

SID = "AC" + "0123456789abcdef" * 2
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{SID}:token".encode()).decode()}
NUMBERS = ["+14155552671", "+14155552672", "+447911123456", "+33612345678"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'ws.db'}", throwaway=True)
    yield s
    s.close()


class GatedInbox:
    """Records each batch; the first one waits at a gate, so the rest pile up behind it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[list[str]] = []
        self.entered, self.gate = threading.Event(), threading.Event()

    def deliver(self, to: str, body: str, **kw: Any) -> Any:
        return self.store.deliver(to, body, **kw)

    def land(self, to: str, body: str, **kw: Any) -> None:
        self.store.land(to, body, **kw)

    def deliver_many(self, messages: list[dict[str, Any]]) -> int:
        self.entered.set()
        self.gate.wait(timeout=10)
        self.batches.append([m["body"] for m in messages])
        return self.store.deliver_many(messages)


def test_concurrent_requests_all_land_in_order_per_phone(store: Store) -> None:
    mock = LoopbackMock(store)
    base = mock.start()

    def phone(number: str) -> list[str]:  # one client per phone: its messages in order
        sent = []
        with httpx.Client(base_url=base, headers=AUTH) as client:
            for i in range(30):
                body = f"{number[-4:]}{i:02d} is your code #{i}"
                r = client.post(PATH, data={"To": number, "From": "+15005550006", "Body": body})
                assert r.status_code == 201
                # the answer came after the commit: the phone already shows it
                assert store.inbox(number, limit=1)[0].body == body
                sent.append(body)
        return sent

    try:
        with ThreadPoolExecutor(len(NUMBERS)) as pool:
            sent = dict(zip(NUMBERS, pool.map(phone, NUMBERS), strict=True))
    finally:
        mock.stop()
    for number in NUMBERS:
        got = store.inbox(number)
        assert [m.body for m in got] == sent[number]
        assert all(m.otp == m.body[:6] and m.via == "mock twilio" for m in got)


def test_messages_queued_behind_a_commit_go_in_one_batch_in_order(store: Store) -> None:
    inbox = GatedInbox(store)
    writer = InboxWriter(inbox)
    writer.submit("+14155552671", "first 111111", sender="S", via="v")
    assert inbox.entered.wait(5)  # the writer holds the first message at the gate
    for i in range(50):
        writer.submit(NUMBERS[i % 2], f"msg {i} {200000 + i}", sender="S", via="v")
    inbox.gate.set()
    writer.flush()
    assert inbox.batches == [["first 111111"], [f"msg {i} {200000 + i}" for i in range(50)]]
    assert [m.body for m in store.inbox(NUMBERS[1])] == [
        f"msg {i} {200000 + i}" for i in range(1, 50, 2)]
    writer.close()


def test_close_writes_everything_still_queued(store: Store) -> None:
    inbox = GatedInbox(store)
    writer = InboxWriter(inbox)
    writer.submit(NUMBERS[0], "held 100000", sender="S", via="v")
    assert inbox.entered.wait(5)
    for i in range(199):
        writer.submit(NUMBERS[0], f"queued {i} {300000 + i}", sender="S", via="v")
    closer = threading.Thread(target=writer.close)
    closer.start()  # close() asks to stop behind the 199 still queued, then waits
    inbox.gate.set()
    closer.join(10)
    assert not closer.is_alive()
    assert len(store.inbox(NUMBERS[0])) == 200
    assert store.inbox(NUMBERS[0])[-1].otp == str(300000 + 198)


def test_stopping_the_loopback_mock_stops_its_writer(store: Store) -> None:
    mock = LoopbackMock(store)
    base = mock.start()
    httpx.post(base + PATH, headers=AUTH,
               data={"To": NUMBERS[0], "From": "+15005550006", "Body": "123456 is your code"})
    assert mock.state.writer.written == 1
    mock.stop()
    assert not any(t.name == "otp-bench-mock-inbox" and t.is_alive()
                   for t in threading.enumerate())
    assert store.inbox(NUMBERS[0])[0].otp == "123456"


def test_a_message_the_store_refuses_fails_alone() -> None:
    class Picky(ListInbox):
        def deliver(self, to: str, body: str, **kw: Any) -> Any:
            if "bad" in body:
                raise RuntimeError("disk full")
            return super().deliver(to, body, **kw)

        def deliver_many(self, messages: list[dict[str, Any]]) -> int:
            raise RuntimeError("one of them is bad")

    inbox = Picky()
    writer = InboxWriter(inbox)

    async def send() -> list[BaseException | None]:
        return await asyncio.gather(*(writer.deliver(NUMBERS[0], b, sender="S", via="v")
                                      for b in ("ok 1", "bad 2", "ok 3")),
                                    return_exceptions=True)

    results = asyncio.run(send())
    writer.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], RuntimeError)
    assert [m.body for m in inbox.messages] == ["ok 1", "ok 3"]


def test_an_inbox_without_deliver_many_gets_one_call_per_message() -> None:
    inbox = ListInbox()
    writer = InboxWriter(inbox)
    for i in range(5):
        writer.submit(NUMBERS[0], f"m{i}", sender="S", via="v")
    writer.close()
    assert [m.body for m in inbox.messages] == [f"m{i}" for i in range(5)]


def test_vendor_paths_answer_as_before_and_the_rest_still_routes(store: Store) -> None:
    # vendor paths skip Starlette's router: what a client sees must not change
    with LoopbackMock(store) as mock, httpx.Client(base_url=mock.base_url) as client:
        wrong_method = client.get(PATH)
        assert wrong_method.status_code == 405
        assert wrong_method.json() == {"error": "use POST"}
        assert wrong_method.headers["content-type"] == "application/json"
        mock.set_faults("mine", [{"error": "invalid_number"}])
        keyed = client.post(mock.url_for("mine") + PATH, headers=AUTH,
                            data={"To": NUMBERS[0], "From": "+15005550006", "Body": "hi"})
        assert keyed.status_code == 400 and keyed.json()["code"] == 21211
        assert client.get("/_bench/health").json()["ok"] is True
        assert client.get("/nowhere").status_code == 404
