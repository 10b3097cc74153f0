#!/usr/bin/env bash
# Runs one GUI test on its own Xvfb server inside its own D-Bus session, so
# tests neither need a desktop nor see each other. Usage:
#   gui-wrapper.sh TEST-BINARY [ARGS...]
# CORRAL_TEST_SCREEN sets the screen geometry (default 1280x800x24).
set -euo pipefail

screen=${CORRAL_TEST_SCREEN:-1280x800x24}
fdfile=$(mktemp)
exec 3>"$fdfile"
Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb_pid=$!
exec 3>&-
trap 'kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; rm -f "$fdfile"' EXIT

for _ in $(seq 1 100); do
  [ -s "$fdfile" ] && break
  sleep 0.1
done
if [ ! -s "$fdfile" ]; then
  echo "Bail out! Xvfb did not start"
  exit 1
fi
export DISPLAY=":$(head -n1 "$fdfile")"
export GDK_BACKEND=x11
# cairo unless asked otherwise; GSK_RENDERER=default leaves the choice to
# GTK and Corral (GL where it is not a software rasterizer).
export GSK_RENDERER=${GSK_RENDERER:-cairo}
[ "$GSK_RENDERER" != default ] || unset GSK_RENDERER
export NO_AT_BRIDGE=1
# GTK 4 talks to AT-SPI itself; the registry it starts prints on stdout,
# which meson then reports as unknown TAP output.
export GTK_A11Y=none
unset WAYLAND_DISPLAY

# A Secret Service (libsecret) in that session: gnome-keyring, unlocked,
# with its keyring and control socket in a private temporary folder, and
# its chatter kept off stdout (the test's TAP stream). It ends with the bus.
keyring_dir=$(mktemp -d)
trap 'kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; rm -rf "$fdfile" "$keyring_dir"' EXIT
dbus-run-session -- bash -c '
  if command -v gnome-keyring-daemon >/dev/null; then
    printf corral-test | XDG_DATA_HOME="$1" XDG_RUNTIME_DIR="$1" \
      gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  fi
  shift
  exec "$@"' gui-wrapper "$keyring_dir" "$@"
