from otp_bench.domain.flags import Flags
from otp_bench.engine.engine import Engine


def test_passwordless_login_round_trip(engine: Engine) -> None:
    site = engine.new_site("Customers")
    user = engine.new_user(
        "ana@example.com", mobile="+1 415 555 2671", flags=Flags(True, False),
        sites=frozenset({site.id}),
    )
    out = engine.start("passwordless_login", "Customers", user.username)
    assert out.init == "ok"
    code = engine.store.inbox(user.mobile)[-1].otp
    assert code is not None
    assert engine.verify(out.flow_id, code).verify == "SUCCESS"
