/**
 * WAL checkpoints run in a worker thread, not inside a commit on the event loop: the server's
 * connection never checkpoints by itself, the WAL is still checkpointed and reused (it does not
 * grow without bound), everything committed is in the file after close, and if the worker cannot
 * run the connection goes back to checkpointing itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startCheckpointer } from '../../src/storage/embedded/checkpointer.js';
import { openDatabase } from '../../src/storage/embedded/database.js';
import { createEmbeddedStore, EMBEDDED_DB_FILE } from '../../src/storage/embedded/index.js';
import type { Store } from '../../src/storage/types.js';
import { tempDir } from './helpers.js';

const PAGE = 4096;

describe('WAL checkpoints in a worker thread', () => {
  let dir: string;
  let store: Store | undefined;

  beforeEach(() => {
    dir = tempDir('gitpad-checkpointer-');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const walBytes = () => fs.statSync(path.join(dir, `${EMBEDDED_DB_FILE}-wal`)).size;

  it('the embedded store never checkpoints inside a commit, yet its WAL is checkpointed and reused', async function () {
    this.timeout(30_000);
    store = await createEmbeddedStore({ dataDir: dir });
    const db = (store.sharedb as unknown as { database: import('better-sqlite3').Database }).database;
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(0);
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    // Each row fills about a page: 1,500 rows take the WAL past SQLite's 1,000-page checkpoint.
    const body = 'x'.repeat(PAGE - 200);
    for (let i = 0; i < 1500; i++) insert.run(body);
    const grown = walBytes();
    expect(grown, 'nothing checkpointed (and restarted) the WAL inline').to.be.above(1500 * PAGE);

    // The worker checkpoints everything; the next commit then writes from the WAL's start again.
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 1500; i++) insert.run(body);
    // Reused from its start: about as long as before (a few more b-tree pages), not twice as long.
    expect(walBytes(), 'the WAL was reused, not grown').to.be.below(1.25 * grown);

    await store.close();
    store = undefined;
    const reopened = openDatabase(path.join(dir, EMBEDDED_DB_FILE));
    try {
      expect(reopened.prepare('SELECT COUNT(*) FROM filler').pluck().get()).to.equal(3000);
    } finally {
      reopened.close();
    }
  });

  it('when the worker cannot run, the connection checkpoints by itself again and says so', async () => {
    const db = openDatabase(path.join(dir, 'own.sqlite'));
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string) => errors.push(msg) };
    // The worker cannot open a file in a directory that does not exist.
    const checkpointer = startCheckpointer(db, path.join(dir, 'missing', 'x.sqlite'), logger);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(0);
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(errors).to.have.length(1);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(1000);
    await checkpointer.stop();
    db.close();
  });
});
