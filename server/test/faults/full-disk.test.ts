/**
 * A full disk (issue 12, item 5.4): DATA_DIR and REPOS_DIR on a small tmpfs that a filler file
 * fills. Edits are then refused with ERR_STORAGE_FULL (SQLite's SQLITE_FULL, mapped by the
 * embedded store), saves fail cleanly, the server stays up and keeps everything it acknowledged;
 * once space is freed, edits and commits work again, and a restart finds every acknowledged edit.
 *
 * Needs root to mount the tmpfs; without it the test is skipped and says why.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { TokenLedger } from '../helpers/fuzz.js';
import { fsckStrict, treeFiles } from '../helpers/git-history.js';
import {
  connectClient,
  type RealtimeClient,
  settled,
  submit,
  subscribe,
  textOf,
} from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

/** Writes `file` until the file system refuses (ENOSPC); returns the bytes written. */
function fillUp(file: string): number {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  try {
    for (;;) {
      try {
        written += fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOSPC') throw err;
        // Fill the last partial chunk too, a page at a time.
        if (chunk.length > 4096) return written + fillTail(fd);
        return written;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function fillTail(fd: number): number {
  const page = Buffer.alloc(4096, 0x61);
  let written = 0;
  for (;;) {
    try {
      written += fs.writeSync(fd, page);
    } catch {
      return written;
    }
  }
}

describe('faults: a full disk', function () {
  this.timeout(120_000);
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-full-disk-'));
  let mounted = false;
  let why = '';
  let t: TestServer | undefined;
  let client: RealtimeClient | undefined;

  before(() => {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      why = `could not mount an 8 MB tmpfs at ${mount} (needs root): ${String((err as Error).message).trim()}`;
    }
  });
  after(async () => {
    client?.close();
    await t?.close({ keepData: true }).catch(() => {});
    if (mounted) execFileSync('umount', ['-l', mount]);
    fs.rmSync(mount, { recursive: true, force: true });
  });

  it('refuses edits with ERR_STORAGE_FULL, stays up, keeps every acknowledged edit, and recovers once space is freed', async function () {
    if (!mounted) {
      console.warn(`      skipped: ${why}`);
      this.skip();
    }
    const dataDir = path.join(mount, 'data');
    const reposDir = path.join(mount, 'repos');
    fs.mkdirSync(dataDir);
    fs.mkdirSync(reposDir);
    // Commits only on demand, so that edits wait uncommitted when the disk fills up.
    const env = { COMMIT_IDLE_MS: '3600000', COMMIT_MAX_MS: '3600000' };
    t = await startServer({ dataDir, reposDir, env });
    const user = await registerUser(t.url);
    const s = await createSession(t.url, user, { files: { 'a.txt': 'start\n' } });
    const file = s.files['a.txt']!;
    const repo = path.join(reposDir, `${s.id}.git`);
    const ledger = new TokenLedger();
    client = await connectClient(t.url, user.token);
    let doc = client.connection.get(file.doc.collection, file.doc.id);
    await subscribe(doc);
    const type = async (padding = 0) => {
      const token = ledger.mint(1);
      await submit(doc, [{ p: ['text', textOf(doc).length], si: `${token}${'·'.repeat(padding)}\n` }]);
      ledger.ack(token);
    };
    const liveText = async () => {
      const r = await api(t!.url, 'GET', `/api/sessions/${s.id}/files/${file.id}`, { token: user.token });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return r.body.content as string;
    };
    const expectAllKept = async (when: string) => {
      const live = await liveText();
      expect(await ledger.lost(live, async () => ''), `acknowledged edits missing ${when}`).to.be.empty;
    };

    for (let i = 0; i < 20; i++) await type();
    const first = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, { token: user.token, body: {} });
    expect(first.status).to.equal(201);
    for (let i = 0; i < 20; i++) await type(100);

    // Fill the disk. SQLite reuses its WAL after a checkpoint, so edits may still fit for a while:
    // type big edits until one is refused.
    const filler = path.join(mount, 'filler');
    fillUp(filler);
    let refused: { code?: string; message?: string } | undefined;
    for (let i = 0; i < 4000 && !refused; i++) {
      await type(2000).catch((err) => {
        refused = err;
      });
    }
    expect(refused, 'no edit was refused on a full disk').to.not.equal(undefined);
    expect(refused!.code, refused!.message).to.equal('ERR_STORAGE_FULL');
    await settled(doc);

    // Still full: the server answers, refuses the next edit the same way, and a save fails cleanly.
    const me = await api(t.url, 'GET', '/api/auth/me', { token: user.token });
    expect(me.status).to.equal(200);
    const again = await type(2000).then(
      () => null,
      (err: { code?: string }) => err,
    );
    expect(again?.code ?? 'accepted', 'a second edit on a full disk').to.be.oneOf([
      'ERR_STORAGE_FULL',
      'accepted',
    ]);
    await settled(doc);
    const save = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, { token: user.token, body: {} });
    expect(save.status, `save on a full disk: ${JSON.stringify(save.body)}`).to.equal(507);
    expect(save.body.error.code).to.equal('ERR_STORAGE_FULL');
    await expectAllKept('while the disk is full');

    // A restart on the full disk: the server starts, still has every acknowledged edit, and
    // refuses new ones the same way (its recovery commit fails and is retried later).
    client.close();
    await t.close({ keepData: true });
    t = await startServer({ dataDir, reposDir, env });
    await expectAllKept('after a restart on the full disk');
    client = await connectClient(t.url, user.token);
    doc = client.connection.get(file.doc.collection, file.doc.id);
    await subscribe(doc);
    const afterRestart = await type(2000).then(
      () => null,
      (err: { code?: string }) => err,
    );
    expect(afterRestart?.code ?? 'accepted', 'an edit after a restart on a full disk').to.be.oneOf([
      'ERR_STORAGE_FULL',
      'accepted',
    ]);
    await settled(doc);

    // Space again: edits and commits work, and the commit holds every acknowledged edit.
    fs.rmSync(filler);
    await type();
    const saved = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, { token: user.token, body: {} });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const live = await liveText();
    expect((await treeFiles(repo)).get('a.txt')).to.equal(live);
    await expectAllKept('after space was freed');
    expect(textOf(doc)).to.equal(live);
    await fsckStrict(repo);

    // And across a restart.
    client.close();
    await t.close({ keepData: true });
    t = await startServer({ dataDir, reposDir, env });
    await expectAllKept('after a restart');
    client = await connectClient(t.url, user.token);
    doc = client.connection.get(file.doc.collection, file.doc.id);
    await subscribe(doc);
    await type();
    await expectAllKept('after typing again');
  });
});
