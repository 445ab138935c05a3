/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1:0 for sign-in tests: one
 * registered client, PKCE required, a few accounts with passwords, and our own minimal
 * interaction pages (a login form that checks the password and grants the requested scopes, and
 * a Cancel link that answers `access_denied`).
 *
 * The provider starts listening before it exists (`startProvider`) so its issuer URL can be given
 * to a Gitpad server, whose callback URL is then registered as the client's (`configure`).
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface ProviderAccount {
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
}

export interface TestProvider {
  issuer: string;
  /** Creates the provider with its one client; requests before this answer 503. */
  configure(client: { clientId: string; clientSecret?: string; redirectUri: string }): void;
  /** Token requests the provider saw, with the PKCE verifier they carried (null: none). */
  readonly tokenRequests: { codeVerifier: string | null }[];
  close(): Promise<void>;
}

const page = (body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Test provider</title></head><body>${body}</body></html>`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginForm(uid: string, error?: string): string {
  return page(`<h1>Test provider sign-in</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
  <label>Provider username <input name="login" autocomplete="off"></label>
  <label>Provider password <input name="password" type="password"></label>
  <button type="submit">Sign in at provider</button>
</form>
<a href="/interaction/${uid}/abort">Cancel</a>`);
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startProvider(accounts: ProviderAccount[]): Promise<TestProvider> {
  let provider: Provider | null = null;
  let handle: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  const tokenRequests: { codeVerifier: string | null }[] = [];

  async function interaction(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    p: Provider,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , uid, action] = url.pathname.split('/');
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && action === undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(details.uid));
      return;
    }
    if (req.method === 'GET' && action === 'abort') {
      await p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person cancelled.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const account = accounts.find(
        (a) => a.username === form.get('login') && a.password === form.get('password'),
      );
      if (!account) {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(loginForm(details.uid, 'Wrong provider username or password.'));
        return;
      }
      const clientId = String(details.params.client_id);
      const grant = new p.Grant({ accountId: account.sub, clientId });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await p.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(404).end();
  }

  const server = http.createServer((req, res) => {
    const p = provider;
    if (!p || !handle) {
      res.writeHead(503).end('not configured yet');
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res, p).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/token') {
      // Record what the client sent (the provider reads the body itself from a copy).
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        tokenRequests.push({
          codeVerifier: new URLSearchParams(Buffer.concat(chunks).toString()).get('code_verifier'),
        });
      });
    }
    handle(req, res);
  });
  // The provider's own signing key, fresh per run (not oidc-provider's published development key).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test-key' };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  return {
    issuer,
    tokenRequests,
    configure({ clientId, clientSecret, redirectUri }) {
      const configuration: Configuration = {
        clients: [
          {
            client_id: clientId,
            ...(clientSecret ? { client_secret: clientSecret } : {}),
            token_endpoint_auth_method: clientSecret ? 'client_secret_basic' : 'none',
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
        ],
        async findAccount(_ctx, sub) {
          const account = accounts.find((a) => a.sub === sub);
          if (!account) return undefined;
          return {
            accountId: sub,
            claims: async () => ({
              sub,
              preferred_username: account.username,
              name: account.name,
              email: account.email,
            }),
          };
        },
        claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
        features: { devInteractions: { enabled: false } },
        // Every client must use PKCE, confidential ones too.
        pkce: { required: () => true },
        interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
        cookies: { keys: ['test-provider-cookie-key-0123456789'] },
        jwks: { keys: [signingKey] },
        ttl: {
          AccessToken: 600,
          AuthorizationCode: 60,
          IdToken: 600,
          Interaction: 600,
          Grant: 600,
          Session: 600,
        },
      };
      provider = new Provider(issuer, configuration);
      handle = provider.callback();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
