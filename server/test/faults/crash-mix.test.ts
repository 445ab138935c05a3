/**
 * SIGKILL during the fuzzer's mix (issue 12, item 5.2): clients typing with drops, and renames,
 * deletes, restores, reverts and saves over REST, when the server dies. After every restart each
 * keystroke acknowledged before the kill is in the live text or in git, every repository passes
 * `git fsck --full --strict`, clients converge, and the session still commits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ChildServer, kill, startChild } from '../helpers/child-server.js';
import { FaultMix } from '../helpers/fault-mix.js';
import { at, fuzzRounds, fuzzSeeds, prng } from '../helpers/fuzz.js';
import { fsckStrict } from '../helpers/git-history.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults: SIGKILL during the edit, rename, delete, restore, revert and save mix', function () {
  const seeds = fuzzSeeds([5]);
  const kills = fuzzRounds(20, 60);
  this.timeout(60_000 + seeds.length * kills * 10_000);
  const dirs: string[] = [];
  let child: ChildServer | undefined;
  afterEach(async () => {
    if (child) await kill(child);
    child = undefined;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const seed of seeds) {
    it(`seed ${seed}: ${kills} kills lose no acknowledged keystroke, leave every repo fsck-clean and still commit`, async () => {
      const rand = prng(seed);
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-faultcrash-data-'));
      const reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-faultcrash-repos-'));
      dirs.push(dataDir, reposDir);
      // The worker commits on its own too, so kills land inside commits as well.
      const env = { DATA_DIR: dataDir, REPOS_DIR: reposDir, COMMIT_IDLE_MS: '50', COMMIT_MAX_MS: '200' };
      child = await startChild(env);
      const mix = await FaultMix.start(child.url, reposDir, { clients: 3, files: 3 });
      try {
        for (let k = 0; k < kills; k++) {
          const where = `seed ${seed} kill ${k}`;
          const work = mix.round(rand, { ms: 5_000, drops: true, actions: true });
          await sleep(150 + Math.floor(rand() * 400));
          mix.killing = true;
          await kill(child);
          await work;
          mix.close();
          for (const repo of fs.readdirSync(reposDir).filter((n) => n.endsWith('.git'))) {
            await at(`${where} fsck`, () => fsckStrict(path.join(reposDir, repo)));
          }
          child = await startChild(env);
          mix.killing = false;
          await mix.connect(child.url);
          await at(`${where} lost`, () => mix.expectNothingLost());
          await at(`${where} quiesce`, () => mix.quiesce());
          await at(`${where} converge`, () => mix.expectConverged());
          await at(`${where} save`, () => mix.expectSaveCommitsLive());
          await at(where, async () => mix.expectNoProblems());
        }
      } finally {
        mix.close();
      }
    });
  }
});
