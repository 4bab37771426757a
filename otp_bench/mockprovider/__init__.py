"""The built-in mock SMS provider: every preset's dialect over real HTTP, with injectable faults."""
