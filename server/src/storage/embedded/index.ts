/**
 * The embedded store: everything in one SQLite file, `<dataDir>/gitpad.sqlite`, shared by the
 * ShareDB adapter and the app tables. The default store; one server process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from '../../log/index.js';
import type { Store } from '../types.js';
import { accessTokenRepo, revocationRepo, settingsRepo, userRepo } from './account-repos.js';
import { activityRepo, mentionRepo } from './activity-repos.js';
import { startCheckpointer } from './checkpointer.js';
import { type Durability, openDatabase } from './database.js';
import { liveCommentRepo } from './live-comments.js';
import { chatRepo, inviteRepo, memberRepo, sessionRepo } from './session-repos.js';
import { SqliteShareDB, type SqliteShareDBOptions } from './sharedb-sqlite.js';

export interface EmbeddedStoreOptions {
  /** Created if missing; the database is `<dataDir>/gitpad.sqlite` (plus its -wal and -shm files). */
  dataDir: string;
  /** See `Durability`; default 'process' (survives a killed process, not necessarily a power cut). */
  durability?: Durability;
  /** Tuning of the document cache and write-back; see `SqliteShareDBOptions`. */
  sharedb?: Omit<SqliteShareDBOptions, 'database' | 'filename' | 'durability' | 'logger'>;
  logger?: Logger;
}

/** The file name of the embedded database inside the data dir. */
export const EMBEDDED_DB_FILE = 'gitpad.sqlite';

/** Opens (creating and migrating as needed) the embedded store. */
export async function createEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, EMBEDDED_DB_FILE);
  const db = openDatabase(file, { durability: options.durability });
  let sharedb: SqliteShareDB;
  try {
    sharedb = new SqliteShareDB({ ...options.sharedb, database: db, logger: options.logger });
  } catch (err) {
    db.close();
    throw err;
  }
  // WAL checkpoints (copying pages into the file, two fsyncs) in a worker, not inside an edit's commit.
  const checkpointer = startCheckpointer(db, file, options.logger ?? createLogger('warn'));
  let closed = false;
  return {
    kind: 'embedded',
    sharedb,
    users: userRepo(db),
    sessions: sessionRepo(db),
    members: memberRepo(db),
    revocations: revocationRepo(db),
    settings: settingsRepo(db),
    chat: chatRepo(db),
    accessTokens: accessTokenRepo(db),
    invites: inviteRepo(db),
    activity: activityRepo(db),
    mentions: mentionRepo(db),
    liveComments: liveCommentRepo(db),
    async compactOps(collection, id, uptoVersion) {
      return sharedb.compactOps(collection, id, uptoVersion);
    },
    async close() {
      if (closed) return;
      closed = true;
      // The adapter first: it writes its cached snapshots back through this connection.
      try {
        await new Promise<void>((resolve, reject) => sharedb.close((err) => (err ? reject(err) : resolve())));
      } finally {
        // The worker's connection first, so this one is the last and checkpoints the WAL away.
        await checkpointer.stop();
      }
      db.close();
    },
  };
}
