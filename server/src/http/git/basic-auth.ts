/**
 * HTTP Basic auth for git: username plus password or personal access token. Failures are
 * rate-limited per IP and per username; successes are remembered briefly (by a hash of the
 * credentials) so one clone's several requests do not pay for argon2 each time.
 */
import { createHash } from 'node:crypto';
import { verifyAccessToken } from '../../auth/access-tokens.js';
import { verifyPassword } from '../../auth/passwords.js';
import type { RateLimiter } from '../../auth/rate-limiter.js';
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
    private readonly failuresPerIp: RateLimiter,
    private readonly failuresPerUser: RateLimiter,
  ) {}

  /** The user id, or null for wrong credentials; 'limited' when too many recent failures. */
  async authenticate(creds: BasicCredentials, ip: string): Promise<string | null | 'limited'> {
    if (!this.failuresPerIp.allows(ip) || !this.failuresPerUser.allows(creds.username)) return 'limited';
    const userId =
      (await verifyAccessToken(this.store, creds.secret, creds.username)) ??
      (await this.checkPassword(creds));
    if (!userId) {
      this.failuresPerIp.tryTake(ip);
      this.failuresPerUser.tryTake(creds.username);
    }
    return userId;
  }

  private async checkPassword({ username, secret }: BasicCredentials): Promise<string | null> {
    const key = createHash('sha256').update(`${username}\u0000${secret}`).digest('hex');
    const user = await this.store.users.byUsername(username);
    if (!user) return null;
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
