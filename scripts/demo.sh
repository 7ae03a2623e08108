#!/usr/bin/env bash
# Runs tern against a throwaway local Dovecot filled with realistic generated mail, and
# a private SMTP server (aiosmtpd) so that sending can be tried; nothing leaves the machine.
# Usage: scripts/demo.sh [--messages N]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
cargo run --locked --profile demo --quiet --features demo -- demo "$@"
