"""A private SMTP server for tern's tests and demo (aiosmtpd): STARTTLS (or implicit
TLS), AUTH required over TLS, every accepted message written to OUT_DIR as N.eml with
N.json beside it (envelope and login). Recipients starting with "reject" get a 550.
In "relay" mode it is the MTA a submission server relays to on loopback: no TLS, no
AUTH (CERT and KEY are not read).
Usage: TERN_SMTP_USER=U TERN_SMTP_PASSWORD=P smtp_server.py PORT CERT KEY OUT_DIR {starttls|tls|plain|relay}
Prints "ready" when listening; stops when stdin closes."""
import json, os, ssl, sys, itertools
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, out_dir, mode = sys.argv[1:6]
user, password = os.environ["TERN_SMTP_USER"], os.environ["TERN_SMTP_PASSWORD"]
# Numbered on from what an earlier run of this server (a restart) accepted.
counter = itertools.count(1 + sum(1 for f in os.listdir(out_dir) if f.endswith(".eml")))

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        path = os.path.join(out_dir, "%d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.authenticated and user,
            "tls": session.ssl is not None,
        }
        with open(os.path.join(out_dir, "%d.json" % n), "w") as f:
            json.dump(meta, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok, handled=False)

common = dict(hostname="127.0.0.1", port=int(port), authenticator=authenticator,
              auth_required=True, auth_require_tls=True)
if mode != "relay":
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
if mode == "relay":
    # A trusted relay on loopback: plain SMTP, no AUTH asked or offered (offered, the
    # submission server adds AUTH= to MAIL FROM, which aiosmtpd refuses); aiosmtpd offers
    # AUTH only over TLS here, and there is no TLS.
    common.update(auth_required=False, auth_require_tls=True)
    controller = Controller(Handler(), **common)
elif mode == "tls":
    # The whole connection is TLS; aiosmtpd only counts STARTTLS as TLS for AUTH.
    common.update(auth_require_tls=False)
    controller = Controller(Handler(), ssl_context=ctx, **common)
elif mode == "plain":
    # A server that offers no STARTTLS at all (to prove tern refuses to go on).
    common.update(auth_require_tls=False)
    controller = Controller(Handler(), **common)
else:
    controller = Controller(Handler(), tls_context=ctx, require_starttls=True, **common)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
