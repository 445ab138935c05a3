/**
 * The embedded store's schema, as an append-only list of migrations. The database's
 * `user_version` pragma records how many have run; `openDatabase` runs the rest, each in its own
 * transaction. Never edit a migration that has shipped: append a new one.
 */
import type { Database } from 'better-sqlite3';

/** One schema step; `up` runs inside a transaction. */
export interface Migration {
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'sharedb documents and ops',
    up(db) {
      db.exec(`
        -- The op log is the durable truth: one row per committed op, written synchronously at commit.
        -- op is the whole ShareDB op as JSON (v, src, seq, create/op/del, m); src and seq are copied
        -- out so getCommittedOpVersion can find a resubmitted op without parsing every row.
        CREATE TABLE ops (
          collection TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          v INTEGER NOT NULL,
          src TEXT,
          seq INTEGER,
          op TEXT NOT NULL,
          PRIMARY KEY (collection, doc_id, v)
        ) WITHOUT ROWID;

        -- Snapshots are a cache of the op log, written back in batches; a row may be behind the
        -- op log after a crash and is then rebuilt by replaying ops. type NULL: deleted.
        CREATE TABLE snapshots (
          collection TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          type TEXT,
          v INTEGER NOT NULL,
          data TEXT,
          m TEXT,
          PRIMARY KEY (collection, doc_id)
        );

        -- Documents whose snapshot row may be behind the op log (marked in the same transaction
        -- as their first unflushed op, cleared when the snapshot is written): recovery at open
        -- replays these and nothing else.
        CREATE TABLE snapshots_behind (
          collection TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          PRIMARY KEY (collection, doc_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    name: 'app tables',
    up(db) {
      db.exec(`
        CREATE TABLE users (
          id TEXT PRIMARY KEY,
          username TEXT NOT NULL UNIQUE,
          display_name TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          is_admin INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          tokens_valid_after INTEGER NOT NULL
        );

        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );

        CREATE TABLE members (
          session_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'commenter', 'viewer')),
          added_at INTEGER NOT NULL,
          PRIMARY KEY (session_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX members_by_user ON members (user_id);

        CREATE TABLE revocations (
          jti TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX revocations_by_expiry ON revocations (expires_at);

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;

        -- AUTOINCREMENT: ids are never reused, even after a session's chat is deleted, so a page
        -- cursor (before = id) stays meaningful.
        CREATE TABLE chat (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          text TEXT NOT NULL,
          ts INTEGER NOT NULL
        );
        CREATE INDEX chat_by_session ON chat (session_id, id);

        CREATE TABLE access_tokens (
          id TEXT PRIMARY KEY,
          user_id TEXT NOT NULL,
          name TEXT NOT NULL,
          secret_hash TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL,
          last_used_at INTEGER
        );
        CREATE INDEX access_tokens_by_user ON access_tokens (user_id);

        CREATE TABLE invites (
          token TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'commenter', 'viewer')),
          created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER,
          max_uses INTEGER,
          uses INTEGER NOT NULL DEFAULT 0,
          revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX invites_by_session ON invites (session_id);
      `);
    },
  },
  {
    name: 'member cuts',
    up(db) {
      db.exec(`
        -- When a member's access to a session was last taken away (role lowered or removed), so an
        -- invitation made before that cannot give it back. Written in the same transaction as the
        -- membership change; deleted with the session.
        CREATE TABLE member_cuts (
          session_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          PRIMARY KEY (session_id, user_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    name: 'git identity',
    up(db) {
      db.exec(`
        -- The name and e-mail on a user's commits when they chose their own (NULL: the defaults,
        -- their display name and <username>@<GIT_EMAIL_DOMAIN>).
        ALTER TABLE users ADD COLUMN git_name TEXT;
        ALTER TABLE users ADD COLUMN git_email TEXT;
      `);
    },
  },
  {
    name: 'disabled accounts',
    up(db) {
      db.exec(`
        -- 1: the admin disabled the account (no sign-in, no tokens, no git).
        ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    name: 'account sources',
    up(db) {
      db.exec(`
        -- Who vouches for the account: 'local' (a password here) or a directory ('ldap', 'oidc')
        -- with its stable id for the person. Existing accounts are local.
        ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local'
          CHECK (source IN ('local', 'ldap', 'oidc'));
        ALTER TABLE users ADD COLUMN external_id TEXT;
        CREATE UNIQUE INDEX users_by_external_id ON users (source, external_id)
          WHERE external_id IS NOT NULL;
      `);
    },
  },
  {
    name: 'activity and mentions',
    up(db) {
      db.exec(`
        -- What happened to people's work in a session (deletes, reverts, moves, role changes…), the
        -- session:event as sent, as JSON; bounded per session; deleted with the session.
        CREATE TABLE activity (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL,
          event TEXT NOT NULL,
          ts INTEGER NOT NULL
        );
        CREATE INDEX activity_by_session ON activity (session_id, id);

        -- @mentions of a user in a session's chat or comments; read_at NULL while unread; bounded
        -- per user; deleted with the session.
        CREATE TABLE mentions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          user_id TEXT NOT NULL,
          session_id TEXT NOT NULL,
          by_user_id TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('chat', 'comment')),
          ref TEXT NOT NULL,
          text TEXT NOT NULL,
          ts INTEGER NOT NULL,
          read_at INTEGER
        );
        CREATE INDEX mentions_by_user ON mentions (user_id, id);
        CREATE INDEX mentions_by_session ON mentions (session_id);
      `);
    },
  },
  {
    name: 'live comments',
    up(db) {
      db.exec(`
        -- Comment threads on the live text of files (comments/service.ts): the record as JSON
        -- (LiveThreadRecord), keyed for listing a session's or a file's threads in order.
        CREATE TABLE live_comments (
          id TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          file_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          data TEXT NOT NULL
        );
        CREATE INDEX live_comments_by_file ON live_comments (session_id, file_id, created_at);
      `);
    },
  },
];
