#!/usr/bin/env bash
# Takes PNG screenshots of the real tern running on the demo (a private Dovecot with generated
# mail, as scripts/demo.sh runs it) inside a detached 120x32 tmux, into screenshots/:
#   list.png    the message list with the folder sidebar
#   reader.png  the newest message, opened with Enter
#   search.png  the list filtered with / (the filter shows in the status bar)
#   help.png    the keys, shown by ?
# Usage: scripts/screenshots.sh
# Environment:
#   TERN_BIN       the tern binary to run (default: cargo build --profile demo --locked, then
#                  target/demo/tern)
#   SEARCH_WORD    the word to filter on (default: invoice, in many demo subjects)
#   SHOT_COLS, SHOT_ROWS  the terminal size (default 120x32)
#   SHOT_TIMEOUT   seconds to wait for each screen (default 180 for the first, which includes
#                  starting Dovecot, delivering and syncing the mail; 20 for the others)
#   OUT_DIR        where the PNGs go (default: screenshots/)
# Needs tmux, Dovecot, python3 with PIL and the DejaVu fonts; installs the Debian packages
# when they are missing and this runs as root (or with sudo), else says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COLS=${SHOT_COLS:-120}
ROWS=${SHOT_ROWS:-32}
WORD=${SEARCH_WORD:-invoice}
FIRST_TIMEOUT=${SHOT_TIMEOUT:-180}
STEP_TIMEOUT=${SHOT_STEP_TIMEOUT:-20}
OUT=${OUT_DIR:-$ROOT/screenshots}

die() {
  echo "screenshots: $*" >&2
  exit 1
}

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "missing: $* (install them: apt-get install -y $*)"
  fi
}

# --- what the script needs -------------------------------------------------------------
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || missing+=(fonts-dejavu-core)
# A Python that has PIL: python3 on the PATH, else Debian's (python3-pil installs there).
PYTHON=
for py in "${PYTHON_BIN:-}" python3 /usr/bin/python3; do
  if [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 && "$py" -c 'import PIL' 2>/dev/null; then
    PYTHON=$py
    break
  fi
done
[ -n "$PYTHON" ] || missing+=(python3-pil)
if [ ${#missing[@]} -gt 0 ]; then
  echo "screenshots: installing ${missing[*]}" >&2
  apt_install "${missing[@]}"
  [ -n "$PYTHON" ] || PYTHON=/usr/bin/python3
  "$PYTHON" -c 'import PIL' 2>/dev/null || die "$PYTHON still cannot import PIL"
fi
# Glyphs DejaVu lacks (the demo has Chinese and Japanese names and emoji in subjects):
# optional, installed when possible, else those characters show as boxes.
if ! ls /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf \
  /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf >/dev/null 2>&1; then
  apt_install fonts-droid-fallback fonts-symbola 2>/dev/null ||
    echo "screenshots: warning: no CJK/emoji fallback fonts (fonts-droid-fallback fonts-symbola)" >&2
fi

if [ -z "${TERN_BIN:-}" ]; then
  cargo build --profile demo --locked --quiet --features demo
  TERN_BIN=$ROOT/target/demo/tern
fi
[ -x "$TERN_BIN" ] || die "TERN_BIN=$TERN_BIN is not an executable"
TERN_BIN=$(cd "$(dirname "$TERN_BIN")" && pwd)/$(basename "$TERN_BIN")

# --- an isolated tmux and temporary directory --------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-shots.XXXXXX")
export TMUX_TMPDIR=$WORK # the tmux socket lives in here, away from any other tmux
unset TMUX
TM=(tmux -L tern-shots -f "$WORK/tmux.conf")
PANE=tern-shots:0.0
cat >"$WORK/tmux.conf" <<'EOF'
set -g status off
set -g default-terminal tmux-256color
set -g remain-on-exit on
set -g history-limit 100
EOF

cleanup() {
  local rc=$?
  "${TM[@]}" kill-server 2>/dev/null || true
  # Whatever this run started (the demo, its Dovecot) has $WORK in its command line or
  # config path; anything still alive after tmux is gone is ended here, by id.
  local pids
  sleep 0.2
  pids=$(pgrep -f -- "$WORK" 2>/dev/null | grep -vx "$$" || true)
  if [ -n "$pids" ]; then
    echo "screenshots: stopping leftover processes: $(echo $pids)" >&2
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    sleep 1
    pids=$(pgrep -f -- "$WORK" 2>/dev/null | grep -vx "$$" || true)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

screen() { "${TM[@]}" capture-pane -p -t "$PANE"; }

pane_dead() { [ "$("${TM[@]}" display-message -p -t "$PANE" '#{pane_dead}' 2>/dev/null)" = 1 ]; }

fail_with_screen() {
  echo "screenshots: $1; the screen was:" >&2
  screen >&2 || true
  echo "--- tern log (last lines):" >&2
  tail -n 20 "$WORK/tern.log" >&2 2>/dev/null || true
  exit 1
}

# wait_for TIMEOUT DESCRIPTION GREP-E-PATTERN: until a screen line matches.
wait_for() {
  local timeout=$1 what=$2 pattern=$3 start=$SECONDS
  while ! screen | grep -qE -- "$pattern"; do
    pane_dead && fail_with_screen "tern exited while waiting for $what"
    [ $((SECONDS - start)) -lt "$timeout" ] || fail_with_screen "no $what after ${timeout}s"
    sleep 0.2
  done
}

# wait_gone TIMEOUT DESCRIPTION PATTERN: until no screen line matches.
wait_gone() {
  local timeout=$1 what=$2 pattern=$3 start=$SECONDS
  while screen | grep -qE -- "$pattern"; do
    pane_dead && fail_with_screen "tern exited while waiting for $what"
    [ $((SECONDS - start)) -lt "$timeout" ] || fail_with_screen "still $what after ${timeout}s"
    sleep 0.2
  done
}

# wait_still: until two captures 0.5 s apart are the same (the app has finished drawing).
wait_still() {
  local start=$SECONDS a b
  a=$("${TM[@]}" capture-pane -e -p -t "$PANE")
  while :; do
    sleep 0.5
    b=$("${TM[@]}" capture-pane -e -p -t "$PANE")
    [ "$a" != "$b" ] || return 0
    [ $((SECONDS - start)) -lt "$STEP_TIMEOUT" ] || fail_with_screen "the screen kept changing"
    a=$b
  done
}

shoot() {
  local name=$1
  wait_still
  "${TM[@]}" capture-pane -e -p -N -t "$PANE" >"$WORK/$name.ans"
  "$PYTHON" "$ROOT/scripts/ansi2png.py" --cols "$COLS" --rows "$ROWS" "$WORK/$name.ans" "$OUT/$name.png"
  echo "screenshots: $OUT/$name.png"
}

keys() { "${TM[@]}" send-keys -t "$PANE" "$@"; }

mkdir -p "$OUT" "$WORK/tmp"
# Dovecot's auth process runs as the dovecot user and must reach its files under here.
chmod 755 "$WORK" "$WORK/tmp"
# The demo keeps its server and cache under $TMPDIR: a private one here.
"${TM[@]}" new-session -d -s tern-shots -x "$COLS" -y "$ROWS" \
  env TMPDIR="$WORK/tmp" TERN_LOG="$WORK/tern.log" "$TERN_BIN" demo
[ "$("${TM[@]}" display-message -p -t "$PANE" '#{pane_width}x#{pane_height}')" = "${COLS}x${ROWS}" ] ||
  die "the tmux pane is not ${COLS}x${ROWS}"

# The list: the status bar says which folder, the position in it, and online once synced.
wait_for "$FIRST_TIMEOUT" "message list" 'INBOX \| [0-9,]+/[0-9,]+ \| online'
shoot list

# The reader: Enter opens the selected (newest) message; its headers head the screen.
keys Enter
wait_for "$STEP_TIMEOUT" "message view" '^Subject: '
shoot reader
keys q
wait_gone "$STEP_TIMEOUT" "in the message view" '^Subject: '
wait_for "$STEP_TIMEOUT" "message list" 'INBOX \| [0-9,]+/[0-9,]+ \|'

# The filter: / opens the prompt in the status bar, Enter applies it.
keys /
wait_for "$STEP_TIMEOUT" "filter prompt" '^/'
keys -l "$WORD"
wait_for "$STEP_TIMEOUT" "typed filter" "^/$WORD"
keys Enter
wait_for "$STEP_TIMEOUT" "filtered list" "search: $WORD"
shoot search

# Esc clears the filter, then ? shows the keys.
keys Escape
wait_gone "$STEP_TIMEOUT" "filtered" "search: $WORD"
keys '?'
wait_for "$STEP_TIMEOUT" "help screen" 'help: j k'
shoot help

# Esc closes the help; q quits tern, and the demo stops its Dovecot and exits.
keys Escape
wait_gone "$STEP_TIMEOUT" "showing the help" 'help: j k'
keys q
start=$SECONDS
until pane_dead; do
  [ $((SECONDS - start)) -lt "$STEP_TIMEOUT" ] || fail_with_screen "tern did not exit after q"
  sleep 0.2
done
status=$("${TM[@]}" display-message -p -t "$PANE" '#{pane_dead_status}')
[ "$status" = 0 ] || fail_with_screen "tern demo exited with status $status"
echo "screenshots: done"
