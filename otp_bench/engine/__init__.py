"""Engine: the identity-verification simulator. Flows, OTPs, clock, events; no Qt."""

from otp_bench.engine.engine import Engine
from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome

__all__ = ["Engine", "InitOutcome", "VerifyOutcome"]
