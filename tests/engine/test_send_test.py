"""The engine's one send-test: any provider kind, saved or not, one real call, a fresh code."""

from __future__ import annotations

from otp_bench.domain.ids import new_provider_id
from otp_bench.domain.model import ProviderConfig
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.engine.engine import Engine


def test_send_test_with_an_unsaved_scripted_provider_reaches_the_phone(engine: Engine) -> None:
    config = ProviderConfig(new_provider_id(), "draft", result=DeliveryResult.SUCCESS)
    report = engine.send_test(config, "+1 415 555 2671")
    assert report.result is DeliveryResult.SUCCESS
    [message] = engine.store.inbox("+14155552671")
    assert message.otp and len(message.otp) == 6 and message.otp in message.body
    assert engine.store.providers() == [], "a send test saves nothing"


def test_send_test_reports_a_refusal_as_the_handler_returned_it(engine: Engine) -> None:
    config = ProviderConfig(new_provider_id(), "down", result=DeliveryResult.PROVIDER_ERROR)
    assert engine.send_test(config, "+1 415 555 2671").result is DeliveryResult.PROVIDER_ERROR
