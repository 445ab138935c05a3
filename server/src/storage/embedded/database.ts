/**
 * Opens the embedded store's SQLite file with the pragmas its durability argument relies on, and
 * brings its schema up to date.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

/** How hard a commit waits for the disk. */
export type Durability =
  /**
   * WAL + synchronous=NORMAL: a committed transaction survives the process being killed
   * (SIGKILL, OOM, crash), since it sits in the WAL in the OS page cache; a power cut may lose the
   * last few transactions but never corrupts the file. The default: one fsync per checkpoint, not
   * per op.
   */
  | 'process'
  /** WAL + synchronous=FULL: also survives a power cut, at one fsync per transaction. */
  | 'power';

export interface OpenDatabaseOptions {
  durability?: Durability;
  /** Defaults to MIGRATIONS; tests pass a prefix to exercise upgrades. */
  migrations?: readonly Migration[];
}

/** Opens (creating if needed) `filename`, sets WAL and friends, and runs pending migrations. */
export function openDatabase(filename: string, options: OpenDatabaseOptions = {}): Database {
  const db = new BetterSqlite3(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    // One server process owns the file, but a backup tool or the sqlite3 CLI may hold a lock briefly.
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Runs the migrations `db` has not seen yet; refuses a database written by a newer Gitpad. */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The database schema is version ${current} but this Gitpad knows only ${migrations.length}: ` +
        'it was written by a newer version. Upgrade Gitpad or restore a backup.',
    );
  }
  for (let i = current; i < migrations.length; i++) {
    const migration = migrations[i]!;
    db.transaction(() => {
      migration.up(db);
      // pragma arguments cannot be bound; i is a number we control.
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
