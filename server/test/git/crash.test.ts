import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cleanupRepo } from '../../src/git/atomic-fs.js';
import { initRepo } from '../../src/git/repo.js';
import { expectFsckClean, git, tempDir } from './helpers.js';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crash-writer.ts');

/** Runs the writer until SIGKILL lands `delayMs` after it is ready; returns the lines it printed. */
function runUntilKilled(
  reposDir: string,
  sessionId: string,
  seed: number,
  delayMs: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, reposDir, sessionId, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (${code}):\n${err}`));
      else resolve(out.split('\n').filter(Boolean));
    });
  });
}

describe('git crash safety', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir();
  });
  after(() => tmp.cleanup());

  it('survives 20 SIGKILLs mid-write: fsck clean and every acknowledged commit and comment kept', async () => {
    const repo = await initRepo(tmp.dir, 'crash');
    const commits: string[] = [];
    const notes: Array<[string, string]> = [];
    let seed = 1234;
    // 20 kills, and more (up to 60) while the writer has not yet made the progress asserted below:
    // on a loaded machine its first rounds may end before it writes much.
    const progressed = () => commits.length >= 10 && notes.length >= 3;
    for (let round = 0; round < 20 || (!progressed() && round < 60); round++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      // The high bits of the LCG are the random ones: a delay of 10–400 ms after start-up.
      const lines = await runUntilKilled(tmp.dir, 'crash', seed, 10 + ((seed >>> 12) % 390));
      for (const line of lines) {
        const [kind, sha, id] = line.split(' ');
        if (kind === 'commit') commits.push(sha!);
        if (kind === 'note') notes.push([sha!, id!]);
      }
      await cleanupRepo(repo.dir);
      expectFsckClean(repo.dir);
      if (commits.length) {
        // History is linear: main containing the last acknowledged commit contains them all.
        git(repo.dir, 'merge-base', '--is-ancestor', commits[commits.length - 1]!, 'main');
        const reachable = new Set(git(repo.dir, 'rev-list', 'main').trim().split('\n'));
        for (const sha of commits) expect(reachable.has(sha), `round ${round}: lost ${sha}`).to.equal(true);
      }
      // Comment ids are machine data, in each commit's refs/notes/gitpad note.
      const noteOf = new Map<string, string>();
      for (const [sha, id] of notes) {
        if (!noteOf.has(sha)) noteOf.set(sha, git(repo.dir, 'notes', '--ref=gitpad', 'show', sha));
        expect(noteOf.get(sha)!.includes(id), `round ${round}: lost comment ${id}`).to.equal(true);
      }
    }
    expect(commits.length, 'the writer made progress').to.be.at.least(10);
    expect(notes.length, 'the writer made progress').to.be.at.least(3);
  });
});
