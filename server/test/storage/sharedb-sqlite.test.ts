/**
 * What SqliteShareDB promises beyond ShareDB's conformance suite: acknowledged ops survive a
 * killed process, snapshots are cached and written back in batches and rebuilt from the op log,
 * cached snapshots are never shared with callers, compaction, and its query language.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openDatabase } from '../../src/storage/embedded/database.js';
import { type Snapshot, SqliteShareDB, type StoredOp } from '../../src/storage/embedded/sharedb-sqlite.js';
import { tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const { Backend } = require('sharedb') as { Backend: new (options: { db: unknown }) => any };

const here = path.dirname(fileURLToPath(import.meta.url));

/** Promisified adapter calls. */
const getSnapshot = (db: SqliteShareDB, c: string, id: string, withMeta = false) =>
  new Promise<Snapshot>((resolve, reject) =>
    db.getSnapshot(c, id, null, { metadata: withMeta }, (e, s) => (e ? reject(e) : resolve(s!))),
  );
const getOps = (db: SqliteShareDB, c: string, id: string, from: number | null, to: number | null) =>
  new Promise<StoredOp[]>((resolve, reject) =>
    db.getOps(c, id, from, to, { metadata: true }, (e, ops) => (e ? reject(e) : resolve(ops!))),
  );
const query = (db: SqliteShareDB, c: string, q: unknown) =>
  new Promise<{ results: Snapshot[]; extra: unknown }>((resolve, reject) =>
    db.query(c, q, null, null, (e, results, extra) =>
      e ? reject(e) : resolve({ results: results!, extra }),
    ),
  );

/** A ShareDB doc on `db` with promise helpers. */
function openDoc(db: SqliteShareDB, collection: string, id: string) {
  const doc = new Backend({ db }).connect().get(collection, id);
  const cb = (resolve: () => void, reject: (e: unknown) => void) => (e: unknown) =>
    e ? reject(e) : resolve();
  return {
    doc,
    create: (data: unknown) => new Promise<void>((res, rej) => doc.create(data, cb(res, rej))),
    submit: (op: unknown) => new Promise<void>((res, rej) => doc.submitOp(op, cb(res, rej))),
    del: () => new Promise<void>((res, rej) => doc.del(cb(res, rej))),
  };
}

/** The snapshot row as it is on disk right now, read through a separate connection. */
function storedRow(file: string, collection: string, id: string) {
  const db = openDatabase(file);
  try {
    return db
      .prepare<[string, string], { v: number; data: string | null }>(
        'SELECT v, data FROM snapshots WHERE collection = ? AND doc_id = ?',
      )
      .get(collection, id);
  } finally {
    db.close();
  }
}

/** Simulates a crash: drops the connection without writing anything back. */
function crash(db: SqliteShareDB) {
  db.database.close();
}

describe('SqliteShareDB', () => {
  let dir: string;
  let file: string;
  let n = 0;
  const open: SqliteShareDB[] = [];
  const make = (options: Partial<ConstructorParameters<typeof SqliteShareDB>[0]> = {}) => {
    const db = new SqliteShareDB({ filename: file, ...options });
    open.push(db);
    return db;
  };

  before(() => {
    dir = tempDir('gitpad-sqlite-adapter-');
  });
  beforeEach(() => {
    file = path.join(dir, `t${n++}.sqlite`);
  });
  afterEach(() => {
    for (const db of open.splice(0)) if (db.database.open) db.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a SIGKILLed process that committed ops reopens with every acknowledged op and the right snapshot', async function () {
    this.timeout(60000);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'fixtures/sharedb-writer.ts'), file],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // The newest acknowledgement the writer printed: it keeps committing until the signal lands,
    // so acks printed after the kill was sent count too (read to the end of its output).
    let lastAcked = 0;
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) lastAcked = Number(line.split(' ')[1]);
      // Kill it mid-stream, while it is still committing.
      if (lastAcked >= 300 && !child.killed) child.kill('SIGKILL');
    });
    const outputEnded = new Promise((resolve) => child.stdout.on('end', resolve));
    expect(await exited).to.equal('SIGKILL', `writer exited early at v${lastAcked}: ${stderr}`);
    await outputEnded;
    // Nothing was ever written back after the create: the row is far behind the log.
    expect(storedRow(file, 'files', 'doc')?.v).to.equal(1);

    const db = make();
    const snapshot = await getSnapshot(db, 'files', 'doc');
    // Every acknowledged op is there; at most the one in flight when it died landed too.
    expect(snapshot.v).to.be.within(lastAcked, lastAcked + 1);
    const ops = await getOps(db, 'files', 'doc', 0, null);
    expect(ops).to.have.length(snapshot.v);
    let expected = '';
    for (let i = 1; i < snapshot.v; i++) {
      expected += `${i},`;
      expect(ops[i]).to.deep.include({
        v: i,
        op: [{ p: ['text', expected.length - `${i},`.length], si: `${i},` }],
      });
      expect(ops[i]!.src).to.be.a('string');
      expect(ops[i]!.m).to.have.property('ts');
    }
    expect(snapshot.data).to.deep.equal({ text: expected });
    // Recovery at open wrote the rebuilt snapshot back.
    expect(storedRow(file, 'files', 'doc')?.v).to.equal(snapshot.v);
  });

  it('writes snapshots back in batches, not per op, and at close', async () => {
    const db = make({ flushIntervalMs: 60_000 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    for (let i = 0; i < 10; i++) await d.submit([{ p: ['text', i], si: 'x' }]);
    expect(storedRow(file, 'files', 'a')?.v, 'the create writes the row').to.equal(1);
    expect(db.stats()).to.include({ dirtyDocs: 1, opsSinceFlush: 10 });
    db.close();
    expect(storedRow(file, 'files', 'a')).to.deep.equal({
      v: 11,
      data: JSON.stringify({ text: 'x'.repeat(10) }),
    });
  });

  it('writes back after flushAfterOps ops without waiting for the timer', async () => {
    const db = make({ flushIntervalMs: 60_000, flushAfterOps: 5 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    for (let i = 0; i < 5; i++) await d.submit([{ p: ['text', i], si: 'y' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(storedRow(file, 'files', 'a')?.v).to.equal(6);
    expect(db.stats().dirtyDocs).to.equal(0);
  });

  it('by default leaves steady typing to the timer: 2,000 ops rewrite no snapshot, and a crash replays them', async function () {
    this.timeout(60_000);
    // Default flushAfterOps: a snapshot is rewritten whole, so it is not rewritten every 1,000 ops.
    const db = make({ flushIntervalMs: 60_000 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    for (let i = 0; i < 2000; i++) await d.submit([{ p: ['text', i], si: 'z' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(storedRow(file, 'files', 'a')?.v, 'only the create wrote the row').to.equal(1);
    expect(db.stats()).to.include({ dirtyDocs: 1, opsSinceFlush: 2000 });
    crash(db);

    const reopened = make();
    expect(await getSnapshot(reopened, 'files', 'a')).to.deep.include({
      v: 2001,
      data: { text: 'z'.repeat(2000) },
    });
    expect(storedRow(file, 'files', 'a')?.v, 'recovery wrote the rebuilt snapshot back').to.equal(2001);
  });

  it('on a full disk refuses an op with ERR_STORAGE_FULL and keeps what it acknowledged', async () => {
    const db = make({ flushIntervalMs: 200, flushAfterOps: 1 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    // Cap the file where it is: SQLite then answers SQLITE_FULL, exactly as on a full disk.
    db.database.pragma(`max_page_count = ${db.database.pragma('page_count', { simple: true })}`);
    let acked = 0;
    let refused: { code?: string } | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      await d.submit([{ p: ['text', 0], si: 'x'.repeat(1000) }]).then(
        () => acked++,
        (err) => {
          refused = err;
        },
      );
    }
    expect(refused?.code).to.equal('ERR_STORAGE_FULL');
    expect((await getSnapshot(db, 'files', 'a')).v).to.equal(1 + acked);
    db.database.pragma('max_page_count = 1073741823');
    await d.submit([{ p: ['text', 0], si: 'again' }]);
    db.close();
    expect(storedRow(file, 'files', 'a')?.v).to.equal(2 + acked);
  });

  it('retries a failed write-back every flushIntervalMs, not on every tick', async () => {
    const failures: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string) => failures.push(msg) };
    const db = make({ flushIntervalMs: 200, flushAfterOps: 1, logger });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    // Snapshot writes fail (as on a full disk) while op inserts still fit.
    db.database.exec(
      "CREATE TEMP TRIGGER no_room BEFORE UPDATE ON snapshots BEGIN SELECT RAISE(FAIL, 'full'); END",
    );
    await d.submit([{ p: ['text', 0], si: 'x' }]);
    await new Promise((r) => setTimeout(r, 500));
    expect(failures.length, 'failed write-backs in 500 ms').to.be.within(1, 4);
    db.database.exec('DROP TRIGGER no_room');
    db.close();
    expect(storedRow(file, 'files', 'a')?.v).to.equal(2);
  });

  it('rebuilds a snapshot left behind by a crash, including deletes and re-creates', async () => {
    const first = make({ flushIntervalMs: 60_000 });
    const d = openDoc(first, 'files', 'a');
    await d.create({ text: 'hello' });
    await d.submit([{ p: ['text', 5], si: ' world' }]);
    await d.del();
    await d.create({ text: 'again' });
    await d.submit([{ p: ['text', 0], sd: 'a' }]);
    await d.submit([{ p: ['text', 0], si: 'A' }]);
    crash(first);

    const db = make();
    const snapshot = await getSnapshot(db, 'files', 'a', true);
    expect(snapshot).to.deep.include({
      v: 6,
      type: 'http://sharejs.org/types/JSONv0',
      data: { text: 'Again' },
    });
    expect(snapshot.m).to.have.property('mtime');
    expect(snapshot.m).to.have.nested.property('_create.v', 3);
  });

  it('never shares a cached snapshot with a caller', async () => {
    const db = make();
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: 'abc', nested: { list: [1, 2] } });
    const got = await getSnapshot(db, 'files', 'a');
    (got.data as { text: string; nested: { list: number[] } }).nested.list.push(3);
    (got.data as { text: string }).text = 'changed';
    expect((await getSnapshot(db, 'files', 'a')).data).to.deep.equal({
      text: 'abc',
      nested: { list: [1, 2] },
    });

    // What ShareDB passes to commit is copied too: mutating it afterwards changes nothing.
    const snapshot = { v: 2, type: 'http://sharejs.org/types/JSONv0', data: { text: 'new' }, m: null };
    const ok = await new Promise((resolve, reject) =>
      db.commit('files', 'a', { v: 1, op: [] }, snapshot, null, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(ok).to.equal(true);
    snapshot.data.text = 'mutated';
    expect((await getSnapshot(db, 'files', 'a')).data).to.deep.equal({ text: 'new' });
  });

  it('rejects a commit that is not for the next version, storing nothing', async () => {
    const db = make();
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    const stale = { v: 1, type: 'http://sharejs.org/types/JSONv0', data: { text: 'x' }, m: null };
    const ok = await new Promise((resolve, reject) =>
      db.commit('files', 'a', { v: 0, op: [] }, stale, null, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(ok).to.equal(false);
    expect(await getOps(db, 'files', 'a', 0, null)).to.have.length(1);
  });

  it('evicts only written-back documents and still serves evicted ones', async () => {
    const db = make({ maxCachedDocs: 2, flushIntervalMs: 60_000 });
    for (const id of ['a', 'b', 'c', 'd']) {
      const d = openDoc(db, 'files', id);
      await d.create({ text: id });
      await d.submit([{ p: ['text', 1], si: '!' }]);
    }
    expect(db.stats().cachedDocs, 'dirty documents stay').to.equal(4);
    db.flush();
    expect(db.stats().cachedDocs).to.equal(2);
    for (const id of ['a', 'b', 'c', 'd']) {
      expect((await getSnapshot(db, 'files', id)).data).to.deep.equal({ text: `${id}!` });
    }
  });

  it('reads recent ops from memory exactly as the file holds them, whatever the range and whoever read them before', async () => {
    const db = make({ flushIntervalMs: 60_000 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    for (let i = 0; i < 600; i++)
      await d.submit([{ p: ['text', i], si: String.fromCodePoint(0x1f600 + (i % 50)) }]);
    const ranges: Array<[number, number | null]> = [
      [0, null],
      [590, null],
      [300, 450],
      [599, 600],
      [472, 601],
    ];
    const read = () => Promise.all(ranges.map(([from, to]) => getOps(db, 'files', 'a', from, to)));
    // Readers may change what they are given (ShareDB deletes `m`): the next reader must not see it.
    for (const op of (await read()).flat()) {
      delete op.m;
      op.v = -1;
      op.src = 'someone else';
    }
    const live = await read();
    crash(db);
    const reopened = make();
    for (const [i, [from, to]] of ranges.entries()) {
      const disk = await getOps(reopened, 'files', 'a', from, to);
      expect(live[i], `ops ${from}..${to}`).to.deep.equal(disk);
      expect(disk).to.have.length((to ?? 601) - from);
    }
  });

  it('compacts old ops but keeps the most recent ones and the snapshot', async () => {
    const db = make({ retainOps: 5, flushIntervalMs: 60_000 });
    const d = openDoc(db, 'files', 'a');
    await d.create({ text: '' });
    for (let i = 0; i < 20; i++) await d.submit([{ p: ['text', i], si: 'z' }]);
    expect(db.compactOps('files', 'a', 10)).to.equal(10);
    expect(db.compactOps('files', 'a', 100), 'keeps the last 5').to.equal(6);
    expect(await getOps(db, 'files', 'a', 16, null)).to.have.length(5);
    let error: Error | undefined;
    await getOps(db, 'files', 'a', 3, null).catch((e: Error) => {
      error = e;
    });
    expect(error).to.have.property('code', 'ERR_OPS_MISSING');
    await d.submit([{ p: ['text', 0], si: 'w' }]);
    crash(db);
    const reopened = make();
    expect((await getSnapshot(reopened, 'files', 'a')).data).to.deep.equal({ text: `w${'z'.repeat(20)}` });
  });

  describe('queries (a MongoDB-like subset)', () => {
    let db: SqliteShareDB;
    beforeEach(async () => {
      db = make();
      const docs = [
        { id: 'a', data: { name: 'a', age: 3, tags: ['x'], meta: { lang: 'ts' } } },
        { id: 'b', data: { name: 'b', age: 5, tags: ['y'], meta: { lang: 'py' } } },
        { id: 'c', data: { name: 'c', age: 1, tags: ['x', 'y'], meta: { lang: 'ts' } } },
        { id: 'd', data: { name: 'd', age: '7' } },
      ];
      for (const { id, data } of docs) await openDoc(db, 'things', id).create(data);
      await openDoc(db, 'other', 'z').create({ name: 'z', age: 3 });
      const gone = openDoc(db, 'things', 'gone');
      await gone.create({ name: 'gone', age: 3 });
      await gone.del();
    });
    const ids = async (q: unknown) => (await query(db, 'things', q)).results.map((s) => s.id);

    it('filters by equality, dotted paths, array membership and operators', async () => {
      expect(await ids({ age: 3 })).to.deep.equal(['a']);
      expect(await ids({ 'meta.lang': 'ts', $sort: { name: 1 } })).to.deep.equal(['a', 'c']);
      expect(await ids({ tags: 'y', $sort: { name: 1 } })).to.deep.equal(['b', 'c']);
      expect(await ids({ age: { $gt: 2 }, $sort: { age: 1 } }), 'no cross-type comparison').to.deep.equal([
        'a',
        'b',
      ]);
      expect(await ids({ age: { $in: [1, 5] }, $sort: { name: -1 } })).to.deep.equal(['c', 'b']);
      expect(await ids({ tags: { $exists: false } })).to.deep.equal(['d']);
      expect(await ids({ $or: [{ age: 1 }, { name: 'd' }], $sort: { name: 1 } })).to.deep.equal(['c', 'd']);
    });

    it('sorts, skips, limits and counts', async () => {
      expect(await ids({ $sort: { age: 1 } }), 'numbers before strings').to.deep.equal(['c', 'a', 'b', 'd']);
      expect(await ids({ $sort: { age: -1 }, $skip: 1, $limit: 2 })).to.deep.equal(['b', 'a']);
      expect(await query(db, 'things', { 'meta.lang': 'ts', $count: true })).to.deep.equal({
        results: [],
        extra: 2,
      });
    });

    it('refuses what it does not support instead of matching everything', async () => {
      for (const q of [{ $where: 'true' }, { age: { $regex: 'x' } }, { $sort: { age: 2 } }, { $limit: -1 }]) {
        let error: Error | undefined;
        await query(db, 'things', q).catch((e: Error) => {
          error = e;
        });
        expect(error, JSON.stringify(q)).to.be.instanceOf(Error);
      }
    });
  });
});
