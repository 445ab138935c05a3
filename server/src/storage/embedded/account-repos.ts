/**
 * The embedded store's per-user tables: users, token revocations, personal access tokens, and
 * the server's settings. Plain SQL over the shared better-sqlite3 connection; each method is one
 * statement, so each is atomic on its own.
 */
import type { Database } from 'better-sqlite3';
import { AppError } from '../../errors/app-error.js';
import type {
  AccessTokenRecord,
  AccessTokenRepo,
  RevocationRepo,
  SettingsRepo,
  UserRecord,
  UserRepo,
  UserSource,
} from '../types.js';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  is_admin: number;
  created_at: number;
  tokens_valid_after: number;
  git_name: string | null;
  git_email: string | null;
  disabled: number;
  source: UserSource;
  external_id: string | null;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  isAdmin: r.is_admin === 1,
  createdAt: r.created_at,
  tokensValidAfter: r.tokens_valid_after,
  gitName: r.git_name,
  gitEmail: r.git_email,
  disabled: r.disabled === 1,
  source: r.source,
  externalId: r.external_id,
});

/** Users; usernames are unique as stored (validation already makes them lowercase). */
export function userRepo(db: Database): UserRepo {
  // One statement decides isAdmin and inserts: the first account of an empty table is the admin.
  const insert = db
    .prepare<[Record<string, unknown>], number>(
      `INSERT INTO users (id, username, display_name, password_hash, is_admin, created_at, tokens_valid_after,
                          source, external_id)
       SELECT @id, @username, @displayName, @passwordHash, NOT EXISTS (SELECT 1 FROM users), @createdAt,
              @tokensValidAfter, @source, @externalId
       WHERE true
       ON CONFLICT (username) DO NOTHING
       RETURNING is_admin`,
    )
    .pluck();
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  const byExternalId = db.prepare<[string, string], UserRow>(
    'SELECT * FROM users WHERE source = ? AND external_id = ?',
  );
  const count = db.prepare<[], number>('SELECT COUNT(*) FROM users').pluck();
  const list = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
  // Patch columns are a fixed set, so one statement: a NULL parameter keeps the current value.
  const update = db.prepare(
    `UPDATE users SET
       display_name = COALESCE(@displayName, display_name),
       password_hash = COALESCE(@passwordHash, password_hash),
       tokens_valid_after = COALESCE(@tokensValidAfter, tokens_valid_after),
       is_admin = COALESCE(@isAdmin, is_admin),
       disabled = COALESCE(@disabled, disabled),
       -- null is a value here (back to the default), so a flag says whether to set it.
       git_name = CASE WHEN @setGitName THEN @gitName ELSE git_name END,
       git_email = CASE WHEN @setGitEmail THEN @gitEmail ELSE git_email END
     WHERE id = @id`,
  );
  return {
    async create(user) {
      const record = {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
        tokensValidAfter: user.tokensValidAfter,
        source: user.source ?? 'local',
        externalId: user.externalId ?? null,
      };
      let isAdmin: number | undefined;
      try {
        isAdmin = insert.get(record);
      } catch (err) {
        // The partial unique index on (source, external_id): the directory's person has an account.
        if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && record.externalId !== null)
          throw new AppError('ERR_CONFLICT', 'An account for this directory identity exists already.');
        throw err;
      }
      // ON CONFLICT on the username alone: an id clash is a bug and still throws.
      if (isAdmin === undefined) {
        throw new AppError('ERR_USERNAME_TAKEN', `The username "${user.username}" is taken.`);
      }
      return { ...record, isAdmin: isAdmin === 1, gitName: null, gitEmail: null, disabled: false };
    },
    async byId(id) {
      const row = byId.get(id);
      return row ? toUser(row) : null;
    },
    async byUsername(username) {
      const row = byUsername.get(username);
      return row ? toUser(row) : null;
    },
    async byExternalId(source, externalId) {
      const row = byExternalId.get(source, externalId);
      return row ? toUser(row) : null;
    },
    async count() {
      return count.get() ?? 0;
    },
    async list() {
      return list.all().map(toUser);
    },
    async update(id, patch) {
      update.run({
        id,
        displayName: patch.displayName ?? null,
        passwordHash: patch.passwordHash ?? null,
        tokensValidAfter: patch.tokensValidAfter ?? null,
        isAdmin: patch.isAdmin === undefined ? null : patch.isAdmin ? 1 : 0,
        disabled: patch.disabled === undefined ? null : patch.disabled ? 1 : 0,
        setGitName: patch.gitName === undefined ? 0 : 1,
        gitName: patch.gitName ?? null,
        setGitEmail: patch.gitEmail === undefined ? 0 : 1,
        gitEmail: patch.gitEmail ?? null,
      });
    },
  };
}

/** Revoked JWT ids, kept until the token would have expired anyway. */
export function revocationRepo(db: Database): RevocationRepo {
  const revoke = db.prepare<[string, number]>(
    `INSERT INTO revocations (jti, expires_at) VALUES (?, ?)
     ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
  );
  const exists = db.prepare<[string], number>('SELECT 1 FROM revocations WHERE jti = ?').pluck();
  const prune = db.prepare<[number]>('DELETE FROM revocations WHERE expires_at <= ?');
  return {
    async revoke(jti, expiresAt) {
      revoke.run(jti, expiresAt);
    },
    async isRevoked(jti) {
      return exists.get(jti) !== undefined;
    },
    async prune(now) {
      prune.run(now);
    },
  };
}

/** Server-wide key/value settings (e.g. whether registration is open). */
export function settingsRepo(db: Database): SettingsRepo {
  const get = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
  const set = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    async get(key) {
      return get.get(key) ?? null;
    },
    async set(key, value) {
      set.run(key, value);
    },
  };
}

interface AccessTokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
}

const toAccessToken = (r: AccessTokenRow): AccessTokenRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

/** Personal access tokens (for git clone and scripts); only the secret's hash is stored. */
export function accessTokenRepo(db: Database): AccessTokenRepo {
  const insert = db.prepare(
    `INSERT INTO access_tokens (id, user_id, name, secret_hash, created_at, last_used_at)
     VALUES (@id, @userId, @name, @secretHash, @createdAt, @lastUsedAt)`,
  );
  const list = db.prepare<[string], AccessTokenRow>(
    'SELECT * FROM access_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC',
  );
  const bySecretHash = db.prepare<[string], AccessTokenRow>(
    'SELECT * FROM access_tokens WHERE secret_hash = ?',
  );
  const touch = db.prepare<[number, string]>('UPDATE access_tokens SET last_used_at = ? WHERE id = ?');
  const remove = db.prepare<[string, string]>('DELETE FROM access_tokens WHERE user_id = ? AND id = ?');
  return {
    async create(token) {
      insert.run(token);
    },
    async listForUser(userId) {
      return list.all(userId).map(toAccessToken);
    },
    async bySecretHash(secretHash) {
      const row = bySecretHash.get(secretHash);
      return row ? toAccessToken(row) : null;
    },
    async touch(id, at) {
      touch.run(at, id);
    },
    async delete(userId, id) {
      return remove.run(userId, id).changes > 0;
    },
  };
}
