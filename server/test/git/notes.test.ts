import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import {
  addComment,
  commentCounts,
  deleteComment,
  editComment,
  listComments,
  NOTES_REF,
  resolveThread,
  writeThreads,
} from '../../src/git/notes.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { ALICE, expectAppError, expectFsckClean, git, tempDir } from './helpers.js';

const alice = { id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' };
const bob = { id: 'u-bob', username: 'bob', displayName: 'Bob Builder' };

describe('git notes (comments)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;
  let sha: string;
  let other: string;

  beforeEach(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 'n');
    sha = (await commitSnapshot(repo, { files: [{ path: 'src/app.ts', content: 'x\n' }], author: ALICE }))
      .sha!;
    other = (await commitSnapshot(repo, { files: [{ path: 'src/app.ts', content: 'y\n' }], author: ALICE }))
      .sha!;
  });
  afterEach(() => tmp.cleanup());

  it('writes whole threads (live comments) beside existing comments, replacing by id, readable by git', async () => {
    const mine = await addComment(repo, sha, { author: bob, body: 'A comment on the version' });
    const thread = (body: string, replies: string[]) => [
      {
        id: 't1',
        author: alice,
        body,
        path: 'src/app.ts',
        line: 3,
        endLine: 5,
        createdAt: '2024-05-01T10:00:00.000Z',
      },
      ...replies.map((r, i) => ({
        id: `r${i}`,
        author: bob,
        body: r,
        createdAt: '2024-05-01T10:05:00.000Z',
        parentId: 't1',
      })),
    ];
    await writeThreads(repo, sha, [thread('Range', ['one', 'two'])]);
    await writeThreads(repo, sha, [
      [{ ...thread('Range, again', ['one'])[0]!, resolved: true }, thread('', ['one'])[1]!],
    ]);
    const list = await listComments(repo, sha);
    expect(list.map((c) => [c.id, c.body])).to.deep.equal([
      [mine.id, 'A comment on the version'],
      ['t1', 'Range, again'],
      ['r0', 'one'],
    ]);
    const shown = git(repo.dir, 'log', '-1', '--notes=comments', '--format=%N', sha);
    expect(shown).to.contain('src/app.ts:3–5 — Alice Liddell (@alice), 2024-05-01 10:00 UTC [resolved]');
    expectFsckClean(repo.dir);
  });

  it('adds comments and replies and lists them per version', async () => {
    expect(await listComments(repo, sha)).to.deep.equal([]);
    const root = await addComment(repo, sha, {
      author: alice,
      body: 'Why not a Map here?',
      path: 'src/app.ts',
      line: 1,
      now: new Date('2024-05-01T10:00:00Z'),
    });
    const reply = await addComment(repo, sha.slice(0, 8), { author: bob, body: 'Fixed.', parentId: root.id });
    // A reply to a reply joins the thread of the root.
    const reply2 = await addComment(repo, sha, { author: alice, body: 'Thanks', parentId: reply.id });
    await addComment(repo, other, { author: bob, body: 'On the other version' });
    const list = await listComments(repo, sha);
    expect(list.map((c) => [c.author.username, c.body, c.parentId])).to.deep.equal([
      ['alice', 'Why not a Map here?', undefined],
      ['bob', 'Fixed.', root.id],
      ['alice', 'Thanks', root.id],
    ]);
    expect(list[0]).to.deep.include({ path: 'src/app.ts', line: 1, createdAt: '2024-05-01T10:00:00.000Z' });
    expect(reply2.parentId).to.equal(root.id);
    expect(await commentCounts(repo)).to.deep.equal(
      new Map([
        [sha, 3],
        [other, 1],
      ]),
    );
    expectFsckClean(repo.dir);
  });

  it('shows comments in git log --notes=comments as plain text, the exact list kept in refs/notes/gitpad', async () => {
    const root = await addComment(repo, sha, {
      author: alice,
      body: 'Why not a Map here?\nIt would be faster.',
      path: 'src/app.ts',
      line: 1,
      now: new Date('2024-05-01T10:00:00Z'),
    });
    await addComment(repo, sha, {
      author: bob,
      body: 'Fixed.',
      parentId: root.id,
      now: new Date('2024-05-01T10:05:00Z'),
    });
    await resolveThread(repo, sha, root.id, bob);
    const out = git(repo.dir, 'log', '--notes=comments', '--format=%H%n%N', '-1', sha);
    expect(out).to.include(
      [
        'src/app.ts:1 — Alice Liddell (@alice), 2024-05-01 10:00 UTC [resolved]',
        '    Why not a Map here?',
        '    It would be faster.',
        '  ↳ Bob Builder (@bob), 2024-05-01 10:05 UTC',
        '      Fixed.',
      ].join('\n'),
    );
    // Nothing but the text: no machine data in the note people read.
    expect(git(repo.dir, 'notes', '--ref=comments', 'show', sha)).to.equal(
      'src/app.ts:1 — Alice Liddell (@alice), 2024-05-01 10:00 UTC [resolved]\n' +
        '    Why not a Map here?\n    It would be faster.\n' +
        '  ↳ Bob Builder (@bob), 2024-05-01 10:05 UTC\n      Fixed.\n',
    );
    const data = JSON.parse(git(repo.dir, 'notes', '--ref=gitpad', 'show', sha));
    expect(data.comments).to.deep.equal(await listComments(repo, sha));
    expect(data.comments.map((c: { body: string }) => c.body)).to.deep.equal([
      'Why not a Map here?\nIt would be faster.',
      'Fixed.',
    ]);
    const shown = git(repo.dir, 'log', '--notes=comments', '-1', sha);
    expect(shown).to.include('Notes (comments):\n    src/app.ts:1 — Alice Liddell');
    expect(git(repo.dir, 'notes', '--ref=comments', 'list').trim().split('\n')).to.have.length(1);
  });

  it('lets only the author edit or delete a comment', async () => {
    const c = await addComment(repo, sha, { author: alice, body: 'typo' });
    await expectAppError(editComment(repo, sha, c.id, bob, 'hijack'), 'ERR_FORBIDDEN');
    await expectAppError(deleteComment(repo, sha, c.id, bob), 'ERR_FORBIDDEN');
    const edited = await editComment(repo, sha, c.id, alice, 'fixed typo', new Date('2024-06-01T00:00:00Z'));
    expect(edited).to.deep.include({ body: 'fixed typo', editedAt: '2024-06-01T00:00:00.000Z' });
    expect((await listComments(repo, sha))[0]!.body).to.equal('fixed typo');
    await expectAppError(editComment(repo, sha, 'nope', alice, 'x'), 'ERR_NOT_FOUND');
    await deleteComment(repo, sha, c.id, alice);
    expect(await listComments(repo, sha)).to.deep.equal([]);
    // The last comment gone, the note is gone too.
    expect(git(repo.dir, 'notes', '--ref=comments', 'list').trim()).to.equal('');
    expectFsckClean(repo.dir);
  });

  it('keeps a deleted thread root as a placeholder while it has replies', async () => {
    const root = await addComment(repo, sha, { author: alice, body: 'root' });
    const reply = await addComment(repo, sha, { author: bob, body: 'reply', parentId: root.id });
    await deleteComment(repo, sha, root.id, alice);
    let list = await listComments(repo, sha);
    expect(list.map((c) => [c.id, c.deleted ?? false, c.body])).to.deep.equal([
      [root.id, true, ''],
      [reply.id, false, 'reply'],
    ]);
    await deleteComment(repo, sha, reply.id, bob);
    list = await listComments(repo, sha);
    expect(list).to.deep.equal([]);
  });

  it('resolves and reopens a thread from any of its comments', async () => {
    const root = await addComment(repo, sha, { author: alice, body: 'root' });
    const reply = await addComment(repo, sha, { author: bob, body: 'reply', parentId: root.id });
    expect((await resolveThread(repo, sha, reply.id, bob)).resolved).to.equal(true);
    expect((await listComments(repo, sha))[0]!.resolved).to.equal(true);
    await resolveThread(repo, sha, root.id, alice, false);
    expect((await listComments(repo, sha))[0]!.resolved).to.equal(undefined);
  });

  it('validates input', async () => {
    await expectAppError(addComment(repo, sha, { author: alice, body: '   ' }), 'ERR_VALIDATION');
    await expectAppError(
      addComment(repo, sha, { author: alice, body: 'x', path: '../etc' }),
      'ERR_INVALID_PATH',
    );
    await expectAppError(
      addComment(repo, sha, { author: alice, body: 'x', path: 'a', line: 0 }),
      'ERR_VALIDATION',
    );
    await expectAppError(addComment(repo, sha, { author: alice, body: 'x', line: 3 }), 'ERR_VALIDATION');
    await expectAppError(
      addComment(repo, sha, { author: alice, body: 'x', parentId: 'nope' }),
      'ERR_NOT_FOUND',
    );
    await expectAppError(addComment(repo, 'zzz', { author: alice, body: 'x' }), 'ERR_INVALID_SHA');
    await expectAppError(
      addComment(repo, 'f'.repeat(40), { author: alice, body: 'x' }),
      'ERR_VERSION_NOT_FOUND',
    );
  });

  it('loses nothing when 20 comments are added at once', async () => {
    const added = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        addComment(repo, i % 2 ? sha : other, { author: i % 3 ? alice : bob, body: `comment ${i}` }),
      ),
    );
    const all = [...(await listComments(repo, sha)), ...(await listComments(repo, other))];
    expect(all.map((c) => c.id).sort()).to.deep.equal(added.map((c) => c.id).sort());
    // One notes commit per change, in a straight line.
    expect(git(repo.dir, 'rev-list', '--count', NOTES_REF).trim()).to.equal('20');
    expectFsckClean(repo.dir);
  });
  it('reads comments from notes of older versions (JSON line in the text) and moves them on the next change', async () => {
    const old = [
      {
        id: 'c1',
        author: alice,
        body: 'Old comment',
        createdAt: '2024-01-01T00:00:00.000Z',
        path: 'src/app.ts',
        line: 1,
      },
    ];
    // A note as older Gitpad versions wrote it, by the git CLI.
    const legacy = `src/app.ts:1 — Alice Liddell (@alice), 2024-01-01 00:00 UTC\n    Old comment\n\ngitpad-comments-v1: ${JSON.stringify(old)}\n`;
    git(
      repo.dir,
      '-c',
      'user.name=Old',
      '-c',
      'user.email=old@example.com',
      'notes',
      '--ref=comments',
      'add',
      '-m',
      legacy.trimEnd(),
      sha,
    );
    const fresh = await initRepo(tmp.dir, 'n');
    expect(await listComments(fresh, sha)).to.deep.equal(old);
    expect((await commentCounts(fresh)).get(sha)).to.equal(1);
    await addComment(fresh, sha, { author: bob, body: 'New reply', parentId: 'c1' });
    expect((await listComments(fresh, sha)).map((c) => c.body)).to.deep.equal(['Old comment', 'New reply']);
    expect(git(fresh.dir, 'notes', '--ref=comments', 'show', sha)).to.not.include('gitpad-comments-v1');
    expect(JSON.parse(git(fresh.dir, 'notes', '--ref=gitpad', 'show', sha)).comments).to.have.length(2);
    // Deleted down to nothing: the readable note goes, and the old JSON line is not read again.
    await deleteComment(fresh, sha, (await listComments(fresh, sha))[1]!.id, bob);
    await deleteComment(fresh, sha, 'c1', alice);
    expect(await listComments(fresh, sha)).to.deep.equal([]);
    expect(git(fresh.dir, 'notes', '--ref=comments', 'list').trim()).to.equal('');
    expectFsckClean(fresh.dir);
  });
});
