/**
 * Personal access tokens, for git over HTTP (and scripts): `gp_` + 40 random characters, shown
 * once; only a sha256 of the secret is stored, so a leaked database does not leak tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import type { AccessTokenRecord, Store } from '../storage/types.js';

export const ACCESS_TOKEN_RE = /^gp_[A-Za-z0-9_-]{40}$/;
const MAX_TOKENS_PER_USER = 100;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function publicToken(t: AccessTokenRecord) {
  return { id: t.id, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt };
}

export async function createAccessToken(store: Store, userId: string, name: string) {
  if ((await store.accessTokens.listForUser(userId)).length >= MAX_TOKENS_PER_USER) {
    throw new AppError('ERR_CONFLICT', `You have ${MAX_TOKENS_PER_USER} tokens: delete one first.`);
  }
  const secret = `gp_${randomBytes(30).toString('base64url')}`;
  const record: AccessTokenRecord = {
    id: randomBytes(8).toString('hex'),
    userId,
    name,
    secretHash: hashSecret(secret),
    createdAt: Date.now(),
    lastUsedAt: null,
  };
  await store.accessTokens.create(record);
  return { ...publicToken(record), token: secret };
}

/** The user id a token secret belongs to, or null. Records when it was last used. */
export async function verifyAccessToken(
  store: Store,
  secret: string,
  username: string,
): Promise<string | null> {
  if (!ACCESS_TOKEN_RE.test(secret)) return null;
  const record = await store.accessTokens.bySecretHash(hashSecret(secret));
  if (!record) return null;
  const user = await store.users.byId(record.userId);
  // The username in the URL must be the token's owner: a token does not lend its rights to a name.
  if (!user || user.disabled || user.username !== username) return null;
  await store.accessTokens.touch(record.id, Date.now());
  return user.id;
}
