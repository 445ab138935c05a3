/**
 * Convergence fuzzer (issue 12, item 5.1): real clients type tokens and astral filler, drop and
 * re-open their connections, while files are renamed, deleted, restored, reverted and saved over
 * REST. Every round ends quiet and checks clients = server, save = git tree, and no acknowledged
 * keystroke lost. A failure names its seed; `FUZZ_SEEDS=<seed>` replays it (helpers/fuzz.ts).
 */
import { FaultMix } from '../helpers/fault-mix.js';
import { at, fuzzRounds, fuzzSeeds, prng } from '../helpers/fuzz.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('faults: convergence fuzzer (clients, drops, renames, deletes, restores, reverts, saves)', function () {
  const seeds = fuzzSeeds([11, 29, 47, 83]);
  const rounds = fuzzRounds(8, 30);
  this.timeout(30_000 + seeds.length * rounds * 8_000);
  let t: TestServer;
  before(async () => {
    // The worker commits on its own too, racing the REST actions.
    t = await startServer({ env: { COMMIT_IDLE_MS: '150', COMMIT_MAX_MS: '600' } });
  });
  after(() => t?.close());

  for (const seed of seeds) {
    it(`seed ${seed}: ${rounds} rounds converge, commit the live files and lose no acknowledged keystroke`, async () => {
      const rand = prng(seed);
      const mix = await FaultMix.start(t.url, t.reposDir, { clients: 4, files: 3 });
      try {
        for (let round = 0; round < rounds; round++) {
          const where = `seed ${seed} round ${round}`;
          await at(where, () =>
            mix.round(rand, { ms: 400 + Math.floor(rand() * 400), drops: true, actions: true }),
          );
          await at(`${where} quiesce`, () => mix.quiesce());
          await at(`${where} converge`, () => mix.expectConverged());
          await at(`${where} lost`, () => mix.expectNothingLost());
          await at(`${where} save`, () => mix.expectSaveCommitsLive());
          await at(where, async () => mix.expectNoProblems());
        }
      } finally {
        mix.close();
      }
    });
  }
});
