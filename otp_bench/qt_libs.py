"""The system libraries Qt's X11 (xcb) platform plugin loads, checked before Qt starts.

Qt aborts (exit 134, "could not load the Qt platform plugin xcb") when one is missing; this names
every missing one with the package to install instead. The list is what ``ldd`` shows for
PySide6's ``libqxcb.so`` and ``libQt6XcbQpa.so.6`` beyond the C library and what QtGui needs
anyway. Checked with ``ctypes.util.find_library`` (no Qt import, no display needed).
"""

from __future__ import annotations

import ctypes.util

# find_library name → (Debian/Ubuntu package, Fedora package)
XCB_LIBS: dict[str, tuple[str, str]] = {
    "xcb": ("libxcb1", "libxcb"),
    "X11-xcb": ("libx11-xcb1", "libX11-xcb"),
    "xkbcommon": ("libxkbcommon0", "libxkbcommon"),
    "xkbcommon-x11": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "xcb-cursor": ("libxcb-cursor0", "xcb-util-cursor"),
    "xcb-icccm": ("libxcb-icccm4", "xcb-util-wm"),
    "xcb-keysyms": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "xcb-image": ("libxcb-image0", "xcb-util-image"),
    "xcb-render-util": ("libxcb-render-util0", "xcb-util-renderutil"),
    "xcb-util": ("libxcb-util1", "xcb-util"),
    "xcb-randr": ("libxcb-randr0", "libxcb"),
    "xcb-render": ("libxcb-render0", "libxcb"),
    "xcb-shape": ("libxcb-shape0", "libxcb"),
    "xcb-shm": ("libxcb-shm0", "libxcb"),
    "xcb-sync": ("libxcb-sync1", "libxcb"),
    "xcb-xfixes": ("libxcb-xfixes0", "libxcb"),
    "xcb-xkb": ("libxcb-xkb1", "libxcb"),
}


def missing_xcb_libs() -> list[str]:
    """The find_library names of XCB_LIBS that this system lacks."""
    return [name for name in XCB_LIBS if ctypes.util.find_library(name) is None]


def missing_message(missing: list[str]) -> str:
    debian = sorted({XCB_LIBS[m][0] for m in missing})
    fedora = sorted({XCB_LIBS[m][1] for m in missing})
    return (
        "otp-bench: Qt's X11 platform plugin needs system libraries that are missing: "
        + ", ".join(f"lib{m}" for m in missing) + ".\n"
        f"  Debian/Ubuntu: sudo apt install {' '.join(debian)}\n"
        f"  Fedora: sudo dnf install {' '.join(fedora)}\n"
        "  Or use Wayland (QT_QPA_PLATFORM=wayland), or render without a screen:\n"
        "  QT_QPA_PLATFORM=offscreen otp-bench --screenshot DIR\n"
    )
