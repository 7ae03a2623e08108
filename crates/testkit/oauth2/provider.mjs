// TEST ONLY: a throwaway OAuth2 authorization server (oidc-provider) for tern's tests.
// Nothing here is fit for production: in-memory storage, fixed secrets, one shared
// password for every account, and a route that revokes grants without authentication.
//
// Usage: node provider.mjs [--port N] [--access-ttl SECONDS] [--password PASSWORD]
//                          [--dovecot-secret SECRET]
//   --port 0 (the default) picks a free port. Once listening, the first line on stdout
//   is `LISTENING <port>`; logs go to stderr. The issuer is http://127.0.0.1:<port>.
//
// Clients:
//   tern-test  public native client (no secret): device code, authorization code with
//              PKCE S256 (required) and a loopback redirect http://127.0.0.1:<any port>/,
//              refresh tokens always issued, rotated on every use.
//   dovecot    confidential client (client_secret_basic), used only to introspect; it
//              sees every client's access tokens (refresh tokens read as inactive).
// Scopes: openid, offline_access, email, mail. (As OpenID Connect says, offline_access is
// dropped from a code flow request without prompt=consent; refresh tokens come anyway.)
// A refresh token used twice (after rotation) revokes its whole grant, as oidc-provider
// does on reuse.
// Accounts: any login name, with the password given by --password (default `secret`);
// the account id (`sub`, and `username` at introspection) is the login name.
//
// Endpoints: /device/auth, /device, /auth, /token, /token/introspection,
// /token/revocation, /.well-known/openid-configuration; the interaction pages
// (login, consent) under /interaction/<uid>; and, test only,
// POST /test/revoke-all?account=NAME which destroys every grant of the account (and
// with them its access and refresh tokens), as an administrator would.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'access-ttl': { type: 'string', default: '3600' },
    password: { type: 'string', default: 'secret' },
    'dovecot-secret': { type: 'string', default: 'dovecot-introspection-secret' },
  },
});
const accessTtl = Number.parseInt(args['access-ttl'], 10);
if (!(accessTtl > 0)) {
  console.error(`provider: bad --access-ttl ${args['access-ttl']}`);
  process.exit(2);
}
const PASSWORD = args.password;
const CLIENT_ID = 'tern-test';
const INTROSPECTOR_ID = 'dovecot';

const log = (...parts) => console.error(`provider ${new Date().toISOString()}`, ...parts);
// stdout carries the LISTENING line only; oidc-provider's notices (console.info) go to stderr.
console.info = console.error;
console.log = console.error;

// ---------------------------------------------------------------------------------------
// Storage: a plain in-memory adapter that, unlike the bundled one, can be walked (the
// revoke-all route finds an account's grants).
const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const byUserCode = new Map();
const byUid = new Map();
const grantMembers = new Map(); // grantId -> Set of keys

function live(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

class TestAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    store.set(key, { payload, expiresAt });
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (this.model === 'Session' && payload.uid) byUid.set(payload.uid, id);
    if (payload.grantId && this.model !== 'Grant') {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    return live(this.key(id));
  }

  async findByUserCode(userCode) {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid) {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

// Destroys every grant of `account` and every token issued under them.
async function revokeAll(account) {
  let grants = 0;
  for (const key of [...store.keys()]) {
    if (!key.startsWith('Grant:')) continue;
    const payload = live(key);
    if (!payload || payload.accountId !== account) continue;
    const grantId = key.slice('Grant:'.length);
    await new TestAdapter('AccessToken').revokeByGrantId(grantId);
    store.delete(key);
    grants += 1;
  }
  return grants;
}

// ---------------------------------------------------------------------------------------
// Pages.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body>
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`;
}

function loginPage(uid, clientId, error) {
  return page('Sign-in', `${error ? `<p class="error">${esc(error)}</p>\n` : ''}<p>Sign in to continue to <strong>${esc(clientId)}</strong>.</p>
<form id="login" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <input type="text" name="login" placeholder="Login" required autofocus>
  <input type="password" name="password" placeholder="Password" required>
  <button type="submit">Sign in</button>
</form>
<form id="abort" method="post" action="/interaction/${esc(uid)}/abort">
  <button type="submit">Cancel</button>
</form>`);
}

function consentPage(uid, clientId, account, scopes) {
  const items = scopes.map((s) => `  <li>${esc(s)}</li>`).join('\n');
  return page('Authorize', `<p><strong>${esc(clientId)}</strong> asks for access to the account <strong>${esc(account)}</strong>:</p>
<ul id="scopes">
${items}
</ul>
<form id="consent" method="post" action="/interaction/${esc(uid)}/confirm">
  <button type="submit">Allow</button>
</form>
<form id="abort" method="post" action="/interaction/${esc(uid)}/abort">
  <button type="submit">Deny</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------------------
// The server: listen first (port 0 picks one), then build the provider for that issuer.
let handler = (_req, res) => {
  res.statusCode = 503;
  res.end('starting');
};
const server = http.createServer((req, res) => handler(req, res));
server.listen(Number.parseInt(args.port, 10), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = makeProvider(issuer, args['dovecot-secret']);
  handler = provider.callback();
  log(`issuer ${issuer}, access token ttl ${accessTtl}s`);
  process.stdout.write(`LISTENING ${port}\n`);
});

function makeProvider(issuer, dovecotSecret) {
  const provider = new Provider(issuer, {
    adapter: TestAdapter,
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'tern (test)',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: [
          'urn:ietf:params:oauth:grant-type:device_code',
          'authorization_code',
          'refresh_token',
        ],
        response_types: ['code'],
        // Loopback redirects: any port is accepted for these (RFC 8252 section 7.3).
        redirect_uris: ['http://127.0.0.1/', 'http://[::1]/', 'http://localhost/'],
      },
      {
        client_id: INTROSPECTOR_ID,
        client_secret: dovecotSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'offline_access', 'email', 'mail'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: `${sub}@example.test`, email_verified: true };
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      introspection: {
        enabled: true,
        // Only the introspecting client (Dovecot) may read other clients' tokens, and
        // only access tokens (a refresh token is no key to a mailbox: it reads as
        // inactive); a client may introspect its own tokens.
        async allowedPolicy(_ctx, client, token) {
          if (client.clientId === INTROSPECTOR_ID) return token.kind === 'AccessToken';
          return token.clientId === client.clientId;
        },
      },
      revocation: { enabled: true },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx, client) => client.clientId === CLIENT_ID
      && client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Tokens live on their own: the user's browser session does not bound them.
    expiresWithSession: async () => false,
    // At introspection, `username` beside `sub` (what Dovecot's username_attribute reads).
    extraTokenClaims: async (_ctx, token) => (token.accountId
      ? { username: token.accountId } : undefined),
    ttl: {
      AccessToken: accessTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
  });
  provider.proxy = false;

  for (const event of [
    'server_error', 'grant.error', 'authorization.error', 'introspection.error',
    'revocation.error', 'code_verification.error', 'device_authorization.error',
    'interaction.error',
  ]) {
    provider.on(event, (_ctx, err) => log(`${event}: ${err.name}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}`));
  }
  provider.on('grant.success', (ctx) => log(`grant.success ${ctx.oidc.params.grant_type} for ${ctx.oidc.client?.clientId}`));
  provider.on('grant.revoked', (_ctx, grantId) => log(`grant.revoked ${grantId}`));

  // Request log, the test routes and the interaction pages, ahead of the provider's routes.
  provider.use(async (ctx, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      log(`${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - started} ms)`);
    }
  });

  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/test/revoke-all') {
      // TEST ONLY: unauthenticated, as an administrator revoking an account's access.
      const account = ctx.query.account;
      if (!account) {
        ctx.status = 400;
        ctx.body = { error: 'account is required' };
        return;
      }
      const grants = await revokeAll(String(account));
      log(`test: revoked ${grants} grant(s) of ${account}`);
      ctx.body = { account, revoked_grants: grants };
      return;
    }
    await next();
  });

  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(ctx.path);
    if (!m) {
      await next();
      return;
    }
    const [, , action] = m;
    ctx.set('cache-control', 'no-store');
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', `<p class="error">${esc(err.message)}</p>`);
      return;
    }
    const { uid, prompt, params, session } = details;
    const clientId = params.client_id;

    if (ctx.method === 'GET' && action === undefined) {
      ctx.type = 'html';
      if (prompt.name === 'login') {
        ctx.body = loginPage(uid, clientId);
      } else if (prompt.name === 'consent') {
        ctx.body = consentPage(uid, clientId, session?.accountId, String(params.scope ?? '').split(' ').filter(Boolean));
      } else {
        ctx.status = 501;
        ctx.body = page('Error', `<p class="error">prompt ${esc(prompt.name)} not implemented</p>`);
      }
      return;
    }
    if (ctx.method !== 'POST' || action === undefined) {
      ctx.status = 405;
      return;
    }
    // interactionFinished writes the 303 itself.
    ctx.respond = false;
    if (action === 'abort') {
      log(`interaction ${uid}: denied`);
      await provider.interactionFinished(ctx.req, ctx.res, {
        error: 'access_denied',
        error_description: 'End-User denied the request',
      }, { mergeWithLastSubmission: false });
      return;
    }
    if (action === 'login') {
      const form = await readForm(ctx.req);
      const login = form.get('login') ?? '';
      if (prompt.name !== 'login' || !login || form.get('password') !== PASSWORD) {
        log(`interaction ${uid}: login refused for ${JSON.stringify(login)}`);
        ctx.respond = true;
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginPage(uid, clientId, 'Invalid login or password.');
        return;
      }
      log(`interaction ${uid}: logged in as ${login}`);
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: login },
      }, { mergeWithLastSubmission: false });
      return;
    }
    // confirm
    if (prompt.name !== 'consent') {
      ctx.respond = true;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', `<p class="error">no consent is being asked</p>`);
      return;
    }
    const { details: missing } = prompt;
    let grant;
    if (details.grantId) {
      grant = await provider.Grant.find(details.grantId);
    } else {
      grant = new provider.Grant({ accountId: session.accountId, clientId });
    }
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    log(`interaction ${uid}: consent by ${session.accountId} to ${clientId}`);
    await provider.interactionFinished(ctx.req, ctx.res, {
      consent: details.grantId ? {} : { grantId },
    }, { mergeWithLastSubmission: true });
  });

  return provider;
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    server.close();
    process.exit(0);
  });
}
