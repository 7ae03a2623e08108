#!/usr/bin/env bash
# Runs tern against a throwaway local Dovecot filled with realistic generated mail.
# Usage: scripts/demo.sh [--messages N]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  fi
fi
cargo run --locked --release --quiet -- demo "$@"
