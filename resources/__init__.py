"""Runtime files of otp-bench, installed as the package ``otp_bench.resources``.

Read them through ``otp_bench.assets`` (``importlib.resources``), never by a path relative to the
source tree: in an installed wheel this folder lives inside the ``otp_bench`` package.
"""
