/**
 * ShareDB's database adapter for the embedded store: documents and ops in SQLite.
 *
 * The op log is the durable truth. `commit` inserts the op in its own transaction before it
 * reports success, so an acknowledged op survives the process being killed (see `Durability`).
 * Snapshots are a cache of the op log: hot documents live in memory and are written back in
 * batches (on a timer, after a number of ops, on `flush` and on `close`), so an edit to a big
 * file costs the op, not a rewrite of the file. A snapshot row that is behind its op log (a crash
 * between write-backs) is rebuilt by replaying the missing ops with the document's OT type:
 * eagerly at open for the documents marked in `snapshots_behind`, and lazily whenever a row is
 * read, so the rebuild never depends on the marker alone.
 *
 * Creates and deletes write their snapshot row synchronously with the op: they change a
 * document's type, which replay needs, and they are rare.
 *
 * The cache never lends out an object it keeps: snapshots are copied on the way out
 * (`getSnapshot`, `query`) and on the way in (`commit`), because OT types such as json0 apply
 * ops in place. The copy shares strings (`cloneJson`), so it is cheap even for a 1 MB file.
 *
 * Queries: the MongoDB-like subset described in `snapshot-query.ts`, evaluated over a
 * collection's snapshots in JavaScript (O(collection) per query; ShareDB re-checks filter-only
 * subscriptions one document at a time through `queryPollDoc`).
 *
 * One process only: the cache assumes no one else writes the file.
 */
import { createRequire } from 'node:module';
import type { Database } from 'better-sqlite3';
import { isStorageFull, storageFull } from '../../errors/app-error.js';
import { createLogger, type Logger } from '../../log/index.js';
import { type Durability, openDatabase } from './database.js';
import { cloneJson } from './json-clone.js';
import { isDocLocal, matchesFilter, parseQuery, runQuery } from './snapshot-query.js';

const require = createRequire(import.meta.url);

// sharedb ships no typings for these internals; the shapes used here are stable since sharedb 1.
type ShareDBErrorCtor = new (code: string, message: string) => Error & { code: string };
const ShareDBDB = require('sharedb/lib/db/index.js') as new (options?: { pollDebounce?: number }) => object;
const ShareDBError = require('sharedb/lib/error.js') as ShareDBErrorCtor;
const SnapshotCtor = require('sharedb/lib/snapshot.js') as new (
  id: string,
  v: number,
  type: string | null,
  data: unknown,
  m: Metadata | null,
) => Snapshot;
const ot = require('sharedb/lib/ot.js') as { apply(snapshot: object, op: StoredOp): Error | undefined };

type Metadata = Record<string, unknown>;

/** A ShareDB snapshot as the adapter exchanges it with ShareDB. */
export interface Snapshot {
  id: string;
  v: number;
  type: string | null;
  data: unknown;
  m: Metadata | null;
}

/** A ShareDB op as stored: everything ShareDB needs to transform, resend or replay it. */
export interface StoredOp {
  v: number;
  src?: string;
  seq?: number;
  create?: { type: string; data?: unknown };
  op?: unknown;
  del?: boolean;
  m?: Metadata;
}

type Callback<T> = (err: Error | null, result?: T, extra?: unknown) => void;

interface ReadOptions {
  metadata?: boolean;
}

/** A document's current state, in memory. */
interface CachedDoc {
  readonly collection: string;
  readonly id: string;
  type: string | null;
  v: number;
  data: unknown;
  m: Metadata | null;
  /** Version of the snapshot row on disk: the doc needs writing back while it is below `v`. */
  storedV: number;
  /**
   * The JSON of the ops this process committed most recently, versions `recentFrom` to `v - 1`:
   * a submit from a client behind is transformed against exactly these, so they are read from
   * here rather than from the file.
   */
  recent: string[];
  /**
   * The same ops parsed, filled in as they are first read: in a crowd, every op is read by
   * dozens of submits that arrive behind it. Never handed out; readers get shallow copies
   * (ShareDB deletes `m` from the ops it reads).
   */
  recentParsed: Array<StoredOp | undefined>;
  recentFrom: number;
  /**
   * How far behind the current version reads of this document have reached lately: the window
   * keeps at least twice that (within RECENT_MIN..RECENT_MAX), so a crowd whose submits arrive
   * hundreds of versions behind reads no rows, and a quiet document holds little.
   */
  reach: number;
}

/** Fewest and most recent ops a cached document keeps (up to twice as many between trims). */
const RECENT_MIN = 32;
const RECENT_MAX = 2048;

/** Forgets a cached document's recent ops below `version`. */
function dropRecentBelow(doc: CachedDoc, version: number): void {
  if (version <= doc.recentFrom) return;
  const n = Math.min(version - doc.recentFrom, doc.recent.length);
  doc.recent = doc.recent.slice(n);
  doc.recentParsed = doc.recentParsed.slice(n);
  doc.recentFrom += n;
}

/** A copy of a stored op that its reader may change (the components are shared and never changed). */
function copyOp(op: StoredOp, withMeta: boolean): StoredOp {
  const { m, ...copy } = op;
  if (withMeta && m) (copy as StoredOp).m = { ...m };
  return copy;
}

interface SnapshotRow {
  doc_id: string;
  type: string | null;
  v: number;
  data: string | null;
  m: string | null;
}

export interface SqliteShareDBOptions {
  /**
   * A database opened with `openDatabase` and shared with the app tables; its owner closes it
   * after closing the adapter. Give either this or `filename`.
   */
  database?: Database;
  /** A file to open (':memory:' in tests); the adapter then owns the connection and closes it. */
  filename?: string;
  /** With `filename`: see `Durability`. Default 'process'. */
  durability?: Durability;
  /** Write dirty snapshots back at most this long after their first unwritten op, ms. Default 2000. */
  flushIntervalMs?: number;
  /**
   * …or as soon as this many ops have been committed since the last write-back. Default 10000:
   * a write-back rewrites each dirty document whole (a 1 MB file is 256 pages, and as many again
   * when SQLite checkpoints them), so under steady typing the timer, not the count, should set
   * the pace; the count only bounds what a restart after a crash replays (~10000 ops, tens of ms).
   */
  flushAfterOps?: number;
  /** Documents kept in memory; only written-back ones are evicted, least recently used first. Default 1000. */
  maxCachedDocs?: number;
  /**
   * `compactOps` keeps at least this many recent ops per document, so that a client that was
   * offline for a while can still catch up (and keep its unsent edits) instead of reloading.
   * Default 10000 (hours of one person typing).
   */
  retainOps?: number;
  /** ShareDB's minimum time between polls of one query, ms. */
  pollDebounce?: number;
  /** Where background failures (a write-back, a rebuild at open) are reported. Default: stderr. */
  logger?: Logger;
}

/** An `ops` row: collection, doc_id, v, src, seq, op JSON. */
type OpRow = readonly [string, string, number, string | null, number | null, string];
/** A `snapshots` row: collection, doc_id, type, v, data JSON, metadata JSON. */
type SnapshotWrite = readonly [string, string, string | null, number, string | null, string | null];

const key = (collection: string, id: string) => `${collection}\u0000${id}`;

/** ShareDB DB adapter on better-sqlite3. See the module comment for the design. */
export class SqliteShareDB extends ShareDBDB {
  /** The connection; shared with the app tables when created by the embedded store. */
  readonly database: Database;
  private readonly ownsDatabase: boolean;
  private readonly flushIntervalMs: number;
  private readonly flushAfterOps: number;
  private readonly maxCachedDocs: number;
  private readonly retainOps: number;
  private readonly logger: Logger;
  /** Insertion order is recency order: a hit is re-inserted at the end. */
  private readonly cache = new Map<string, CachedDoc>();
  /** Docs whose snapshot row is behind their op log. */
  private readonly dirty = new Set<CachedDoc>();
  private opsSinceFlush = 0;
  /** The last timed write-back failed (e.g. a full disk): retry on the interval, not at once. */
  private flushFailing = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushSoon = false;
  private closed = false;
  private readonly sql;
  /** Commits an op that creates, deletes or retypes its document, with the snapshot. */
  private readonly commitWithSnapshot: (insert: OpRow, row: SnapshotWrite) => void;
  /** Commits the first op a stored snapshot does not cover, recording that it is behind. */
  private readonly commitMarkingBehind: (insert: OpRow) => void;

  constructor(options: SqliteShareDBOptions) {
    super({ pollDebounce: options.pollDebounce });
    if (options.database) {
      this.database = options.database;
      this.ownsDatabase = false;
    } else if (options.filename) {
      this.database = openDatabase(options.filename, { durability: options.durability ?? 'process' });
      this.ownsDatabase = true;
    } else {
      throw new Error('SqliteShareDB needs a database or a filename');
    }
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.flushAfterOps = options.flushAfterOps ?? 10000;
    this.maxCachedDocs = options.maxCachedDocs ?? 1000;
    this.retainOps = options.retainOps ?? 10000;
    this.logger = options.logger ?? createLogger('warn');

    const db = this.database;
    this.sql = {
      snapshot: db.prepare<[string, string], Omit<SnapshotRow, 'doc_id'>>(
        'SELECT type, v, data, m FROM snapshots WHERE collection = ? AND doc_id = ?',
      ),
      snapshotVersion: db
        .prepare<[string, string], number>('SELECT v FROM snapshots WHERE collection = ? AND doc_id = ?')
        .pluck(),
      collectionSnapshots: db.prepare<[string], SnapshotRow>(
        'SELECT doc_id, type, v, data, m FROM snapshots WHERE collection = ? AND type IS NOT NULL',
      ),
      upsertSnapshot: db.prepare<[string, string, string | null, number, string | null, string | null]>(
        `INSERT INTO snapshots (collection, doc_id, type, v, data, m) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection, doc_id) DO UPDATE
         SET type = excluded.type, v = excluded.v, data = excluded.data, m = excluded.m`,
      ),
      maxOpVersion: db
        .prepare<[string, string], number | null>(
          'SELECT MAX(v) FROM ops WHERE collection = ? AND doc_id = ?',
        )
        .pluck(),
      ops: db
        .prepare<[string, string, number, number], string>(
          'SELECT op FROM ops WHERE collection = ? AND doc_id = ? AND v >= ? AND v < ? ORDER BY v',
        )
        .pluck(),
      insertOp: db.prepare<[string, string, number, string | null, number | null, string]>(
        'INSERT INTO ops (collection, doc_id, v, src, seq, op) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      committedVersion: db
        .prepare<[string, string, string, number, number], number>(
          `SELECT v FROM ops WHERE collection = ? AND doc_id = ? AND src = ? AND seq = ? AND v < ?
           ORDER BY v DESC LIMIT 1`,
        )
        .pluck(),
      deleteOpsBelow: db.prepare<[string, string, number]>(
        'DELETE FROM ops WHERE collection = ? AND doc_id = ? AND v < ?',
      ),
      markBehind: db.prepare<[string, string]>(
        'INSERT OR IGNORE INTO snapshots_behind (collection, doc_id) VALUES (?, ?)',
      ),
      clearBehind: db.prepare<[string, string]>(
        'DELETE FROM snapshots_behind WHERE collection = ? AND doc_id = ?',
      ),
      listBehind: db.prepare<[], { collection: string; doc_id: string }>(
        'SELECT collection, doc_id FROM snapshots_behind',
      ),
    };
    const { insertOp, upsertSnapshot, clearBehind, markBehind } = this.sql;
    // Prepared once: better-sqlite3 builds a wrapper per transaction() call.
    this.commitWithSnapshot = db.transaction((insert: OpRow, row: SnapshotWrite) => {
      insertOp.run(...insert);
      upsertSnapshot.run(...row);
      clearBehind.run(row[0], row[1]);
    });
    this.commitMarkingBehind = db.transaction((insert: OpRow) => {
      insertOp.run(...insert);
      markBehind.run(insert[0], insert[1]);
    });
    this.recover();
  }

  // ---- ShareDB DB interface ----------------------------------------------------------------

  /** Writes back every dirty snapshot; closes the connection when the adapter opened it. Idempotent. */
  close(callback?: (err?: Error | null) => void): void {
    let error: Error | null = null;
    if (!this.closed) {
      try {
        this.flush();
      } catch (err) {
        error = err as Error;
      }
      this.closed = true;
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      if (this.ownsDatabase) this.database.close();
    }
    if (callback) process.nextTick(callback, error);
  }

  /**
   * Stores `op` (version `snapshot.v - 1`) and the resulting `snapshot`; calls back `false`,
   * storing nothing, when the document is no longer at `snapshot.v - 1` (a concurrent commit won).
   */
  commit(
    collection: string,
    id: string,
    op: StoredOp,
    snapshot: Omit<Snapshot, 'id'>,
    _options: unknown,
    callback: Callback<boolean>,
  ): void {
    this.run(callback, () => this.commitSync(collection, id, op, snapshot));
  }

  /** The current snapshot; metadata only with `fields.$submit` or `options.metadata`, like MemoryDB. */
  getSnapshot(
    collection: string,
    id: string,
    fields: Record<string, unknown> | null,
    options: ReadOptions | null,
    callback: Callback<Snapshot>,
  ): void {
    const withMeta = Boolean(fields?.$submit || options?.metadata);
    this.run(callback, () => this.toSnapshot(this.load(collection, id), withMeta));
  }

  getSnapshotBulk(
    collection: string,
    ids: string[],
    fields: Record<string, unknown> | null,
    options: ReadOptions | null,
    callback: Callback<Record<string, Snapshot>>,
  ): void {
    const withMeta = Boolean(fields?.$submit || options?.metadata);
    this.run(callback, () => {
      const results: Record<string, Snapshot> = Object.create(null);
      for (const id of ids) results[id] = this.toSnapshot(this.load(collection, id), withMeta);
      return results;
    });
  }

  /** Ops with versions in [from, to); `to` null: up to the current version. Errors when any is missing. */
  getOps(
    collection: string,
    id: string,
    from: number | null,
    to: number | null,
    options: ReadOptions | null,
    callback: Callback<StoredOp[]>,
  ): void {
    this.run(callback, () => this.readOps(collection, id, from, to, Boolean(options?.metadata)));
  }

  getOpsBulk(
    collection: string,
    fromMap: Record<string, number | null>,
    toMap: Record<string, number | null> | null,
    options: ReadOptions | null,
    callback: Callback<Record<string, StoredOp[]>>,
  ): void {
    this.run(callback, () => {
      const results: Record<string, StoredOp[]> = Object.create(null);
      for (const id of Object.keys(fromMap)) {
        results[id] = this.readOps(
          collection,
          id,
          fromMap[id] ?? null,
          toMap?.[id] ?? null,
          Boolean(options?.metadata),
        );
      }
      return results;
    });
  }

  /** The version at which an op from `op.src` with `op.seq` was committed, if it was (an indexed lookup, not a scan). */
  getCommittedOpVersion(
    collection: string,
    id: string,
    snapshot: { v: number },
    op: { src?: string; seq?: number },
    _options: unknown,
    callback: Callback<number | undefined>,
  ): void {
    this.run(callback, () => {
      if (op.src == null || op.seq == null) return undefined;
      return this.sql.committedVersion.get(collection, id, op.src, op.seq, snapshot.v) ?? undefined;
    });
  }

  /** Runs a query (see `snapshot-query.ts`); with `$count`, the count is the callback's third argument. */
  query(
    collection: string,
    query: unknown,
    _fields: unknown,
    options: ReadOptions | null,
    callback: Callback<Snapshot[]>,
  ): void {
    const withMeta = Boolean(options?.metadata);
    let extra: number | undefined;
    this.run(
      callback,
      () => {
        const result = runQuery(this.collectionDocs(collection), parseQuery(query));
        extra = result.extra;
        return result.snapshots.map((doc) => this.toSnapshot(doc, withMeta));
      },
      () => extra,
    );
  }

  /** Like `query` but returns ids only, without copying any snapshot. */
  queryPoll(collection: string, query: unknown, _options: unknown, callback: Callback<string[]>): void {
    let extra: number | undefined;
    this.run(
      callback,
      () => {
        const result = runQuery(this.collectionDocs(collection), parseQuery(query));
        extra = result.extra;
        return result.snapshots.map((doc) => doc.id);
      },
      () => extra,
    );
  }

  /** Whether one document matches a query's filter: lets ShareDB re-check a subscription per op. */
  queryPollDoc(
    collection: string,
    id: string,
    query: unknown,
    _options: unknown,
    callback: Callback<boolean>,
  ): void {
    this.run(callback, () => {
      const { filter } = parseQuery(query);
      const doc = this.load(collection, id);
      return doc.type != null && matchesFilter(doc.data, filter);
    });
  }

  /** Per-document polling is exact only when the query has no sort, skip, limit or count. */
  canPollDoc(_collection: string, query: unknown): boolean {
    return isDocLocal(query);
  }

  // ---- Gitpad extensions -------------------------------------------------------------------

  /**
   * Deletes the ops of one document below `uptoVersion` (history lives in git once a commit
   * covers them), but never the last `retainOps` ops, nor any op its stored snapshot does not
   * yet cover (it is written back first). Returns how many ops were deleted. Afterwards,
   * `getOps` from a deleted version fails, as does ShareDB's fetch of a snapshot at an old version.
   */
  compactOps(collection: string, id: string, uptoVersion: number): number {
    this.assertOpen();
    const doc = this.load(collection, id);
    if (doc.storedV < doc.v) this.writeBack([doc]);
    const limit = Math.min(uptoVersion, doc.storedV, doc.v - this.retainOps);
    if (limit <= 0) return 0;
    dropRecentBelow(doc, limit);
    return this.sql.deleteOpsBelow.run(collection, id, limit).changes;
  }

  /** Writes every dirty snapshot back now (also runs on a timer and at close). */
  flush(): void {
    this.assertOpen();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushSoon = false;
    this.writeBack([...this.dirty]);
    this.opsSinceFlush = 0;
    this.evict();
  }

  /** Counters for tests and diagnostics. */
  stats(): { cachedDocs: number; dirtyDocs: number; opsSinceFlush: number } {
    return { cachedDocs: this.cache.size, dirtyDocs: this.dirty.size, opsSinceFlush: this.opsSinceFlush };
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Runs `work` now (SQLite is synchronous) and calls back on the next tick, as ShareDB expects. */
  private run<T>(callback: Callback<T>, work: () => T, extra?: () => unknown): void {
    if (typeof callback !== 'function') throw new Error('Callback required');
    let result: T;
    try {
      this.assertOpen();
      result = work();
    } catch (err) {
      // A full disk reaches the submitting client as ERR_STORAGE_FULL, not an internal error.
      // SQLite rolled the statement back: the op log and the cached snapshot are as before.
      process.nextTick(callback, isStorageFull(err) ? storageFull() : (err as Error));
      return;
    }
    process.nextTick(callback, null, result, extra?.());
  }

  private assertOpen(): void {
    if (this.closed) throw new ShareDBError('ERR_DB_CLOSED', 'The document database is closed');
  }

  private commitSync(collection: string, id: string, op: StoredOp, snapshot: Omit<Snapshot, 'id'>): boolean {
    const doc = this.load(collection, id);
    if (snapshot.v !== doc.v + 1) return false;
    const v = doc.v;
    // Serialize now: ShareDB rewrites the op object (m, c, d) after the commit returns.
    const opJson = JSON.stringify(op.v === v ? op : { ...op, v });
    const type = snapshot.type ?? null;
    const data = cloneJson(snapshot.data);
    const m = cloneJson(snapshot.m ?? null);
    const typeChanges = op.create != null || op.del === true || type !== doc.type;
    try {
      const insert: OpRow = [collection, id, v, op.src ?? null, op.seq ?? null, opJson];
      if (typeChanges) {
        this.commitWithSnapshot(insert, [collection, id, type, snapshot.v, toJson(data), toJson(m)]);
      } else if (doc.storedV === doc.v) {
        this.commitMarkingBehind(insert);
      } else {
        // The hot path (typing into a document whose snapshot is already behind on disk): one
        // statement, its own implicit transaction, no BEGIN/COMMIT round of our own.
        this.sql.insertOp.run(...insert);
      }
    } catch (err) {
      // Someone else wrote this version (another process on the same file, which is not
      // supported): forget what we cached and let ShareDB retry against the file.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        this.forget(doc);
        return false;
      }
      throw err;
    }
    doc.type = type;
    doc.v = snapshot.v;
    doc.data = data;
    doc.m = m;
    doc.recent.push(opJson);
    doc.recentParsed.push(undefined);
    const keep = Math.min(RECENT_MAX, Math.max(RECENT_MIN, 2 * doc.reach));
    if (doc.recent.length >= 2 * keep) {
      dropRecentBelow(doc, doc.v - keep);
      // One deep read (a client back from a long absence) does not hold memory for good.
      doc.reach >>= 1;
    }
    if (typeChanges) {
      doc.storedV = doc.v;
      this.dirty.delete(doc);
    } else {
      this.dirty.add(doc);
      this.opsSinceFlush++;
      this.scheduleFlush();
    }
    return true;
  }

  /** The cached document, loading (and if needed rebuilding) it from the file on a miss. */
  private load(collection: string, id: string): CachedDoc {
    const k = key(collection, id);
    const hit = this.cache.get(k);
    if (hit) {
      this.cache.delete(k);
      this.cache.set(k, hit);
      return hit;
    }
    const row = this.sql.snapshot.get(collection, id);
    const doc: CachedDoc = {
      collection,
      id,
      type: row?.type ?? null,
      v: row?.v ?? 0,
      data: row?.data == null ? undefined : JSON.parse(row.data),
      m: row?.m == null ? null : JSON.parse(row.m),
      storedV: row?.v ?? 0,
      recent: [],
      recentParsed: [],
      // Set below, once the snapshot has caught up with the op log.
      recentFrom: 0,
      reach: 0,
    };
    const maxOp = this.sql.maxOpVersion.get(collection, id);
    if (maxOp != null && maxOp + 1 > doc.v) this.replay(doc, maxOp + 1);
    doc.recentFrom = doc.v;
    // Make room first: evicting after the insert could drop this very doc while the caller
    // (commit) still writes to it, leaving two copies of one document.
    this.evict(1);
    this.cache.set(k, doc);
    if (doc.storedV < doc.v) {
      this.dirty.add(doc);
      this.scheduleFlush();
    }
    return doc;
  }

  /** Brings `doc` from its stored version up to `toV` by applying the logged ops. */
  private replay(doc: CachedDoc, toV: number): void {
    const ops = this.sql.ops
      .all(doc.collection, doc.id, doc.v, toV)
      .map((json) => JSON.parse(json) as StoredOp);
    if (ops.length !== toV - doc.v) {
      throw new ShareDBError(
        'ERR_OPS_MISSING',
        `Cannot rebuild ${doc.collection}/${doc.id}: ops ${doc.v}..${toV - 1} are not all in the log`,
      );
    }
    const snapshot = { v: doc.v, type: doc.type, data: doc.data, m: doc.m };
    for (const op of ops) {
      const err = ot.apply(snapshot, op);
      if (err) {
        throw new ShareDBError(
          'ERR_SNAPSHOT_REBUILD_FAILED',
          `Cannot rebuild ${doc.collection}/${doc.id} at op ${op.v}: ${err.message}`,
        );
      }
      // The metadata ShareDB's SubmitRequest would have put on the snapshot.
      const ts = op.m?.ts;
      if (typeof ts === 'number') {
        const m = snapshot.m ?? {};
        if (op.create) {
          m.ctime = ts;
          m._create = { src: op.src, seq: op.seq, v: op.v };
        }
        m.mtime = ts;
        snapshot.m = m;
      }
    }
    doc.v = snapshot.v;
    doc.type = snapshot.type;
    doc.data = snapshot.data;
    doc.m = snapshot.m;
  }

  private readOps(
    collection: string,
    id: string,
    from: number | null,
    to: number | null,
    withMeta: boolean,
  ): StoredOp[] {
    const start = from ?? 0;
    const end = to ?? this.versionOf(collection, id);
    if (end <= start) return [];
    const cached = this.cache.get(key(collection, id));
    if (cached) cached.reach = Math.max(cached.reach, Math.min(RECENT_MAX, cached.v - start));
    if (cached && start >= cached.recentFrom && end <= cached.v) {
      const ops: StoredOp[] = new Array(end - start);
      for (let i = 0; i < ops.length; i++) {
        const at = start - cached.recentFrom + i;
        let op = cached.recentParsed[at];
        if (op === undefined) {
          op = JSON.parse(cached.recent[at]!) as StoredOp;
          cached.recentParsed[at] = op;
        }
        ops[i] = copyOp(op, withMeta);
      }
      return ops;
    }
    const rows = this.sql.ops.all(collection, id, start, end);
    if (rows.length !== end - start) {
      throw new ShareDBError(
        'ERR_OPS_MISSING',
        `Missing ops: ${collection}/${id} has no ops ${start}..${end - 1} (compacted, or never committed)`,
      );
    }
    return rows.map((json) => {
      const op = JSON.parse(json) as StoredOp;
      if (!withMeta) delete op.m;
      return op;
    });
  }

  /** The current version without loading the snapshot's data. */
  private versionOf(collection: string, id: string): number {
    const hit = this.cache.get(key(collection, id));
    if (hit) return hit.v;
    const stored = this.sql.snapshotVersion.get(collection, id) ?? 0;
    const maxOp = this.sql.maxOpVersion.get(collection, id);
    return Math.max(stored, maxOp == null ? 0 : maxOp + 1);
  }

  /** Every existing document of a collection: cached ones as cached, the rest parsed from the file. */
  private collectionDocs(collection: string): Array<Snapshot & { id: string }> {
    const docs: Snapshot[] = [];
    for (const row of this.sql.collectionSnapshots.iterate(collection)) {
      if (this.cache.has(key(collection, row.doc_id))) continue;
      docs.push({
        id: row.doc_id,
        v: row.v,
        type: row.type,
        data: row.data == null ? undefined : JSON.parse(row.data),
        m: row.m == null ? null : JSON.parse(row.m),
      });
    }
    for (const doc of this.cache.values()) {
      if (doc.collection === collection && doc.type != null) docs.push(doc);
    }
    return docs;
  }

  private toSnapshot(doc: Snapshot | CachedDoc, withMeta: boolean): Snapshot {
    return new SnapshotCtor(doc.id, doc.v, doc.type, cloneJson(doc.data), withMeta ? cloneJson(doc.m) : null);
  }

  /** Writes the given docs' snapshots in one transaction and marks them clean. */
  private writeBack(docs: CachedDoc[]): void {
    if (docs.length === 0) return;
    const rows = docs.map((doc) => ({ doc, v: doc.v, data: toJson(doc.data), m: toJson(doc.m) }));
    this.database.transaction(() => {
      for (const { doc, v, data, m } of rows) {
        this.sql.upsertSnapshot.run(doc.collection, doc.id, doc.type, v, data, m);
        this.sql.clearBehind.run(doc.collection, doc.id);
      }
    })();
    for (const { doc, v } of rows) {
      doc.storedV = v;
      this.dirty.delete(doc);
    }
  }

  private scheduleFlush(): void {
    if (this.closed) return;
    // After a failed write-back (a full disk) wait the interval, or every op would retry at once.
    const soon = !this.flushFailing && this.opsSinceFlush >= this.flushAfterOps;
    if (this.flushTimer && (this.flushSoon || !soon)) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushSoon = soon;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = null;
        // The connection was closed under the adapter (its owner closed first, or a simulated
        // crash): nothing can be written any more, and retrying would only log forever.
        if (!this.database.open) return;
        try {
          this.flush();
          this.flushFailing = false;
        } catch (err) {
          // The ops are safe in the log; the snapshots stay dirty and the next flush retries.
          this.logger.error('Writing document snapshots back failed; will retry', { err });
          this.flushFailing = true;
          this.scheduleFlush();
        }
      },
      soon ? 0 : this.flushIntervalMs,
    );
    // A pending write-back must not keep the process alive; close() flushes.
    this.flushTimer.unref();
  }

  /**
   * Drops least recently used documents that are written back until `room` more fit under
   * `maxCachedDocs`. Dirty documents stay (the cache may exceed the cap until the next flush).
   * Only called where no caller holds a doc: before a load inserts, and after a flush.
   */
  private evict(room = 0): void {
    const target = Math.max(0, this.maxCachedDocs - room);
    if (this.cache.size <= target) return;
    for (const [k, doc] of this.cache) {
      if (this.cache.size <= target) break;
      if (doc.storedV === doc.v) this.cache.delete(k);
    }
  }

  private forget(doc: CachedDoc): void {
    this.cache.delete(key(doc.collection, doc.id));
    this.dirty.delete(doc);
  }

  /** Rebuilds the snapshots a crash left behind their op log, and writes them back. */
  private recover(): void {
    const behind = this.sql.listBehind.all();
    for (const { collection, doc_id } of behind) {
      try {
        const doc = this.load(collection, doc_id);
        // A marker without a stale snapshot (nothing to do) is simply cleared.
        if (doc.storedV === doc.v) this.sql.clearBehind.run(collection, doc_id);
      } catch (err) {
        // Leave the marker: the document fails loudly when read, and the rest still open.
        this.logger.error('Could not rebuild a document snapshot from its op log', {
          collection,
          id: doc_id,
          err,
        });
      }
    }
    if (!behind.length) return;
    try {
      this.flush();
    } catch (err) {
      // On a full disk the rebuilt snapshots stay in memory (their ops are in the log) and the
      // timed write-back retries: the server still starts, serves reads and refuses writes.
      if (!isStorageFull(err)) throw err;
      this.logger.error('The disk is full: rebuilt document snapshots will be written back later', { err });
      this.flushFailing = true;
      this.scheduleFlush();
    }
  }
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
