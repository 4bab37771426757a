"""The PySide6 desktop app. Only this package imports Qt; it drives the engine from workers."""
