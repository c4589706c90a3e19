"""PyInstaller runtime hook of the mlp-gui bundle: draw through X11 (XWayland on Wayland desktops).

The bundle ships Qt's xcb platform plugin but not the Wayland one. On a Wayland
session Qt would look for "wayland" first and say it could not find it before
falling back to xcb; asking for xcb whenever there is an X display skips that.
An explicit QT_QPA_PLATFORM (offscreen, for instance) is left alone.
"""

import os

if not os.environ.get("QT_QPA_PLATFORM") and os.environ.get("DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "xcb"
