#!/usr/bin/env bash
# Look at the window as a student meets it: a real X server (Xvfb) with a window manager (openbox), the app
# driven with xdotool, screenshots of the whole screen. Needs: apt-get install xvfb xdotool openbox imagemagick
#
#   bash assets/xwalk.sh [WIDTHxHEIGHT] [OUT_DIR]      e.g. bash assets/xwalk.sh 1366x768 /tmp/walk
#
# Screens taken: 1-start (first launch), 2-running (default run mid-training), 3-paused, 4-diverged
# (stepsize 1000), 5-help (Help > Keyboard shortcuts). README's screenshots come from make_screenshots.py;
# this script is for looking at the real window, title bar and panel included.
set -euo pipefail
size=${1:-1280x800}
out=${2:-/tmp/mlp-gui-walk-$size}
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
mkdir -p "$out"
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display XDG_CONFIG_HOME=$(mktemp -d)
trap 'kill $app $wm $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
openbox >/dev/null 2>&1 &
wm=$!
sleep 1

shot() { import -window root "$out/$1.png"; echo "$out/$1.png"; }
window() { xdotool search --sync --name "mlp-gui" | head -n 1; }
keys() { xdotool windowactivate --sync "$(window)" key "$@"; }

cd "$here"
"$python" -m mlp_gui --epochs 2000000 &
app=$!
window >/dev/null
sleep 2
shot 1-start
keys ctrl+Return
sleep 3
shot 2-running
keys ctrl+Return
sleep 1
shot 3-paused
kill $app; wait $app 2>/dev/null || true

"$python" -m mlp_gui --stepsize 1000 --epochs 100000 --run &
app=$!
window >/dev/null
sleep 4
shot 4-diverged
keys alt+h k 2>/dev/null || true
sleep 1
shot 5-help
kill $app; wait $app 2>/dev/null || true
