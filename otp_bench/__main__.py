"""``python -m otp_bench`` runs the command-line interface."""

from otp_bench.cli import main

raise SystemExit(main())
