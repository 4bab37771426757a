"""Old names for the output helper, kept so code written against them keeps working.

New code uses ``otp_bench.outputs`` (``open_output``, ``write_output``, ``OutputError``) directly.
"""

from __future__ import annotations

from otp_bench.outputs import OutputError, open_output

ExportError = OutputError
atomic_text = open_output

__all__ = ["ExportError", "atomic_text"]
