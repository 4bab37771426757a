"""Taking results out of the bench: HAR, JSON Lines, Markdown evidence reports, Apex classes, and
the ``workspace export|import`` commands (the file format is ``otp_bench.workspace_files``)."""
