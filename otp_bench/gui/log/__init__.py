"""The live log: its table model, filter proxy, view and flow inspector."""
