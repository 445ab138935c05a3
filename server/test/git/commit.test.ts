import { expect } from 'chai';
import { commitSnapshot, describeChanges } from '../../src/git/commit.js';
import { readRef, updateRef } from '../../src/git/refs.js';
import { initRepo, MAIN_REF, type Repo } from '../../src/git/repo.js';
import { parseMessage } from '../../src/git/trailers.js';
import { ALICE, BOB, expectAppError, expectFsckClean, git, tempDir } from './helpers.js';

describe('git commits', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;
  beforeEach(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 'c');
  });
  afterEach(() => tmp.cleanup());

  it('writes nested folders, unicode names and empty files that git fsck accepts', async () => {
    const files = [
      { path: 'README.md', content: '# Hi\n' },
      { path: 'src/app.ts', content: 'export const x = 1;\n' },
      { path: 'src/lib/deep/util.ts', content: '' },
      { path: 'src/lib.ts', content: 'no newline' },
      { path: 'src/lib-x/a.ts', content: 'a\n' },
      { path: 'docs/été/naïve 😀.md', content: 'ünïcødé ✓\n' },
      { path: 'a.b', content: '\n' },
      { path: 'a/b', content: 'x' },
      { path: '\ue000', content: 'private use (sorts after astral chars in UTF-8)' },
      { path: '😀', content: 'astral' },
    ];
    const res = await commitSnapshot(repo, { files, author: ALICE, time: new Date('2024-05-01T10:00:00Z') });
    expect(res.unchanged).to.not.equal(true);
    expectFsckClean(repo.dir);
    expect(git(repo.dir, 'rev-parse', 'main').trim()).to.equal(res.sha);
    const listed = git(repo.dir, '-c', 'core.quotePath=false', 'ls-tree', '-r', '--name-only', 'main')
      .trim()
      .split('\n');
    expect([...listed].sort()).to.deep.equal(files.map((f) => f.path).sort());
    expect(git(repo.dir, 'show', 'main:docs/été/naïve 😀.md')).to.equal('ünïcødé ✓\n');
    expect(git(repo.dir, 'show', 'main:src/lib.ts')).to.equal('no newline');
  });

  it('records the author and co-authors as git trailers, and the covered versions in a note of its own', async () => {
    const res = await commitSnapshot(repo, {
      files: [{ path: 'a.txt', content: 'a\n' }],
      message: 'First version',
      author: ALICE,
      coAuthors: [BOB, { name: 'Carol <ops>', email: 'carol@example.com' }, ALICE],
      covers: { 'doc-1': 12, 'doc-2': 0 },
      time: new Date('2024-05-01T10:00:00Z'),
    });
    const fmt =
      '%an%n%ae%n%at%n%cn%n%s%n%(trailers:key=Co-authored-by,valueonly,separator=|)%n%(trailers:key=Gitpad-Covers,valueonly)';
    const [an, ae, at, cn, subject, co, covers] = git(
      repo.dir,
      'log',
      '-1',
      `--format=${fmt}`,
      res.sha!,
    ).split('\n');
    expect([an, ae, at, cn, subject]).to.deep.equal([
      'Alice Liddell',
      'alice@example.com',
      '1714557600',
      'Gitpad',
      'First version',
    ]);
    // The author is not repeated as a co-author; "<" and ">" are taken out of names.
    expect(co).to.equal('Bob Builder <bob@example.com>|Carol ops <carol@example.com>');
    // Machine data stays out of the message people read.
    expect(covers).to.equal('');
    expect(git(repo.dir, 'log', '-1', '--format=%B', res.sha!)).to.equal(
      'First version\n\nCo-authored-by: Bob Builder <bob@example.com>\nCo-authored-by: Carol ops <carol@example.com>\n\n',
    );
    expect(JSON.parse(git(repo.dir, 'notes', '--ref=gitpad', 'show', res.sha!))).to.deep.equal({
      covers: { 'doc-1': 12, 'doc-2': 0 },
    });
    const parsed = parseMessage(git(repo.dir, 'log', '-1', '--format=%B', res.sha!));
    expect(parsed.message).to.equal('First version');
    expect(parsed.coAuthors).to.deep.equal([
      { name: 'Bob Builder', email: 'bob@example.com' },
      { name: 'Carol ops', email: 'carol@example.com' },
    ]);
    expect(parsed.covers).to.deep.equal({});
    expectFsckClean(repo.dir);
  });

  it('writes a message from the changes when none is given', async () => {
    await commitSnapshot(repo, {
      files: [
        { path: 'src/app.ts', content: '1' },
        { path: 'old.txt', content: 'old' },
        { path: 'a.js', content: 'moved' },
      ],
      author: ALICE,
    });
    const res = await commitSnapshot(repo, {
      files: [
        { path: 'src/app.ts', content: '2' },
        { path: 'README.md', content: 'new' },
        { path: 'b.js', content: 'moved' },
      ],
      author: ALICE,
    });
    expect(git(repo.dir, 'log', '-1', '--format=%s', res.sha!).trim()).to.equal(
      'Edit src/app.ts, add README.md, delete old.txt, rename a.js → b.js',
    );
  });

  it('makes no empty commits', async () => {
    const files = [{ path: 'a.txt', content: 'a' }];
    expect(await commitSnapshot(repo, { files: [], author: ALICE })).to.deep.equal({
      unchanged: true,
      sha: null,
    });
    const first = await commitSnapshot(repo, { files, author: ALICE });
    const again = await commitSnapshot(repo, {
      files: [{ path: 'a.txt', content: 'a' }],
      author: BOB,
      message: 'x',
    });
    expect(again).to.deep.equal({ unchanged: true, sha: first.sha });
    expect(git(repo.dir, 'rev-list', '--count', 'main').trim()).to.equal('1');
  });

  it('rejects invalid names before writing anything', async () => {
    const bad = [
      '',
      '/abs',
      'trailing/',
      'a//b',
      '.',
      'a/./b',
      '..',
      'a/../b',
      '.git',
      '.GIT/config',
      'x/.Git',
      '.git./x',
      '.git ',
      'git~1/x',
      '.g\u200cit',
      'a\u0000b',
      'a\nb',
      'tab\there',
      'back\\slash',
      'lone\ud800',
      'x'.repeat(256),
    ];
    for (const path of bad) {
      await expectAppError(
        commitSnapshot(repo, { files: [{ path, content: '' }], author: ALICE }),
        'ERR_INVALID_PATH',
      );
    }
    await expectAppError(
      commitSnapshot(repo, {
        files: [
          { path: 'a', content: '1' },
          { path: 'a', content: '2' },
        ],
        author: ALICE,
      }),
      'ERR_INVALID_PATH',
    );
    await expectAppError(
      commitSnapshot(repo, {
        files: [
          { path: 'a', content: '1' },
          { path: 'a/b', content: '2' },
        ],
        author: ALICE,
      }),
      'ERR_INVALID_PATH',
    );
    await expectAppError(
      commitSnapshot(repo, {
        files: [
          { path: 'a/b', content: '1' },
          { path: 'a', content: '2' },
        ],
        author: ALICE,
      }),
      'ERR_INVALID_PATH',
    );
    await expectAppError(
      commitSnapshot(repo, { files: [{ path: 'a', content: '1' }], author: ALICE, covers: { d: -1 } }),
      'ERR_VALIDATION',
    );
    expect(await readRef(repo, MAIN_REF)).to.equal(null);
    expect(git(repo.dir, 'count-objects').trim()).to.equal('0 objects, 0 kilobytes');
  });

  it('fails with ERR_CONFLICT when main moved since the snapshot was taken', async () => {
    const first = await commitSnapshot(repo, { files: [{ path: 'a', content: '1' }], author: ALICE });
    const second = await commitSnapshot(repo, { files: [{ path: 'a', content: '2' }], author: ALICE });
    await expectAppError(
      commitSnapshot(repo, {
        files: [{ path: 'a', content: '3' }],
        author: ALICE,
        expectedParent: first.sha,
      }),
      'ERR_CONFLICT',
    );
    await expectAppError(
      commitSnapshot(repo, { files: [{ path: 'a', content: '3' }], author: ALICE, expectedParent: null }),
      'ERR_CONFLICT',
    );
    const third = await commitSnapshot(repo, {
      files: [{ path: 'a', content: '3' }],
      author: ALICE,
      expectedParent: second.sha,
    });
    expect(git(repo.dir, 'rev-parse', 'main~1').trim()).to.equal(second.sha);
    // Moved underneath by another program: the old-value check refuses to overwrite it.
    git(repo.dir, 'update-ref', 'refs/heads/main', first.sha!);
    await expectAppError(
      repo.write(() => updateRef(repo, MAIN_REF, third.sha!, second.sha!)),
      'ERR_CONFLICT',
    );
    expect(git(repo.dir, 'rev-parse', 'main').trim()).to.equal(first.sha);
  });

  it('loses nothing when 20 commits run at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        commitSnapshot(repo, {
          files: [
            { path: 'shared.txt', content: `version ${i}\n` },
            { path: `own/${i}.txt`, content: `${i}\n` },
          ],
          author: { name: `User ${i}`, email: `u${i}@example.com` },
        }),
      ),
    );
    const shas = results.map((r) => r.sha);
    expect(new Set(shas).size).to.equal(20);
    const history = git(repo.dir, 'rev-list', 'main').trim().split('\n');
    expect(history).to.have.length(20);
    expect([...history].sort()).to.deep.equal([...shas].sort());
    // Serialized in call order: each commit's parent is the previous call's commit.
    expect(history.reverse()).to.deep.equal(shas);
    expectFsckClean(repo.dir);
  });
});

describe('describeChanges', () => {
  const tree = (o: Record<string, string>) => new Map(Object.entries(o));

  it('lists edits, additions, deletions and renames', () => {
    expect(describeChanges(tree({ a: '1', b: '2', c: '3' }), tree({ a: '9', d: '4', e: '3' }))).to.equal(
      'Edit a, add d, delete b, rename c → e',
    );
  });

  it('caps the list', () => {
    const after = tree(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, String(i)])));
    expect(describeChanges(new Map(), after, 3)).to.equal('Add f0, add f1, add f2, and 5 more');
  });

  it('pairs renames by file name first', () => {
    expect(
      describeChanges(tree({ 'x/a.txt': 's', 'y/b.txt': 's' }), tree({ 'z/b.txt': 's', 'z/a.txt': 's' })),
    ).to.equal('Rename x/a.txt → z/a.txt, rename y/b.txt → z/b.txt');
  });
});
