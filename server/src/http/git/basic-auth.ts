/**
 * HTTP Basic auth for git: username plus password or personal access token. Throttled like the
 * web login, per (IP, username) with backoff and per IP (auth/login-throttle.ts); an unknown
 * username costs the same argon2 verification as a wrong password, so timing does not tell which
 * names exist. Password successes are remembered briefly (by a hash of the credentials) so one
 * clone's several requests do not pay for argon2 each time. Directory (LDAP, OIDC) accounts, and
 * every account while local passwords are off, authenticate with personal access tokens only.
 */
import { createHash } from 'node:crypto';
import { verifyAccessToken } from '../../auth/access-tokens.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import { dummyPasswordHash, verifyPassword } from '../../auth/passwords.js';
import type { Store } from '../../storage/types.js';

const CACHE_MS = 60_000;

export interface BasicCredentials {
  username: string;
  secret: string;
}

export function parseBasic(header: string | undefined): BasicCredentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export class GitAuthenticator {
  /** Password logins only: tokens are cheap to check, and a deleted one must fail at once. */
  private readonly cache = new Map<string, { userId: string; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly throttle: LoginThrottle,
    /** AUTH_LOCAL_PASSWORDS: false leaves tokens alone. */
    private readonly localPasswords = true,
  ) {}

  /** The user id, or null for wrong credentials; `{retryAfterMs}` while throttled. */
  async authenticate(creds: BasicCredentials, ip: string): Promise<string | null | { retryAfterMs: number }> {
    const gate = this.throttle.begin(ip, creds.username);
    if (!gate.ok) return { retryAfterMs: gate.retryAfterMs };
    // A token that is not right falls through to the password check, which pays argon2 (or the
    // dummy's) whoever the user is: wrong tokens cost what wrong passwords do.
    const userId =
      (await verifyAccessToken(this.store, creds.secret, creds.username)) ??
      (await this.checkPassword(creds));
    if (userId) gate.attempt.succeeded();
    else gate.attempt.failed();
    return userId;
  }

  private async checkPassword({ username, secret }: BasicCredentials): Promise<string | null> {
    const key = createHash('sha256').update(`${username}\u0000${secret}`).digest('hex');
    const user = await this.store.users.byUsername(username);
    // A disabled account, or one without a password here, costs and answers what an unknown one does.
    if (!user || user.disabled || user.source !== 'local' || !this.localPasswords) {
      await verifyPassword(await dummyPasswordHash(), secret);
      return null;
    }
    const hit = this.cache.get(key);
    // A password change (tokensValidAfter) voids what was cached before it.
    if (hit && hit.userId === user.id && Date.now() - hit.at < CACHE_MS && user.tokensValidAfter <= hit.at)
      return user.id;
    if (!(await verifyPassword(user.passwordHash, secret))) return null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { userId: user.id, at: Date.now() });
    return user.id;
  }
}
