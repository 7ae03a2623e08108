#!/usr/bin/env bash
# Runs every test. Installs what the tests drive when missing: Debian's Dovecot (with its
# submission service) and Cyrus (the tests start private instances of both), tmux (the
# terminal tests run tern in it), aiosmtpd (the sending tests start a private SMTP
# server), gnome-keyring on a D-Bus session bus (the keyring test), and Node.js with npm and the OAuth2 test server's modules (the OAuth2 tests
# start oidc-provider).
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ -x /usr/lib/dovecot/submission ] || missing+=(dovecot-submissiond)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
# Cyrus: master and its tools, cyradm, and saslpasswd2 for the test users' sasldb.
[ -x /usr/lib/cyrus/bin/master ] || missing+=(cyrus-common)
command -v cyradm >/dev/null 2>&1 || missing+=(cyrus-admin)
command -v saslpasswd2 >/dev/null 2>&1 || [ -x /usr/sbin/saslpasswd2 ] || missing+=(sasl2-bin)
# The sending tests start a real SMTP server (aiosmtpd) with STARTTLS and AUTH.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
# The keyring test stores a password in a real Secret Service (gnome-keyring) on a
# private D-Bus session bus.
[ -x /usr/bin/dbus-daemon ] || missing+=(dbus-daemon)
[ -x /usr/bin/dbus-send ] || missing+=(dbus-bin)
[ -x /usr/bin/gnome-keyring-daemon ] || missing+=(gnome-keyring)
# The OAuth2 tests run an authorization server (oidc-provider) on Node.js. A Node.js from
# elsewhere (e.g. NodeSource) brings its own npm: Debian's npm is asked for only if none.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else as_root=(none); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${as_root[*]}" != none ]; then
    "${as_root[@]}" apt-get update -qq && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi
# Cyrus's imapd is in cyrus-imapd, which conflicts with dovecot-imapd (both provide
# imap-server): installing one removes the other. Unless it is installed, the package of
# the installed cyrus-common's version is unpacked into /opt/tern-cyrus-imapd, where the
# tests look for it (crates/testkit/src/cyrus.rs).
cyrus_dir=/opt/tern-cyrus-imapd
if [ ! -x /usr/lib/cyrus/bin/imapd ]; then
  want=$(dpkg-query -W -f='${Version}' cyrus-common)
  if [ "$(cat "$cyrus_dir/VERSION" 2>/dev/null)" != "$want" ]; then
    if [ "${as_root[*]}" = none ]; then
      echo "The tests need cyrus-imapd $want unpacked into $cyrus_dir (run this as root once)" >&2
      exit 1
    fi
    deb_dir=$(mktemp -d)
    (cd "$deb_dir" && chmod 0777 . && apt-get download -qq "cyrus-imapd=$want")
    "${as_root[@]}" rm -rf "$cyrus_dir"
    "${as_root[@]}" dpkg-deb -x "$deb_dir"/cyrus-imapd_*.deb "$cyrus_dir"
    echo "$want" | "${as_root[@]}" tee "$cyrus_dir/VERSION" >/dev/null
    rm -rf "$deb_dir"
  fi
fi
# The OAuth2 test server's node modules, exactly as package-lock.json pins them: installed
# when missing or older than the lock file.
oauth2_dir=crates/testkit/oauth2
if [ ! -f "$oauth2_dir/node_modules/.package-lock.json" ] ||
   [ "$oauth2_dir/package-lock.json" -nt "$oauth2_dir/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$oauth2_dir" --no-audit --no-fund
fi
# The system Dovecot and Cyrus services are not used; stop them so they hold no ports or files.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop dovecot >/dev/null 2>&1 || true
  systemctl stop cyrus-imapd >/dev/null 2>&1 || true
fi
# The demo test runs `tern demo`, which the `demo` feature builds in.
cargo test --workspace --locked --features tern/demo "$@"
