import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { kill, startChild } from '../helpers/child-server.js';
import { git } from '../helpers/git-cli.js';
import { connectClient, submit, subscribe } from '../helpers/realtime-client.js';
import { api, createSession, registerUser } from '../helpers/server.js';

describe('crash safety: SIGKILL under load, 20 times', function () {
  this.timeout(240_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-crash-data-'));
  const reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-crash-repos-'));
  // Commit storms: the worker commits every few dozen ms while edits flow.
  const env = { DATA_DIR: dataDir, REPOS_DIR: reposDir, COMMIT_IDLE_MS: '30', COMMIT_MAX_MS: '100' };
  after(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(reposDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged edit and every commit, leaves the repo fsck-clean, and commits what was pending', async () => {
    let child = await startChild(env);
    const user = await registerUser(child.url, 'crasher');
    const s = await createSession(child.url, user, { files: { 'log.txt': '' } });
    const docId = s.files['log.txt']!.doc.id;
    const repo = path.join(reposDir, `${s.id}.git`);
    const acknowledged: string[] = [];
    let commits: string[] = [];

    for (let round = 0; round < 20; round++) {
      const client = await connectClient(child.url, user.token);
      const doc = client.connection.get('files', docId);
      await subscribe(doc);
      const deadline = Date.now() + 150 + Math.floor(Math.random() * 250);
      let n = 0;
      // Edits and explicit saves race the kill.
      const saving = (async () => {
        while (Date.now() < deadline) {
          await api(child.url, 'POST', `/api/sessions/${s.id}/versions`, {
            token: user.token,
            body: {},
          }).catch(() => {});
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      while (Date.now() < deadline) {
        const token = `r${round}e${n++};`;
        await submit(doc, [{ p: ['text', 0], si: token }]);
        acknowledged.push(token);
      }
      // Keep submitting while the process dies: those ops are not acknowledged, so not counted.
      for (let i = 0; i < 20; i++) doc.submitOp([{ p: ['text', 0], si: `unacked${round}-${i};` }] as never);
      await kill(child);
      await saving;
      client.close();

      // After the crash: the repo is clean and main still reaches every commit seen before.
      const fsck = await git(['--git-dir', repo, 'fsck', '--full', '--strict']);
      expect(fsck.code, `round ${round}: ${fsck.stderr}`).to.equal(0);
      for (const sha of commits) {
        const reach = await git(['--git-dir', repo, 'merge-base', '--is-ancestor', sha, 'main']);
        expect(reach.code, `round ${round}: main lost ${sha}`).to.equal(0);
      }
      const list = await git(['--git-dir', repo, 'rev-list', 'main']);
      commits = list.stdout.trim().split('\n').filter(Boolean);

      child = await startChild(env);
      const file = await api(child.url, 'GET', `/api/sessions/${s.id}/files/${s.files['log.txt']!.id}`, {
        token: user.token,
      });
      expect(file.status).to.equal(200);
      for (const token of acknowledged) {
        expect(file.body.content, `round ${round}: lost acknowledged edit ${token}`).to.include(token);
      }
      // The recovery scan commits what the crash left uncommitted.
      const live = file.body.content as string;
      const start = Date.now();
      for (;;) {
        const head = await git(['--git-dir', repo, 'show', 'main:log.txt']);
        if (head.code === 0 && head.stdout === live) break;
        if (Date.now() - start > 10_000)
          expect.fail(`round ${round}: pending edits were not committed after restart`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await kill(child);
    expect(acknowledged.length).to.be.greaterThan(100);
  });
});
