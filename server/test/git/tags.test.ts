import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import { maintainRepo } from '../../src/git/maintenance.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { createTag, deleteTag, listTags, tagsByCommit, validateTagName } from '../../src/git/tags.js';
import { ALICE, BOB, expectAppError, expectAppErrorSync, expectFsckClean, git, tempDir } from './helpers.js';

describe('git tags', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;
  let v1: string;
  let v2: string;

  beforeEach(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 't');
    v1 = (await commitSnapshot(repo, { files: [{ path: 'a', content: '1' }], author: ALICE })).sha!;
    v2 = (await commitSnapshot(repo, { files: [{ path: 'a', content: '2' }], author: ALICE })).sha!;
  });
  afterEach(() => tmp.cleanup());

  it('creates annotated tags that git lists with their message', async () => {
    const time = new Date('2024-05-01T10:00:00Z');
    const tag = await createTag(repo, {
      name: 'v1.0',
      sha: v1.slice(0, 7),
      message: 'First release\n\nNotes.',
      tagger: BOB,
      time,
    });
    expect(tag).to.deep.equal({
      name: 'v1.0',
      sha: v1,
      message: 'First release\n\nNotes.',
      tagger: BOB,
      time: time.toISOString(),
    });
    await createTag(repo, { name: 'release/v2', sha: v2, tagger: ALICE });
    expect(
      git(repo.dir, 'tag', '-n')
        .trim()
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ')),
    ).to.deep.equal(['release/v2 release/v2', 'v1.0 First release']);
    expect(git(repo.dir, 'cat-file', '-t', 'v1.0').trim()).to.equal('tag');
    expect(git(repo.dir, 'rev-parse', 'v1.0^{commit}').trim()).to.equal(v1);
    expect(
      git(repo.dir, 'for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/v1.0').trim(),
    ).to.equal('Bob Builder <bob@example.com>');
    expectFsckClean(repo.dir);
    const byCommit = await tagsByCommit(repo);
    expect(byCommit.get(v1)!.map((t) => t.name)).to.deep.equal(['v1.0']);
    expect(byCommit.get(v2)!.map((t) => t.name)).to.deep.equal(['release/v2']);
  });

  it('rejects names git would reject, and taken names', async () => {
    for (const bad of [
      '',
      'a b',
      'a..b',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[b',
      'a\\b',
      '-x',
      'x.',
      '/x',
      'x/',
      'a//b',
      '.x',
      'a/.b',
      'x.lock',
      'a@{b',
      '@',
      'tab\t',
      'x'.repeat(101),
    ]) {
      expectAppErrorSync(() => validateTagName(bad), 'ERR_VALIDATION');
      await expectAppError(createTag(repo, { name: bad, sha: v1, tagger: ALICE }), 'ERR_VALIDATION');
    }
    for (const good of ['v1', 'v1.0.0-rc.1', 'release/2024-05', 'naïve', 'HEADS_UP']) validateTagName(good);
    await createTag(repo, { name: 'v1', sha: v1, tagger: ALICE });
    await expectAppError(createTag(repo, { name: 'v1', sha: v2, tagger: ALICE }), 'ERR_CONFLICT');
    await expectAppError(createTag(repo, { name: 'v1/rc', sha: v2, tagger: ALICE }), 'ERR_CONFLICT');
    await expectAppError(
      createTag(repo, { name: 'v2', sha: 'f'.repeat(40), tagger: ALICE }),
      'ERR_VERSION_NOT_FOUND',
    );
    expect((await listTags(repo)).map((t) => t.name)).to.deep.equal(['v1']);
  });

  it('lists and deletes tags after git packed the refs', async () => {
    await createTag(repo, { name: 'a', sha: v1, tagger: ALICE });
    await createTag(repo, { name: 'b', sha: v2, tagger: ALICE });
    await maintainRepo(repo, { looseObjectThreshold: 0 });
    expect(git(repo.dir, 'show-ref', '--tags').trim().split('\n')).to.have.length(2);
    expect((await listTags(repo)).map((t) => [t.name, t.sha])).to.deep.equal([
      ['a', v1],
      ['b', v2],
    ]);
    await deleteTag(repo, 'a');
    await expectAppError(deleteTag(repo, 'a'), 'ERR_NOT_FOUND');
    expect(git(repo.dir, 'tag').trim()).to.equal('b');
    expectFsckClean(repo.dir);
  });
});
