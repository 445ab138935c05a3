/**
 * Live comment anchors survive a crash: the server is SIGKILLed right after edits were
 * acknowledged, some before the last anchor write-back and some after it, and the anchors read
 * after the restart are where the text is (replayed from the op log since the stored version).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { type ChildServer, kill, startChild } from '../helpers/child-server.js';
import { connectClient, type RealtimeClient, submit, subscribe, textOf } from '../helpers/realtime-client.js';
import { api, createSession, registerUser } from '../helpers/server.js';

describe('live comment anchors after a crash', function () {
  this.timeout(90_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-lc-data-'));
  const reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-lc-repos-'));
  const env = { DATA_DIR: dataDir, REPOS_DIR: reposDir, COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' };
  let child: ChildServer | undefined;
  const clients: RealtimeClient[] = [];

  after(async () => {
    for (const c of clients.splice(0)) c.close();
    if (child) await kill(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(reposDir, { recursive: true, force: true });
  });

  it('anchors are right after SIGKILL, including ops acknowledged after the last write-back', async () => {
    child = await startChild(env);
    const ana = await registerUser(child.url, 'ana');
    const text = 'one\ntwo\nthree\nfour\n';
    const s = await createSession(child.url, ana, { files: { 'a.txt': text } });
    const file = s.files['a.txt']!;
    const c = await connectClient(child.url, ana.token);
    clients.push(c);
    const doc = c.connection.get(file.doc.collection, file.doc.id);
    await subscribe(doc);
    const from = text.indexOf('three');
    const made = await api(child.url, 'POST', `/api/sessions/${s.id}/files/${file.id}/comments`, {
      token: ana.token,
      body: { anchor: { from, to: from + 'three'.length }, v: doc.version, body: 'this one' },
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    // Typed above the thread; then long enough for the anchors to be written back (2 s).
    for (const line of ['a\n', 'b\n', 'c\n']) await submit(doc, [{ p: ['text', 0], si: line }]);
    await new Promise((r) => setTimeout(r, 2600));
    // Acknowledged after that write-back, and inside the range, then killed at once.
    for (const line of ['d\n', 'e\n']) await submit(doc, [{ p: ['text', 0], si: line }]);
    await submit(doc, [{ p: ['text', textOf(doc).indexOf('three') + 2], si: 'R' }]);
    const expected = textOf(doc);
    const finalV = doc.version!;
    for (const cl of clients.splice(0)) cl.close();
    await kill(child);

    // What the store held at the kill: written back after the first edits, not after the last.
    const db = new Database(path.join(dataDir, 'gitpad.sqlite'));
    const stored = JSON.parse(
      db.prepare<[string], { data: string }>('SELECT data FROM live_comments WHERE id = ?').get(made.body.id)!
        .data,
    );
    db.close();
    expect(stored.anchorVersion, 'written back once').to.be.greaterThan(made.body.v);
    expect(stored.anchorVersion, 'the last ops were not written back').to.be.lessThan(finalV);

    child = await startChild(env);
    const after = await api(child.url, 'GET', `/api/sessions/${s.id}/files/${file.id}/comments`, {
      token: ana.token,
    });
    expect(after.status).to.equal(200);
    const [thread] = after.body.threads;
    const content = await api(child.url, 'GET', `/api/sessions/${s.id}/files/${file.id}`, {
      token: ana.token,
    });
    const live: string = content.body.content;
    expect(live).to.equal(expected);
    expect(live.slice(thread.anchor.from, thread.anchor.to)).to.equal('thRree');
    expect(thread).to.deep.include({ detached: false, quote: 'three', body: 'this one' });
  });
});
