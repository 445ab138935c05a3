import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import { diffCommit } from '../../src/git/diff.js';
import { log, readVersion } from '../../src/git/history.js';
import { checkGit, countLooseObjects, gcAuto, maintainRepo } from '../../src/git/maintenance.js';
import { addComment, listComments } from '../../src/git/notes.js';
import { initRepo } from '../../src/git/repo.js';
import { formatPatch } from '../../src/git/unified.js';
import { ALICE, expectAppError, expectFsckClean, git, tempDir } from './helpers.js';

describe('git maintenance', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reports the installed git version', async () => {
    expect(await checkGit()).to.match(/^\d+\.\d+\.\d+$/);
  });

  it('says clearly when git is missing or too old', async () => {
    const missing = await expectAppError(checkGit(path.join(tmp.dir, 'no-such-git')), 'ERR_UNAVAILABLE');
    expect(missing.message).to.include('git is not installed');
    const old = path.join(tmp.dir, 'old-git');
    writeFileSync(old, '#!/bin/sh\necho "git version 2.29.9"\n');
    chmodSync(old, 0o755);
    const tooOld = await expectAppError(checkGit(old), 'ERR_UNAVAILABLE');
    expect(tooOld.message).to.include('2.29.9 is too old');
  });

  it('packs loose objects past the threshold; history, diffs and comments still read', async () => {
    const repo = await initRepo(tmp.dir, 'm');
    const shas: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await commitSnapshot(repo, {
        files: [
          { path: 'n.txt', content: `${i}\n` },
          { path: `dir${i % 3}/f.txt`, content: `${i}\n` },
        ],
        author: ALICE,
      });
      shas.push(res.sha!);
    }
    await addComment(repo, shas[3]!, { author: { id: '1', username: 'a', displayName: 'A' }, body: 'hi' });
    const loose = await countLooseObjects(repo);
    expect(loose).to.be.greaterThan(40);
    const logBefore = await log(repo);
    const diffBefore = formatPatch(await diffCommit(repo, shas[5]!));

    expect(await maintainRepo(repo, { looseObjectThreshold: loose + 1 })).to.deep.equal({
      looseBefore: loose,
      repacked: false,
    });
    // Reads running during the repack wait for it instead of failing on vanished files.
    const reads = Promise.all(Array.from({ length: 10 }, () => log(repo)));
    expect(await maintainRepo(repo, { looseObjectThreshold: 10 })).to.deep.equal({
      looseBefore: loose,
      repacked: true,
    });
    for (const r of await reads) expect(r).to.deep.equal(logBefore);

    expect(await countLooseObjects(repo)).to.equal(0);
    expect(
      readdirSync(path.join(repo.dir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')),
    ).to.have.length(1);
    expectFsckClean(repo.dir);
    expect(await log(repo)).to.deep.equal(logBefore);
    expect(formatPatch(await diffCommit(repo, shas[5]!))).to.equal(diffBefore);
    expect(await readVersion(repo, shas[0]!)).to.deep.equal([
      { path: 'dir0/f.txt', content: '0\n' },
      { path: 'n.txt', content: '0\n' },
    ]);
    expect((await listComments(repo, shas[3]!)).map((c) => c.body)).to.deep.equal(['hi']);

    // Writing after a repack (main now lives in packed-refs) continues the same history.
    const next = await commitSnapshot(repo, {
      files: [{ path: 'n.txt', content: 'after\n' }],
      author: ALICE,
    });
    expect(git(repo.dir, 'rev-parse', 'main~1').trim()).to.equal(shas[11]);
    expect(git(repo.dir, 'rev-parse', 'main').trim()).to.equal(next.sha);
    await gcAuto(repo);
    expectFsckClean(repo.dir);
  });
});
