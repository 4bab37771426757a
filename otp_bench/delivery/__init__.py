"""Delivery: the handler seam (the six-parameter contract) and the handlers behind it."""
