#!/usr/bin/env bash
# Runs every test. Installs Debian's Dovecot (the tests start private instances of it)
# when it is missing. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  else
    echo "Dovecot is needed by the tests: apt-get install -y dovecot-imapd" >&2
    exit 1
  fi
fi
# The system Dovecot service is not used; stop it so it holds no ports or files.
if command -v systemctl >/dev/null 2>&1; then systemctl stop dovecot >/dev/null 2>&1 || true; fi
cargo test --locked "$@"
