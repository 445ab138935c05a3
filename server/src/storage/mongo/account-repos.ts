/** Accounts in MongoDB: users (the first admin wins a claim document), revoked tokens, settings, personal access tokens. */
import { AppError } from '../../errors/app-error.js';
import type {
  AccessTokenRecord,
  AccessTokenRepo,
  RevocationRepo,
  SettingsRepo,
  UserRecord,
  UserRepo,
} from '../types.js';

import { type AccessTokenDoc, type AppCollections, isDuplicateKey, type UserDoc } from './collections.js';

// Accounts made before git identities (or disabling, or directories) existed lack those fields:
// they read as the defaults, which is the migration (no rewrite of old documents needed).
const toUser = ({ _id, ...rest }: UserDoc): UserRecord => ({
  id: _id,
  ...rest,
  gitName: rest.gitName ?? null,
  gitEmail: rest.gitEmail ?? null,
  disabled: rest.disabled ?? false,
  source: rest.source ?? 'local',
  externalId: rest.externalId ?? null,
});

/** The counters document whose insert makes its inserter the admin; never deleted. */
const ADMIN_CLAIM = 'first-admin';

/** Users; a unique index enforces the username. */
export function userRepo(c: AppCollections): UserRepo {
  return {
    async create(user) {
      const { id, ...given } = user;
      const rest = { ...given, source: given.source ?? 'local', externalId: given.externalId ?? null };
      // Only someone who saw an empty collection may claim admin; of those, the unique _id of the
      // claim lets exactly one win. A store that already had users never offers the claim.
      const mayClaim = (await c.users.countDocuments({}, { limit: 1 })) === 0;
      try {
        await c.users.insertOne({
          _id: id,
          ...rest,
          isAdmin: false,
          gitName: null,
          gitEmail: null,
          disabled: false,
        });
      } catch (err) {
        // Which index clashed is not reported by every server version: ask instead. (An id
        // clash with a free username is a bug and is rethrown.)
        if (
          isDuplicateKey(err) &&
          (await c.users.countDocuments({ username: user.username }, { limit: 1 })) > 0
        ) {
          throw new AppError('ERR_USERNAME_TAKEN', `The username "${user.username}" is taken.`);
        }
        if (
          isDuplicateKey(err) &&
          rest.externalId !== null &&
          (await c.users.countDocuments({ source: rest.source, externalId: rest.externalId }, { limit: 1 })) >
            0
        ) {
          throw new AppError('ERR_CONFLICT', 'An account for this directory identity exists already.');
        }
        throw err;
      }
      let isAdmin = false;
      if (mayClaim) {
        try {
          await c.counters.insertOne({ _id: ADMIN_CLAIM, seq: 1 });
          isAdmin = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        if (isAdmin) await c.users.updateOne({ _id: id }, { $set: { isAdmin: true } });
      }
      return { id, ...rest, isAdmin, gitName: null, gitEmail: null, disabled: false };
    },
    async byId(id) {
      const doc = await c.users.findOne({ _id: id });
      return doc ? toUser(doc) : null;
    },
    async byUsername(username) {
      const doc = await c.users.findOne({ username });
      return doc ? toUser(doc) : null;
    },
    async byExternalId(source, externalId) {
      const doc = await c.users.findOne({ source, externalId });
      return doc ? toUser(doc) : null;
    },
    async count() {
      return c.users.countDocuments();
    },
    async list() {
      return (await c.users.find().sort({ username: 1 }).toArray()).map(toUser);
    },
    async update(id, patch) {
      const set: Partial<UserDoc> = {};
      if (patch.displayName !== undefined) set.displayName = patch.displayName;
      if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
      if (patch.tokensValidAfter !== undefined) set.tokensValidAfter = patch.tokensValidAfter;
      if (patch.isAdmin !== undefined) set.isAdmin = patch.isAdmin;
      if (patch.disabled !== undefined) set.disabled = patch.disabled;
      if (patch.gitName !== undefined) set.gitName = patch.gitName;
      if (patch.gitEmail !== undefined) set.gitEmail = patch.gitEmail;
      if (Object.keys(set).length) await c.users.updateOne({ _id: id }, { $set: set });
    },
  };
}

/** Revoked JWT ids. */
export function revocationRepo(c: AppCollections): RevocationRepo {
  return {
    async revoke(jti, expiresAt) {
      await c.revocations.updateOne({ _id: jti }, { $max: { expiresAt } }, { upsert: true });
    },
    async isRevoked(jti) {
      return (await c.revocations.countDocuments({ _id: jti }, { limit: 1 })) > 0;
    },
    async prune(now) {
      await c.revocations.deleteMany({ expiresAt: { $lte: now } });
    },
  };
}

/** Server-wide key/value settings. */
export function settingsRepo(c: AppCollections): SettingsRepo {
  return {
    async get(key) {
      return (await c.settings.findOne({ _id: key }))?.value ?? null;
    },
    async set(key, value) {
      await c.settings.updateOne({ _id: key }, { $set: { value } }, { upsert: true });
    },
  };
}

const toAccessToken = ({ _id, ...rest }: AccessTokenDoc): AccessTokenRecord => ({ id: _id, ...rest });

/** Personal access tokens. */
export function accessTokenRepo(c: AppCollections): AccessTokenRepo {
  return {
    async create(token) {
      const { id, ...rest } = token;
      await c.accessTokens.insertOne({ _id: id, ...rest });
    },
    async listForUser(userId) {
      const docs = await c.accessTokens.find({ userId }).sort({ createdAt: -1, _id: -1 }).toArray();
      return docs.map(toAccessToken);
    },
    async bySecretHash(secretHash) {
      const doc = await c.accessTokens.findOne({ secretHash });
      return doc ? toAccessToken(doc) : null;
    },
    async touch(id, at) {
      await c.accessTokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    },
    async delete(userId, id) {
      return (await c.accessTokens.deleteOne({ _id: id, userId })).deletedCount > 0;
    },
  };
}
