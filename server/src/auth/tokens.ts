/**
 * Login tokens: JWTs (HS256) with a random `jti`, so one token can be revoked (logout), and an
 * issue time checked against the user's `tokensValidAfter` (password change revokes them all).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors/app-error.js';
import type { Store, UserRecord } from '../storage/types.js';

export interface TokenClaims {
  /** user id */
  sub: string;
  jti: string;
  /** issued at, ms (JWT's own iat has only second precision) */
  iatMs: number;
  /** expiry, seconds since epoch (JWT standard) */
  exp: number;
}

export interface Authenticated {
  user: UserRecord;
  claims: TokenClaims;
}

/** The JWT secret: configured, or generated once and kept in `<dataDir>/jwt-secret` (mode 0600). */
export function loadJwtSecret(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(48).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  // Write to a temp file then rename, so a crash never leaves a truncated secret.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secret;
}

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {}

  issue(user: UserRecord): string {
    const claims = { sub: user.id, jti: randomBytes(16).toString('base64url'), iatMs: Date.now() };
    return jwt.sign(claims, this.secret, { algorithm: 'HS256', expiresIn: this.ttlSeconds });
  }

  /** Verifies signature, expiry, revocation and the user's password-change cut-off. */
  async verify(token: unknown): Promise<Authenticated> {
    const unauthenticated = () => new AppError('ERR_UNAUTHENTICATED', 'Please log in again.');
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw unauthenticated();
    let claims: TokenClaims;
    try {
      const decoded = jwt.verify(token, this.secret, { algorithms: ['HS256'] });
      if (typeof decoded !== 'object' || decoded === null) throw unauthenticated();
      claims = decoded as TokenClaims;
    } catch {
      throw unauthenticated();
    }
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.jti !== 'string' ||
      typeof claims.iatMs !== 'number'
    ) {
      throw unauthenticated();
    }
    const [user, revoked] = await Promise.all([
      this.store.users.byId(claims.sub),
      this.store.revocations.isRevoked(claims.jti),
    ]);
    if (!user || user.disabled || revoked || claims.iatMs < user.tokensValidAfter) throw unauthenticated();
    return { user, claims };
  }

  async revoke(claims: TokenClaims): Promise<void> {
    await this.store.revocations.revoke(claims.jti, claims.exp * 1000);
  }
}
