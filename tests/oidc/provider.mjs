// A real OpenID Connect provider (panva's oidc-provider) on loopback, for SatuPintu's end-to-end
// sign-in tests. Started by tests/oidc/harness.py; configured only through the environment:
//
//   OIDC_PORT          port to listen on, on 127.0.0.1 (0 = any free port); the issuer is
//                      exactly http://127.0.0.1:<port>
//   OIDC_CLIENTS       JSON array of clients: {client_id, client_secret, redirect_uris,
//                      token_endpoint_auth_method?: "client_secret_basic" (default) |
//                      "client_secret_post", ...any other client metadata}
//   OIDC_ACCOUNTS      JSON object: account id -> claims, e.g.
//                      {"budi": {"email": "budi@banyuwangikab.go.id", "name": "Budi Santoso",
//                                "groups": ["satupintu-admin"]}}
//   OIDC_ID_TOKEN_TTL  optional ID token lifetime in seconds (default 3600)
//   OIDC_EXIT_ON_STDIN_EOF  "1": exit when stdin closes, so that the provider never outlives the
//                      test process that started it (the harness sets it)
//
// Sign-in is scriptable: GET /interaction/<uid> renders a minimal form with a `login` field;
// POST /interaction/<uid>/login with login=<account id> signs that account in (unknown
// account -> 400). Consent for the requested scopes and claims is granted automatically.
//
// Prints "READY <issuer>" on stdout once listening; exits cleanly on SIGTERM/SIGINT.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

function jsonEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) fail(`${name} is required`);
    return fallback;
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    return fail(`${name} is not valid JSON: ${err.message}`);
  }
}

const port = Number.parseInt(process.env.OIDC_PORT ?? '0', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('OIDC_PORT must be a port number');

const clients = jsonEnv('OIDC_CLIENTS');
if (!Array.isArray(clients) || clients.length === 0) {
  fail('OIDC_CLIENTS must be a non-empty JSON array');
}

const accounts = jsonEnv('OIDC_ACCOUNTS');
if (accounts === null || typeof accounts !== 'object' || Array.isArray(accounts)) {
  fail('OIDC_ACCOUNTS must be a JSON object (account id -> claims)');
}

const idTokenTtl = process.env.OIDC_ID_TOKEN_TTL ? Number(process.env.OIDC_ID_TOKEN_TTL) : 3600;
if (!Number.isInteger(idTokenTtl) || idTokenTtl <= 0) {
  fail('OIDC_ID_TOKEN_TTL must be a positive integer');
}

// Fresh signing key per run: tests must fetch the JWKS, never assume a key.
function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig',
  };
}

const htmlEscape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
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

let provider; // built once the port is known (OIDC_PORT=0 picks one)
let handle; // provider.callback(), the provider's own routes

async function showInteraction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch\n');
  const { prompt, params } = details;

  if (prompt.name === 'login') {
    const action = `/interaction/${encodeURIComponent(uid)}/login`;
    return send(res, 200, `<!doctype html>
<html><head><meta charset="utf-8"><title>Test OIDC sign-in</title></head>
<body>
<h1>Sign in to ${htmlEscape(params.client_id)}</h1>
<form method="post" action="${htmlEscape(action)}">
<label>Account <input type="text" name="login" autofocus required></label>
<button type="submit">Sign in</button>
</form>
</body></html>
`, 'text/html; charset=utf-8');
  }

  if (prompt.name === 'consent') {
    // Auto-grant exactly what is missing for this request (scopes, claims, resource scopes).
    const { details: missing } = prompt;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, {
      mergeWithLastSubmission: true,
    });
  }

  return send(res, 501, `prompt ${prompt.name} is not supported by the test provider\n`);
}

async function submitLogin(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch\n');
  if (details.prompt.name !== 'login') {
    return send(res, 400, `expected the login prompt, got ${details.prompt.name}\n`);
  }

  const form = await readForm(req);
  const login = form.get('login') ?? '';
  if (!Object.hasOwn(accounts, login)) return send(res, 400, `unknown account: ${login}\n`);

  return provider.interactionFinished(req, res, {
    login: { accountId: login, remember: false },
  }, { mergeWithLastSubmission: false });
}

async function handleInteraction(req, res, pathname) {
  const show = /^\/interaction\/([\w-]+)$/.exec(pathname);
  const submit = /^\/interaction\/([\w-]+)\/login$/.exec(pathname);
  try {
    if (show && req.method === 'GET') return await showInteraction(req, res, show[1]);
    if (submit && req.method === 'POST') return await submitLogin(req, res, submit[1]);
    return send(res, 404, 'not found\n');
  } catch (err) {
    // e.g. SessionNotFound when the interaction cookie is missing or expired
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    process.stderr.write(`interaction error: ${err.stack || err}\n`);
    return send(res, status, `${err.name}: ${err.error_description || err.message}\n`);
  }
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  if (pathname.startsWith('/interaction/')) {
    handleInteraction(req, res, pathname);
    return;
  }
  handle(req, res);
});

server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${port}: ${err.code || err.message}`));

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;

  provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    })),
    async findAccount(ctx, sub) {
      if (!Object.hasOwn(accounts, sub)) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...accounts[sub], sub };
        },
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      // `groups` is released with `profile` (what SatuPintu requests) and with its own scope.
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'zoneinfo',
        'updated_at', 'groups'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    responseTypes: ['code'],
    // Claims granted through scopes go into the ID token too, not only to /me (userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // Prefixed so they cannot collide with the app's cookies: browsers and httpx scope cookies by
    // host, not port, so the provider and the app on 127.0.0.1 share one cookie jar.
    cookies: {
      names: {
        session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume',
      },
      keys: [crypto.randomBytes(32).toString('base64url')],
    },
    jwks: { keys: [signingKey()] },
    ttl: {
      IdToken: idTokenTtl,
      AccessToken: 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${Object.entries(out).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
    },
  });

  handle = provider.callback();

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error']) {
    provider.on(event, (ctx, err) => {
      const detail = err.error_description ? ` (${err.error_description})` : '';
      process.stderr.write(`${event}: ${err.name}: ${err.message}${detail}\n`);
    });
  }

  // Static clients are validated lazily; validate them now so a bad OIDC_CLIENTS fails at start.
  Promise.all(clients.map(async ({ client_id: clientId }) => {
    if (!await provider.Client.find(String(clientId))) {
      throw new Error(`client ${clientId} not found`);
    }
  })).then(
    () => process.stdout.write(`READY ${issuer}\n`),
    (err) => fail(`invalid client in OIDC_CLIENTS: ${err.error_description || err.message}`),
  );
});

function shutdown(signal) {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => {
    process.stderr.write(`forced exit after ${signal}\n`);
    process.exit(1);
  }, 3000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (process.env.OIDC_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => shutdown('end of stdin'));
  process.stdin.resume();
}
