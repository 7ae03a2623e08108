// TEST ONLY: a scripted user with a browser, for the test authorization server
// (provider.mjs). It fetches pages with its own cookie jar, follows redirects by hand
// and fills the forms the pages really serve, as a person would.
//
// Usage:
//   node user.mjs approve-device VERIFICATION_URI USER_CODE LOGIN PASSWORD
//       enters the code, signs in and allows; prints `APPROVED`.
//   node user.mjs deny-device VERIFICATION_URI USER_CODE LOGIN PASSWORD
//       enters the code, signs in and denies; prints `DENIED`.
//   node user.mjs browse AUTHORIZATION_URL LOGIN PASSWORD
//       opens the URL, signs in, allows, then follows the redirect to the client's
//       (loopback) redirect URI; prints `STATUS <code>` and then the body of its answer.
//   node user.mjs browse-deny AUTHORIZATION_URL LOGIN PASSWORD
//       the same, but denies at the consent page.
// Any page it does not expect ends it with a message on stderr and exit status 1;
// a bad command line, with status 2. Each step is traced on stderr.

const MAX_STEPS = 30;

const trace = (msg) => console.error(`user: ${msg}`);

class Unexpected extends Error {}

// ---------------------------------------------------------------------------------------
// A cookie jar: per host:port, by name and path; honours Max-Age, Expires and Path.
class Jar {
  #cookies = new Map(); // host -> Map(`${name};${path}` -> {name, value, path, expires})

  store(url, setCookies) {
    const { host, pathname } = new URL(url);
    if (!this.#cookies.has(host)) this.#cookies.set(host, new Map());
    const jar = this.#cookies.get(host);
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const defaultPath = pathname.slice(0, pathname.lastIndexOf('/')) || '/';
      let path = defaultPath;
      let expires;
      for (const attr of attrs) {
        const i = attr.indexOf('=');
        const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
        const val = i === -1 ? '' : attr.slice(i + 1).trim();
        if (key === 'path' && val.startsWith('/')) path = val;
        if (key === 'max-age') expires = Date.now() + Number(val) * 1000;
        if (key === 'expires' && expires === undefined) expires = Date.parse(val);
      }
      const key = `${name};${path}`;
      if (expires !== undefined && expires <= Date.now()) {
        jar.delete(key);
      } else {
        jar.set(key, { name, value, path, expires });
      }
    }
  }

  header(url) {
    const { host, pathname } = new URL(url);
    const jar = this.#cookies.get(host);
    if (!jar) return undefined;
    const now = Date.now();
    const matches = [...jar.values()]
      .filter((c) => c.expires === undefined || c.expires > now)
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    return matches.length ? matches.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

// Each Set-Cookie header (Node before 18.14 has no getSetCookie: split the joined value
// at the commas that start a new `name=`, not those inside an Expires date).
function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined ? joined.split(/,(?=\s*[^;,=\s]+=)/).map((c) => c.trim()) : [];
}

// ---------------------------------------------------------------------------------------
// The browser: one request, then redirects followed by hand (303 and 302 after a POST
// become GETs) until a page answers.
class Browser {
  jar = new Jar();

  async #once(method, url, form) {
    const headers = { 'user-agent': 'tern-test-user/1', accept: 'text/html' };
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body, redirect: 'manual' });
    } catch (err) {
      throw new Unexpected(`${method} ${url} failed: ${err.cause?.message ?? err.message}`);
    }
    this.jar.store(url, setCookies(res.headers));
    const text = await res.text();
    trace(`${method} ${url} -> ${res.status}`);
    return { status: res.status, location: res.headers.get('location'), text, url };
  }

  // Returns the first answer that is not a redirect, or, with `stopAt(url)` true for a
  // redirect's target, that target unvisited: { redirect: url }.
  async go(method, url, form, stopAt = () => false) {
    let res = await this.#once(method, url, form);
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.location; hops += 1) {
      if (hops > 20) throw new Unexpected(`too many redirects from ${url}`);
      const next = new URL(res.location, res.url).href;
      if (stopAt(next)) return { redirect: next };
      const keep = res.status === 307 || res.status === 308;
      res = await this.#once(keep ? method : 'GET', next, keep ? form : undefined);
    }
    return res;
  }
}

// ---------------------------------------------------------------------------------------
// Pages: the forms on a page, by id, with their action and fields.
const entities = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", '#x2F': '/',
};
const decode = (s) => s.replace(/&(#?\w+);/g, (m, e) => entities[e] ?? m);

function attributes(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function forms(html) {
  const out = {};
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1]);
    const fields = {};
    for (const input of m[2].matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1]);
      if (a.name && a.type === 'hidden') fields[a.name] = a.value ?? '';
    }
    if (attrs.id) out[attrs.id] = { action: attrs.action ?? '', method: (attrs.method ?? 'get').toUpperCase(), fields };
  }
  return out;
}

function describe(page) {
  const title = /<title>([\s\S]*?)<\/title>/i.exec(page.text)?.[1]?.trim();
  const text = page.text.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ').trim().slice(0, 400);
  return `${page.url} answered ${page.status}${title ? ` (${decode(title)})` : ''}: ${decode(text)}`;
}

async function submit(browser, page, form, extra, stopAt) {
  const action = new URL(form.action || page.url, page.url).href;
  return browser.go(form.method, action, { ...form.fields, ...extra }, stopAt);
}

// Acts on each page as a user would until `done(page)` says the journey is over.
// `allow` decides the consent page; `userCode` fills the device code form.
async function journey(browser, first, { login, password, allow, userCode, stopAt, done }) {
  let page = first;
  const seen = new Set();
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (page.redirect) return page;
    const result = done(page);
    if (result) return result;
    const f = forms(page.text);
    const once = (what) => {
      if (seen.has(what)) throw new Unexpected(`the ${what} page came back: ${describe(page)}`);
      seen.add(what);
    };
    if (f['op.deviceInputForm']) {
      if (!userCode) throw new Unexpected(`a device code was asked for: ${describe(page)}`);
      once('device code');
      trace(`entering the code ${userCode}`);
      page = await submit(browser, page, f['op.deviceInputForm'], { user_code: userCode }, stopAt);
    } else if (f['op.deviceConfirmForm']) {
      once('device confirmation');
      trace('confirming the device');
      page = await submit(browser, page, f['op.deviceConfirmForm'], {}, stopAt);
    } else if (f.login) {
      once('sign-in');
      trace(`signing in as ${login}`);
      page = await submit(browser, page, f.login, { login, password }, stopAt);
      if (page.text && forms(page.text).login) {
        throw new Unexpected(`the sign-in was refused: ${describe(page)}`);
      }
    } else if (f.consent) {
      once('consent');
      if (allow) {
        trace('allowing');
        page = await submit(browser, page, f.consent, {}, stopAt);
      } else {
        trace('denying');
        if (!f.abort) throw new Unexpected(`no way to deny: ${describe(page)}`);
        page = await submit(browser, page, f.abort, {}, stopAt);
      }
    } else {
      throw new Unexpected(`an unexpected page: ${describe(page)}`);
    }
  }
  throw new Unexpected(`still not done after ${MAX_STEPS} pages`);
}

// ---------------------------------------------------------------------------------------
async function device(verificationUri, userCode, login, password, allow) {
  const browser = new Browser();
  const first = await browser.go('GET', verificationUri);
  await journey(browser, first, {
    login,
    password,
    allow,
    userCode,
    stopAt: () => false,
    done(page) {
      if (page.status !== 200) return undefined;
      if (allow && /Sign-in Success/i.test(page.text)) return 'APPROVED';
      if (!allow && /interrupted|denied|aborted/i.test(page.text) && !forms(page.text).consent) return 'DENIED';
      return undefined;
    },
  }).then((outcome) => {
    if (typeof outcome !== 'string') throw new Unexpected('the device journey ended on a redirect');
    console.log(outcome);
  });
}

async function browse(authorizationUrl, login, password, allow) {
  const browser = new Browser();
  const issuer = new URL(authorizationUrl).origin;
  // Stop at the first redirect away from the authorization server: the client's.
  const stopAt = (url) => new URL(url).origin !== issuer;
  const first = await browser.go('GET', authorizationUrl, undefined, stopAt);
  const end = await journey(browser, first, {
    login, password, allow, stopAt, done: () => undefined,
  });
  trace(`redirected to the client: ${end.redirect}`);
  const page = await browser.go('GET', end.redirect);
  console.log(`STATUS ${page.status}`);
  process.stdout.write(page.text);
}

const usage = `usage:
  node user.mjs approve-device VERIFICATION_URI USER_CODE LOGIN PASSWORD
  node user.mjs deny-device VERIFICATION_URI USER_CODE LOGIN PASSWORD
  node user.mjs browse AUTHORIZATION_URL LOGIN PASSWORD
  node user.mjs browse-deny AUTHORIZATION_URL LOGIN PASSWORD`;

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'approve-device':
    case 'deny-device':
      if (rest.length !== 4) break;
      return device(...rest, command === 'approve-device');
    case 'browse':
    case 'browse-deny':
      if (rest.length !== 3) break;
      return browse(...rest, command === 'browse');
    default:
      break;
  }
  console.error(usage);
  process.exit(2);
  return undefined;
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof Unexpected) {
    console.error(`user: FAILED: ${err.message}`);
  } else {
    console.error(`user: FAILED: ${err.stack ?? err}`);
  }
  process.exit(1);
});
