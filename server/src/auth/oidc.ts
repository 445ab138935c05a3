/**
 * OpenID Connect sign-in, the authorization-code flow with PKCE (openid-client does the protocol:
 * discovery, the token request, ID token signature, issuer, audience, expiry and nonce checks).
 *
 * What this keeps, in memory, for one server process:
 * - pending sign-ins, keyed by a random id held in the browser's HttpOnly cookie: the state,
 *   nonce and PKCE verifier never leave the server, and each is used once (taken out of the map
 *   by the first callback that presents the cookie), so a callback cannot be replayed, and a
 *   callback URL made in another browser (login CSRF) finds no pending sign-in;
 * - hand-off codes: after the callback the browser gets a one-time code (in the URL fragment,
 *   which is never sent to a server nor leaked in a Referer) that it exchanges for its Gitpad
 *   token by POST, once, within `HANDOFF_TTL_MS`. The JWT itself never appears in a URL.
 * Several server processes behind one address therefore need sticky sessions for sign-in
 * (docs/operations/deployment.md).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { OidcConfig } from '../config/oidc.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';

/** How long someone may spend at the provider between start and callback, ms. */
export const FLOW_TTL_MS = 10 * 60_000;
/** How long the browser has to exchange its hand-off code, ms. */
export const HANDOFF_TTL_MS = 60_000;
/** Pending sign-ins kept at once; past it the oldest are forgotten (start is unauthenticated). */
const MAX_PENDING = 10_000;

/** What the provider said about the person, as Gitpad needs it. */
export interface OidcIdentity {
  /** `iss + ' ' + sub`: stable across renames at the provider, unique across providers. */
  externalId: string;
  username: string;
  displayName: string;
  email: string | null;
}

interface PendingFlow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next: string;
  expiresAt: number;
}

interface Handoff {
  userId: string;
  next: string;
  expiresAt: number;
}

/** A `next` we will send someone to after sign-in: a path on this site, else `/`. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return '/';
  // `//host` and `/\host` are other sites to a browser; control characters hide either.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  const base = 'http://gitpad.invalid';
  const url = new URL(next, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/';
}

const unavailable = (label: string) =>
  new AppError(
    'ERR_DIRECTORY_UNAVAILABLE',
    `${label} cannot be reached right now, so nobody can sign in with it. Try again in a moment.`,
  );

/** Whether an error from openid-client means the provider could not be reached (not that it said no). */
function isUnreachable(err: unknown): boolean {
  if (err instanceof TypeError) return true; // fetch failed: refused, reset, DNS
  const code = (err as { code?: unknown }).code;
  return code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM';
}

/** Map keys are hashes, so a timing difference in the lookup tells nothing about a live code. */
const key = (s: string) => createHash('sha256').update(s).digest('base64url');

export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | null = null;
  private readonly flows = new Map<string, PendingFlow>();
  private readonly handoffs = new Map<string, Handoff>();

  constructor(
    readonly config: OidcConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * The provider's metadata, fetched on first use within `discoveryTimeoutMs`. A failure is not
   * kept: the next sign-in tries again, so a provider that was down at boot costs nothing later.
   */
  private configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const { issuer, clientId, clientSecret, discoveryTimeoutMs } = this.config;
      const url = new URL(issuer);
      this.discovered = oidc
        .discovery(url, clientId, undefined, oidc.None(), {
          timeout: discoveryTimeoutMs / 1000,
          // A LAN provider over plain http is the administrator's choice (see the deployment docs).
          execute: url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        })
        .then((found) => {
          const metadata = found.serverMetadata();
          const configuration = new oidc.Configuration(
            metadata,
            clientId,
            clientSecret,
            clientSecret === undefined ? oidc.None() : clientAuth(metadata, clientSecret),
          );
          if (url.protocol === 'http:') oidc.allowInsecureRequests(configuration);
          configuration.timeout = discoveryTimeoutMs / 1000;
          return configuration;
        });
      this.discovered.catch((err) => {
        this.discovered = null;
        this.logger.warn('OpenID Connect discovery failed', { issuer, err: String(err) });
      });
    }
    return this.discovered.catch(() => {
      throw unavailable(this.config.buttonLabel);
    });
  }

  /**
   * Starts a sign-in: returns the provider URL to send the browser to, and the id of the pending
   * sign-in for the browser's cookie.
   */
  async begin(redirectUri: string, next: unknown): Promise<{ flowId: string; url: string }> {
    const configuration = await this.configuration();
    this.prune();
    const flow: PendingFlow = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      redirectUri,
      next: safeNextPath(next),
      expiresAt: Date.now() + FLOW_TTL_MS,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.config.scopes,
      response_type: 'code',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    const flowId = randomBytes(32).toString('base64url');
    while (this.flows.size >= MAX_PENDING) this.flows.delete(this.flows.keys().next().value as string);
    this.flows.set(key(flowId), flow);
    return { flowId, url: url.href };
  }

  /**
   * Finishes a sign-in from the provider's redirect: `flowId` from the cookie, `query` the
   * callback's query string. The pending sign-in is used up whatever the outcome.
   */
  async complete(
    flowId: string | undefined,
    query: string,
  ): Promise<{ identity: OidcIdentity; next: string }> {
    const flow = flowId ? this.flows.get(key(flowId)) : undefined;
    if (flowId) this.flows.delete(key(flowId));
    const params = new URLSearchParams(query);
    if (!flow || flow.expiresAt < Date.now() || params.get('state') !== flow.state) {
      throw new AppError(
        'ERR_OIDC_STATE',
        'This sign-in expired, was already used, or was started in another browser. Please start again.',
      );
    }
    const configuration = await this.configuration();
    const currentUrl = new URL(flow.redirectUri);
    currentUrl.search = params.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError) {
        this.logger.info('OpenID Connect sign-in refused by the provider', {
          error: err.error,
          description: err.error_description,
        });
        if (err.error === 'temporarily_unavailable' || err.error === 'server_error')
          throw unavailable(this.config.buttonLabel);
        throw new AppError('ERR_OIDC_DENIED', `${this.config.buttonLabel} did not sign you in.`);
      }
      if (isUnreachable(err)) throw unavailable(this.config.buttonLabel);
      this.logger.warn('OpenID Connect sign-in failed validation', { err: String(err) });
      throw new AppError(
        'ERR_OIDC_INVALID',
        `The answer from ${this.config.buttonLabel} could not be verified.`,
      );
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new AppError('ERR_OIDC_INVALID', 'The provider sent no ID token.');
    let claims: Record<string, unknown> = { ...idClaims };
    // Many providers put profile claims in userinfo only (they do when an access token is issued).
    if (claims[this.config.usernameClaim] === undefined && configuration.serverMetadata().userinfo_endpoint) {
      try {
        claims = {
          ...(await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)),
          ...claims,
        };
      } catch (err) {
        if (isUnreachable(err)) throw unavailable(this.config.buttonLabel);
        this.logger.warn('OpenID Connect userinfo failed', { err: String(err) });
        throw new AppError(
          'ERR_OIDC_INVALID',
          `The answer from ${this.config.buttonLabel} could not be verified.`,
        );
      }
    }
    const username = claims[this.config.usernameClaim];
    if (typeof username !== 'string' || username.trim() === '') {
      this.logger.warn('OpenID Connect sign-in without a username claim', {
        claim: this.config.usernameClaim,
        sub: idClaims.sub,
      });
      throw new AppError(
        'ERR_OIDC_INVALID',
        `${this.config.buttonLabel} did not say a username (claim "${this.config.usernameClaim}").`,
      );
    }
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : username.trim();
    const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email : null;
    return {
      identity: {
        externalId: `${idClaims.iss} ${idClaims.sub}`,
        username: username.trim(),
        displayName: name,
        email,
      },
      next: flow.next,
    };
  }

  /** A one-time code the browser exchanges for its token, within `HANDOFF_TTL_MS`. */
  handoff(userId: string, next: string): string {
    this.prune();
    const code = randomBytes(32).toString('base64url');
    while (this.handoffs.size >= MAX_PENDING)
      this.handoffs.delete(this.handoffs.keys().next().value as string);
    this.handoffs.set(key(code), { userId, next, expiresAt: Date.now() + HANDOFF_TTL_MS });
    return code;
  }

  /** Redeems a hand-off code: once, and only before it expires. */
  redeem(code: string): { userId: string; next: string } {
    const found = this.handoffs.get(key(code));
    this.handoffs.delete(key(code));
    if (!found || found.expiresAt < Date.now()) {
      throw new AppError('ERR_OIDC_STATE', 'This sign-in expired or was already used. Please sign in again.');
    }
    return { userId: found.userId, next: found.next };
  }

  /** Forgets expired pending sign-ins and hand-offs. */
  private prune(): void {
    const now = Date.now();
    for (const [k, f] of this.flows) if (f.expiresAt < now) this.flows.delete(k);
    for (const [k, h] of this.handoffs) if (h.expiresAt < now) this.handoffs.delete(k);
  }
}

/**
 * How a confidential client authenticates at the token endpoint: HTTP Basic, the OpenID default,
 * unless the provider lists only `client_secret_post`.
 */
function clientAuth(metadata: oidc.ServerMetadata, secret: string): oidc.ClientAuth {
  const supported = metadata.token_endpoint_auth_methods_supported;
  if (supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post'))
    return oidc.ClientSecretPost(secret);
  return oidc.ClientSecretBasic(secret);
}
