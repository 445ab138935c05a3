import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type ChildServer, kill, startChild } from '../helpers/child-server.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { waitFor } from '../helpers/realtime-client.js';
import { api, createSession, registerUser, type TestUser } from '../helpers/server.js';

describe('a server SIGKILLed during a push (issue 13)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-data-'));
  const reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-repos-'));
  const env = { DATA_DIR: dataDir, REPOS_DIR: reposDir, COMMIT_IDLE_MS: '60000', COMMIT_MAX_MS: '600000' };
  let child: ChildServer;
  let owner: TestUser;
  const dirs: string[] = [];

  before(async () => {
    child = await startChild(env);
    owner = await registerUser(child.url);
  });
  after(async () => {
    await kill(child);
    for (const d of [dataDir, reposDir, ...dirs]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('leaves fsck clean and the live files with the whole push or none of it', async function () {
    this.timeout(180_000);
    const N = 200;
    const outcomes: string[] = [];
    for (const delay of [0, 1000, 1500, 2200]) {
      const files: Record<string, string> = {};
      for (let i = 0; i < N; i++) files[`f${i}.txt`] = `line one of ${i}\nline two\n`;
      // Outcomes: 'none' (killed before the apply), 'finished' (killed inside it: its journal was
      // finished at restart) or 'all' (killed after).
      const s = await createSession(child.url, owner, { files });
      const saved = await api(child.url, 'POST', `/api/sessions/${s.id}/versions`, {
        token: owner.token,
        body: { message: 'base' },
      });
      expect(saved.status).to.equal(201);
      const d = path.join(tempDir('gitpad-push-crash-'), 'c');
      dirs.push(path.dirname(d));
      expect(
        (await git(['clone', cloneUrl(child.url, s.id, owner.username, 'correct horse'), d])).code,
      ).to.equal(0);
      for (let i = 0; i < N; i++) fs.appendFileSync(path.join(d, `f${i}.txt`), 'pushed\n');
      for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(d, `new${i}.txt`), `new ${i}\n`);
      await git(['add', '-A'], { cwd: d });
      expect((await git(['commit', '-q', '-m', 'Bulk edit'], { cwd: d })).code).to.equal(0);

      const pushing = git(['push', 'origin', 'HEAD:main'], { cwd: d, timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, delay));
      await kill(child);
      await pushing;
      const journal = path.join(reposDir, `${s.id}.git`, 'gitpad-push.json');
      const interrupted = fs.existsSync(journal);
      child = await startChild(env);

      // Recovery finishes an interrupted push before anything else: wait for its journal to go.
      await waitFor(() => !fs.existsSync(journal), 20_000, 'the push journal to be finished');
      const session = await api(child.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
      const byPath = new Map<string, string>(
        session.body.files.map((f: { path: string; id: string }) => [f.path, f.id]),
      );
      let pushed = 0;
      for (let i = 0; i < N; i++) {
        const f = await api(child.url, 'GET', `/api/sessions/${s.id}/files/${byPath.get(`f${i}.txt`)}`, {
          token: owner.token,
        });
        const content = f.body.content as string;
        expect(content.startsWith(`line one of ${i}\nline two\n`), content).to.equal(true);
        if (content.endsWith('pushed\n')) pushed++;
      }
      const created = [...byPath.keys()].filter((p) => p.startsWith('new')).length;
      const all = pushed === N && created === 10;
      const none = pushed === 0 && created === 0;
      expect(all || none, `delay ${delay}: ${pushed} of ${N} edits and ${created} of 10 new files`).to.equal(
        true,
      );
      outcomes.push(all ? (interrupted ? 'finished' : 'all') : 'none');
      execFileSync('git', ['--git-dir', path.join(reposDir, `${s.id}.git`), 'fsck', '--full', '--strict'], {
        stdio: 'pipe',
      });
      if (all) {
        // The merge keeps the pushed commit: it is the head's second parent, or below it.
        const pushedSha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: d }).toString().trim();
        execFileSync('git', [
          '--git-dir',
          path.join(reposDir, `${s.id}.git`),
          'merge-base',
          '--is-ancestor',
          pushedSha,
          'main',
        ]);
      }
    }
    // A kill before anything was received leaves nothing; the others (timing-dependent on a busy
    // machine) land before, inside ('finished' at restart, from the journal) or after the apply.
    expect(outcomes[0], outcomes.join(' ')).to.equal('none');
  });
});
