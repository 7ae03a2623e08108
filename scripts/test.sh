#!/usr/bin/env bash
# Runs every test. Installs what the tests drive when missing: Debian's Dovecot (the
# tests start private instances of it), tmux (the terminal tests run tern in it) and
# aiosmtpd (the sending tests start a private SMTP server).
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
# The sending tests start a real SMTP server (aiosmtpd) with STARTTLS and AUTH.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi
# The system Dovecot service is not used; stop it so it holds no ports or files.
if command -v systemctl >/dev/null 2>&1; then systemctl stop dovecot >/dev/null 2>&1 || true; fi
cargo test --locked "$@"
