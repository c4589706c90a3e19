#!/bin/sh
# Add mlp-gui to this user's application menu: the menu entry, its icon in every size, the
# .npz file type (so run files open with it) and a `mlp-gui` command in ~/.local/bin.
# Shipped at the top of the unpacked app folder; run it from there, where it stays:
#
#     ./install-desktop-entry.sh             # install for the current user (no root needed)
#     ./install-desktop-entry.sh --uninstall # remove all of that again
#
# The menu entry points at this folder's `mlp-gui`: move the folder, run this again.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
exe="$here/mlp-gui"
share="$here/share"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
sizes="16 24 32 48 64 128 256"

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" >/dev/null 2>&1 || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$data/applications/mlp-gui.desktop" "$data/mime/packages/mlp-gui.xml" \
          "$data/icons/hicolor/scalable/apps/mlp-gui.svg"
    for n in $sizes; do rm -f "$data/icons/hicolor/${n}x${n}/apps/mlp-gui.png"; done
    [ "$(readlink "$bin/mlp-gui" 2>/dev/null)" = "$exe" ] && rm -f "$bin/mlp-gui"
    refresh
    echo "mlp-gui: removed from the application menu"
    exit 0
fi

[ -x "$exe" ] || { echo "install-desktop-entry.sh: no executable $exe" >&2; exit 1; }

for n in $sizes; do
    mkdir -p "$data/icons/hicolor/${n}x${n}/apps"
    cp "$share/icons/hicolor/${n}x${n}/apps/mlp-gui.png" "$data/icons/hicolor/${n}x${n}/apps/mlp-gui.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps" "$data/applications" "$data/mime/packages" "$bin"
cp "$share/icons/hicolor/scalable/apps/mlp-gui.svg" "$data/icons/hicolor/scalable/apps/mlp-gui.svg"
cp "$share/mime/packages/mlp-gui.xml" "$data/mime/packages/mlp-gui.xml"
# the menu starts this folder's executable by its full path: no PATH needed
sed -e "s|^Exec=mlp-gui|Exec=\"$exe\"|" -e "s|^TryExec=.*|TryExec=$exe|" \
    "$share/applications/mlp-gui.desktop" > "$data/applications/mlp-gui.desktop"
ln -sf "$exe" "$bin/mlp-gui"
refresh

echo "mlp-gui: added to the application menu (Education, Science); command: $bin/mlp-gui"
case ":$PATH:" in *":$bin:"*) ;; *) echo "note: $bin is not on your PATH yet (it is after your next login on most systems)";; esac
