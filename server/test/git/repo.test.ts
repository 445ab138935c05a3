import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cleanupRepo, createAtomicFs, writeFileAtomic } from '../../src/git/atomic-fs.js';
import { commitSnapshot } from '../../src/git/commit.js';
import { archiveRepo, initRepo, openRepo, removeRepo, repoPath } from '../../src/git/repo.js';
import { ALICE, expectAppError, expectAppErrorSync, expectFsckClean, git, tempDir } from './helpers.js';

describe('git repos', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('creates a bare repo whose HEAD is main, with no commits', async () => {
    const repo = await initRepo(tmp.dir, 's1');
    expect(repo.dir).to.equal(path.join(tmp.dir, 's1.git'));
    expect(git(repo.dir, 'rev-parse', '--is-bare-repository').trim()).to.equal('true');
    expect(git(repo.dir, 'symbolic-ref', 'HEAD').trim()).to.equal('refs/heads/main');
    expect(git(repo.dir, 'config', 'http.receivepack').trim()).to.equal('false');
    expect(git(repo.dir, 'for-each-ref').trim()).to.equal('');
    expectFsckClean(repo.dir);
  });

  it('is idempotent and hands out one handle per repo', async () => {
    const a = await initRepo(tmp.dir, 's1');
    await commitSnapshot(a, { files: [{ path: 'x', content: '1' }], author: ALICE });
    const b = await initRepo(tmp.dir, 's1');
    const c = await openRepo(tmp.dir, 's1');
    expect(b).to.equal(a);
    expect(c).to.equal(a);
    expect(git(a.dir, 'rev-list', '--count', 'main').trim()).to.equal('1');
  });

  it('survives concurrent inits and clears a crashed init', async () => {
    mkdirSync(path.join(tmp.dir, '.init-s4-deadbeef', 'objects'), { recursive: true });
    const repos = await Promise.all([
      initRepo(tmp.dir, 's4'),
      initRepo(tmp.dir, 's4'),
      openRepo(tmp.dir, 's4').catch(() => null),
    ]);
    expect(repos[1]).to.equal(repos[0]);
    expect(readdirSync(tmp.dir)).to.deep.equal(['s4.git']);
    expectFsckClean(repos[0]!.dir);
  });

  it('rejects bad session ids and unknown sessions', async () => {
    for (const id of ['', 'A', 'a/b', '../x', 'a.b', 'x'.repeat(65), 'a_b']) {
      expectAppErrorSync(() => repoPath(tmp.dir, id), 'ERR_VALIDATION');
    }
    await expectAppError(openRepo(tmp.dir, 'nope'), 'ERR_SESSION_NOT_FOUND');
  });

  it('archives a repo under .archive/ and refuses later writes through the old handle', async () => {
    const repo = await initRepo(tmp.dir, 's2');
    await commitSnapshot(repo, { files: [{ path: 'x', content: '1' }], author: ALICE });
    const target = await archiveRepo(tmp.dir, 's2', new Date('2024-05-01T10:00:00.123Z'));
    expect(target).to.equal(path.join(tmp.dir, '.archive', 's2-20240501T100000Z.git'));
    expect(existsSync(repo.dir)).to.equal(false);
    expect(git(target, 'rev-list', '--count', 'main').trim()).to.equal('1');
    await expectAppError(commitSnapshot(repo, { files: [], author: ALICE }), 'ERR_SESSION_NOT_FOUND');
    await expectAppError(openRepo(tmp.dir, 's2'), 'ERR_SESSION_NOT_FOUND');
  });

  it('removes a repo after queued writes finish', async () => {
    const repo = await initRepo(tmp.dir, 's3');
    const pending = commitSnapshot(repo, { files: [{ path: 'x', content: '1' }], author: ALICE });
    await removeRepo(tmp.dir, 's3');
    expect((await pending).sha).to.be.a('string');
    expect(existsSync(repo.dir)).to.equal(false);
    // A new session with the same id starts from scratch.
    const again = await initRepo(tmp.dir, 's3');
    expect(again).to.not.equal(repo);
    expect(git(again.dir, 'for-each-ref').trim()).to.equal('');
  });
});

describe('git atomic fs', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('writes through a temp file in gitpad-tmp/ and leaves nothing behind', async () => {
    const dir = path.join(tmp.dir, 'r.git');
    mkdirSync(path.join(dir, 'refs', 'heads'), { recursive: true });
    const fs = createAtomicFs(dir);
    await fs.promises.writeFile(path.join(dir, 'refs', 'heads', 'main'), 'abc\n', 'utf8');
    expect(readFileSync(path.join(dir, 'refs', 'heads', 'main'), 'utf8')).to.equal('abc\n');
    expect(readdirSync(path.join(dir, 'refs', 'heads'))).to.deep.equal(['main']);
    expect(readdirSync(path.join(dir, 'gitpad-tmp'))).to.deep.equal([]);
  });

  it('refuses to write outside the repo', async () => {
    const dir = path.join(tmp.dir, 'r.git');
    mkdirSync(dir);
    const fs = createAtomicFs(dir);
    let code: string | undefined;
    await fs.promises.writeFile(path.join(tmp.dir, 'outside'), 'x').catch((err) => {
      code = err.code;
    });
    expect(code).to.equal('EPERM');
    expect(existsSync(path.join(tmp.dir, 'outside'))).to.equal(false);
  });

  it('abandons a write when the compare-and-swap hook throws', async () => {
    const dir = path.join(tmp.dir, 'r.git');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'f'), 'old');
    const failed = await writeFileAtomic(dir, path.join(dir, 'f'), 'new', 'utf8', async () => {
      throw new Error('moved');
    }).catch((err: Error) => err.message);
    expect(failed).to.equal('moved');
    expect(readFileSync(path.join(dir, 'f'), 'utf8')).to.equal('old');
    expect(readdirSync(path.join(dir, 'gitpad-tmp'))).to.deep.equal([]);
  });

  it('cleans stale temp and lock files, and nothing else', async () => {
    const repo = await initRepo(tmp.dir, 'c1');
    await commitSnapshot(repo, { files: [{ path: 'x', content: '1' }], author: ALICE });
    const stale = [
      'gitpad-tmp/123-1-abcd',
      'refs/heads/main.lock',
      'packed-refs.lock',
      'HEAD.lock',
      'objects/pack/tmp_pack_abc',
      'objects/pack/.tmp-99-pack-x.pack',
      'objects/ab/tmp_obj_xyz',
      'objects/info/commit-graph.lock',
    ];
    for (const f of stale) {
      mkdirSync(path.dirname(path.join(repo.dir, f)), { recursive: true });
      writeFileSync(path.join(repo.dir, f), '');
    }
    const report = await cleanupRepo(repo.dir);
    expect([...report.removed].sort()).to.deep.equal([...stale].sort());
    for (const f of stale) expect(existsSync(path.join(repo.dir, f)), f).to.equal(false);
    expect(git(repo.dir, 'rev-list', '--count', 'main').trim()).to.equal('1');
    expectFsckClean(repo.dir);
  });
});
