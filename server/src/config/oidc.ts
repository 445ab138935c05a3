/**
 * OpenID Connect sign-in settings (`OIDC_*`), read by `loadConfig`. All unset: no OIDC. Any of
 * them set: `OIDC_ISSUER` and `OIDC_CLIENT_ID` are required, and every value is checked here so a
 * wrong combination refuses to start with a readable line, not a failure at someone's first sign-in.
 */

export interface OidcConfig {
  /** The provider's issuer URL; its metadata is read from `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Confidential client when set; unset: a public client that proves itself with PKCE alone. */
  clientSecret: string | undefined;
  /** Where the provider sends people back; unset: `<public origin>/api/auth/oidc/callback`. */
  redirectUrl: string | undefined;
  /** Space-separated scopes asked for; always includes `openid`. */
  scopes: string;
  /** The ID token (or userinfo) claim that becomes the Gitpad username on first sign-in. */
  usernameClaim: string;
  /** The login page's button reads "Sign in with <label>". */
  buttonLabel: string;
  /** Longest wait for the provider's discovery document, ms, before ERR_DIRECTORY_UNAVAILABLE. */
  discoveryTimeoutMs: number;
}

export const OIDC_DEFAULTS = Object.freeze({
  scopes: 'openid profile email',
  usernameClaim: 'preferred_username',
  buttonLabel: 'single sign-on',
  discoveryTimeoutMs: 5000,
});

const NAMES = [
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_REDIRECT_URL',
  'OIDC_SCOPES',
  'OIDC_USERNAME_CLAIM',
  'OIDC_BUTTON_LABEL',
  'OIDC_DISCOVERY_TIMEOUT_MS',
] as const;

/** An absolute http(s) URL without credentials or fragment; `null` when it is not one. */
function httpUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.hash) return null;
  return url;
}

/**
 * Reads the `OIDC_*` settings through `str` (trimmed value or undefined). Problems go to
 * `problems`; the result is null when OIDC is not configured (or is configured wrongly).
 */
export function loadOidcConfig(
  str: (name: string) => string | undefined,
  problems: string[],
): OidcConfig | null {
  const set = NAMES.filter((n) => str(n) !== undefined);
  if (set.length === 0) return null;
  const before = problems.length;
  const issuer = str('OIDC_ISSUER');
  const clientId = str('OIDC_CLIENT_ID');
  if (issuer === undefined || clientId === undefined) {
    problems.push(
      `OIDC_ISSUER and OIDC_CLIENT_ID are both needed for OpenID Connect sign-in (${set.join(', ')} ${
        set.length === 1 ? 'is' : 'are'
      } set)`,
    );
  }
  if (issuer !== undefined && httpUrl(issuer) === null) {
    problems.push(`OIDC_ISSUER must be the provider's http(s) issuer URL (got "${issuer}")`);
  }
  if (clientId !== undefined && !/^[\x21-\x7e]{1,512}$/.test(clientId)) {
    problems.push('OIDC_CLIENT_ID must be printable characters without spaces');
  }
  const clientSecret = str('OIDC_CLIENT_SECRET');
  if (clientSecret !== undefined && !/^[\x20-\x7e]{1,1024}$/.test(clientSecret)) {
    problems.push('OIDC_CLIENT_SECRET must be printable ASCII (or unset, for a public client)');
  }
  const redirectUrl = str('OIDC_REDIRECT_URL');
  if (redirectUrl !== undefined) {
    const url = httpUrl(redirectUrl);
    if (url === null || url.search) {
      problems.push(
        `OIDC_REDIRECT_URL must be an http(s) URL without query or fragment (got "${redirectUrl}")`,
      );
    } else if (url.pathname !== '/api/auth/oidc/callback') {
      problems.push(
        `OIDC_REDIRECT_URL must end in /api/auth/oidc/callback, the path Gitpad answers (got "${redirectUrl}")`,
      );
    }
  }
  const scopes = (str('OIDC_SCOPES') ?? OIDC_DEFAULTS.scopes).split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) problems.push('OIDC_SCOPES must include openid');
  if (!scopes.every((s) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    problems.push('OIDC_SCOPES must be scope names separated by spaces');
  }
  const usernameClaim = str('OIDC_USERNAME_CLAIM') ?? OIDC_DEFAULTS.usernameClaim;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(usernameClaim)) {
    problems.push(
      `OIDC_USERNAME_CLAIM must be a claim name like preferred_username (got "${usernameClaim}")`,
    );
  }
  const buttonLabel = str('OIDC_BUTTON_LABEL') ?? OIDC_DEFAULTS.buttonLabel;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (buttonLabel.length > 64 || /[\u0000-\u001f\u007f]/.test(buttonLabel)) {
    problems.push('OIDC_BUTTON_LABEL must be at most 64 characters, without control characters');
  }
  const timeoutRaw = str('OIDC_DISCOVERY_TIMEOUT_MS');
  let discoveryTimeoutMs: number = OIDC_DEFAULTS.discoveryTimeoutMs;
  if (timeoutRaw !== undefined) {
    if (!/^\d+$/.test(timeoutRaw) || Number(timeoutRaw) < 100 || Number(timeoutRaw) > 60_000) {
      problems.push(
        `OIDC_DISCOVERY_TIMEOUT_MS must be a whole number from 100 to 60000 (got "${timeoutRaw}")`,
      );
    } else discoveryTimeoutMs = Number(timeoutRaw);
  }
  if (problems.length > before || issuer === undefined || clientId === undefined) return null;
  return {
    issuer,
    clientId,
    clientSecret,
    redirectUrl,
    scopes: scopes.join(' '),
    usernameClaim,
    buttonLabel,
    discoveryTimeoutMs,
  };
}
