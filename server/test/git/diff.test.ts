import { expect } from 'chai';
import { commitSnapshot, type SnapshotFile } from '../../src/git/commit.js';
import { diffCommit, diffCommits, diffWithFiles } from '../../src/git/diff.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { formatPatch } from '../../src/git/unified.js';
import { ALICE, git, tempDir } from './helpers.js';

type Files = Record<string, string>;
const toFiles = (files: Files): SnapshotFile[] =>
  Object.entries(files).map(([path, content]) => ({ path, content }));
const lines = (n: number, f = (i: number) => `line ${i}`) =>
  Array.from({ length: n }, (_, i) => `${f(i + 1)}\n`).join('');

describe('git diff', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;
  let counter = 0;

  before(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 'd');
  });
  after(() => tmp.cleanup());

  /** Commits both sides (with a marker file so they always differ) and returns the two shas. */
  async function commitPair(before: Files, after: Files): Promise<[string, string]> {
    const n = counter++;
    const a = await commitSnapshot(repo, {
      files: toFiles({ ...before, '~marker': `${n}a` }),
      author: ALICE,
    });
    const b = await commitSnapshot(repo, { files: toFiles({ ...after, '~marker': `${n}b` }), author: ALICE });
    return [a.sha!, b.sha!];
  }

  /** Our patch must equal `git diff base head`, from commits and from live files alike. */
  async function expectSameAsGit(before: Files, after: Files, gitArgs: string[] = []): Promise<string> {
    const [base, head] = await commitPair(before, after);
    const expected = git(repo.dir, 'diff', ...gitArgs, base, head);
    const ours = formatPatch(await diffCommits(repo, base, head));
    expect(ours).to.equal(expected);
    const live = formatPatch(
      await diffWithFiles(repo, base, toFiles({ ...after, '~marker': `${counter - 1}b` })),
    );
    expect(live).to.equal(expected);
    return ours;
  }

  it('adds a file', async () => {
    const out = await expectSameAsGit({ 'a.txt': 'a\n' }, { 'a.txt': 'a\n', 'new.txt': 'hello\nworld\n' });
    expect(out).to.include('new file mode 100644\nindex 0000000..');
    expect(out).to.include('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n');
  });

  it('deletes a file', async () => {
    const out = await expectSameAsGit({ 'a.txt': 'a\n', 'old.txt': 'bye\n' }, { 'a.txt': 'a\n' });
    expect(out).to.include('deleted file mode 100644\nindex ');
    expect(out).to.include('--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n');
  });

  it('adds and deletes empty files, and empties a file', async () => {
    await expectSameAsGit({ 'gone.txt': '', 'full.txt': 'x\ny\n' }, { 'new.txt': '', 'full.txt': '' });
  });

  it('modifies the first line, the last line and a middle line', async () => {
    const base = lines(20);
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': base.replace('line 1\n', 'first\n') });
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': base.replace('line 20\n', 'last\n') });
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': base.replace('line 10\n', 'middle\n') });
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': `zero\n${base}twenty-one\n` });
  });

  it('marks a missing newline at the end of a file', async () => {
    await expectSameAsGit({ 'f.txt': 'a\nb' }, { 'f.txt': 'a\nb\n' });
    await expectSameAsGit({ 'f.txt': 'a\nb\n' }, { 'f.txt': 'a\nb' });
    await expectSameAsGit({ 'f.txt': 'a\nb\nc' }, { 'f.txt': 'a\nB\nc' });
    await expectSameAsGit({ 'f.txt': 'x' }, { 'f.txt': 'y' });
    const out = await expectSameAsGit({ 'f.txt': '' }, { 'f.txt': 'only' });
    expect(out).to.include('@@ -0,0 +1 @@\n+only\n\\ No newline at end of file\n');
  });

  it('handles unicode content and quotes unicode paths as git does', async () => {
    await expectSameAsGit(
      { 'naïve/été.md': 'café\n😀 smile\n', 'plain.txt': 'ü\n' },
      { 'naïve/été.md': 'café\n😃 grin\n', 'plain.txt': 'ü\n', 'новый.txt': 'привет\n' },
    );
  });

  it('adds a tab after names with spaces and escapes quotes', async () => {
    await expectSameAsGit(
      { 'my file.txt': 'a\n', 'say "hi".txt': '1\n' },
      { 'my file.txt': 'b\n', 'say "hi".txt': '2\n' },
    );
  });

  it('splits distant changes into hunks and merges close ones', async () => {
    const base = lines(40);
    // Changes 6 lines apart share a hunk; 7 apart do not.
    const close = base.replace('line 5\n', 'five\n').replace('line 12\n', 'twelve\n');
    const far = base.replace('line 5\n', 'five\n').replace('line 13\n', 'thirteen\n');
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': close });
    const out = await expectSameAsGit({ 'f.txt': base }, { 'f.txt': far });
    const section = out.slice(out.indexOf('diff --git a/f.txt'), out.indexOf('diff --git a/~marker'));
    expect(section.match(/^@@/gm)).to.have.length(2);
    const many = base
      .replace('line 2\n', '')
      .replace('line 18\n', 'x\ny\n')
      .replace('line 30\n', 'thirty\n')
      .replace('line 40\n', 'forty');
    await expectSameAsGit({ 'f.txt': base }, { 'f.txt': many });
  });

  it('prints the enclosing function line after the hunk header', async () => {
    const code = [
      'import x from "y";',
      '',
      'function alpha() {',
      '  const a = 1;',
      '  const b = 2;',
      '  const c = 3;',
      '  const d = 4;',
      '  return a + b + c + d;',
      '}',
      '',
      `export function ${'veryLong'.repeat(12)}() {`,
      '  let n = 0;',
      '  n++;',
      '  n++;',
      '  n++;',
      '  return n;',
      '}',
      '',
    ].join('\n');
    const changed = code.replace('const d = 4;', 'const d = 40;').replace('  return n;', '  return n * 2;');
    const out = await expectSameAsGit({ 'f.ts': `${code}\n` }, { 'f.ts': `${changed}\n` });
    expect(out).to.include('@@ -4,7 +4,7 @@ function alpha() {\n');
    // git keeps the first 80 bytes of a long function line.
    expect(out).to.include(`@@ -13,6 +13,6 @@ export function ${'veryLong'.repeat(8)}\n`);
  });

  it('places an inserted block where git does (indent heuristic)', async () => {
    const before = ['function a() {', '  return 1;', '}', '', 'function c() {', '  return 3;', '}', ''].join(
      '\n',
    );
    const after = before.replace('}\n\nfunction c', '}\n\nfunction b() {\n  return 2;\n}\n\nfunction c');
    const out = await expectSameAsGit({ 'f.js': before }, { 'f.js': after });
    expect(out).to.include('+function b() {\n+  return 2;\n+}\n+\n');
    const nested = ['if (x) {', '  if (y) {', '    go();', '  }', '}', ''].join('\n');
    await expectSameAsGit(
      { 'g.js': nested },
      { 'g.js': nested.replace('  }\n}', '  }\n  if (z) {\n    go();\n  }\n}') },
    );
  });

  it('shows exact renames as git does, in the new path order', async () => {
    await expectSameAsGit(
      { 'z/old.txt': 'moved\n', 'm.txt': '1\n', empty: '' },
      { 'a/new.txt': 'moved\n', 'm.txt': '2\n', empty2: '' },
    );
  });

  it('says binary files differ', async () => {
    await expectSameAsGit({ bin: 'a\0b' }, { bin: 'a\0c', bin2: '\0' });
  });

  it('diffs a first commit against nothing, like git show', async () => {
    const other = await initRepo(tmp.dir, 'first');
    const res = await commitSnapshot(other, {
      files: toFiles({ 'a.txt': 'a\n', 'b/c.txt': 'c' }),
      author: ALICE,
    });
    const expected = git(other.dir, 'show', '--format=', res.sha!);
    expect(formatPatch(await diffCommit(other, res.sha!))).to.equal(expected);
    expect(formatPatch(await diffCommits(other, null, res.sha!))).to.equal(expected);
  });

  it('returns a structured form with statuses, line numbers and counts', async () => {
    const [base, head] = await commitPair(
      { 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'x\n', 'r1.txt': 'same\n' },
      { 'a.txt': 'one\n2\nthree\nfour', 'new.txt': 'n\n', 'r2.txt': 'same\n' },
    );
    const files = (await diffCommits(repo, base, head)).filter((f) => f.path !== '~marker');
    expect(files.map((f) => [f.path, f.oldPath, f.status])).to.deep.equal([
      ['a.txt', 'a.txt', 'modified'],
      ['gone.txt', 'gone.txt', 'deleted'],
      ['new.txt', 'new.txt', 'added'],
      ['r2.txt', 'r1.txt', 'renamed'],
    ]);
    const a = files[0]!;
    expect([a.additions, a.deletions]).to.deep.equal([2, 1]);
    expect(a.hunks).to.have.length(1);
    expect(a.hunks[0]).to.deep.include({ oldStart: 1, oldLines: 3, newStart: 1, newLines: 4, header: '' });
    expect(
      a.hunks[0]!.lines.map((l) => `${l.type}:${l.text}:${l.oldLine ?? ''}:${l.newLine ?? ''}`),
    ).to.deep.equal(['context:one:1:1', 'del:two:2:', 'add:2::2', 'context:three:3:3', 'add:four::4']);
    expect(a.hunks[0]!.lines[4]!.noNewline).to.equal(true);
    expect(files[3]!.hunks).to.deep.equal([]);
  });

  it('agrees with git on many random code-like edits', async () => {
    // A deterministic generator of code-like files (mostly unique lines, some blank lines and
    // braces) and of small edits to them; all cases go in one commit pair and one git diff.
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let uid = 0;
    const line = () => {
      const r = rnd();
      if (r < 0.15) return '';
      if (r < 0.25) return '}';
      if (r < 0.3) return '  }';
      const indent = ['', '  ', '    ', '\t'][Math.floor(rnd() * 4)]!;
      return `${indent}stmt${uid++}${rnd() < 0.3 ? ' {' : ';'}`;
    };
    const before: Files = {};
    const after: Files = {};
    for (let i = 0; i < 120; i++) {
      const a = Array.from({ length: 5 + Math.floor(rnd() * 50) }, line);
      const b = [...a];
      for (let k = 0, edits = 1 + Math.floor(rnd() * 4); k < edits; k++) {
        const pos = Math.floor(rnd() * (b.length + 1));
        const op = rnd();
        if (op < 0.4) b.splice(pos, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 5) }, line));
        else if (op < 0.7) b.splice(pos, 1 + Math.floor(rnd() * 3));
        else if (pos < b.length) b[pos] = line();
      }
      const name = `case${String(i).padStart(3, '0')}.txt`;
      before[name] = a.join('\n') + (rnd() < 0.85 ? '\n' : '');
      after[name] = b.join('\n') + (rnd() < 0.85 ? '\n' : '');
    }
    await expectSameAsGit(before, after);
  });

  it('stays a correct diff where repetitive text lets it differ from git (documented)', async () => {
    // With few distinct lines many minimal diffs exist; git's Myers variant and jsdiff's can pick
    // different ones beyond what the sliding normalization aligns (see text-diff.ts).
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const word = () => ['a', 'b', 'c', '', '}'][Math.floor(rnd() * 5)]!;
    const before: Files = {};
    const after: Files = {};
    for (let i = 0; i < 100; i++) {
      const a = Array.from({ length: Math.floor(rnd() * 25) }, word);
      const b = [...a];
      for (let k = 0; k < 3; k++) {
        const pos = Math.floor(rnd() * (b.length + 1));
        if (rnd() < 0.5) b.splice(pos, 0, word(), word());
        else b.splice(pos, 2);
      }
      before[`r${String(i).padStart(3, '0')}`] = `${a.join('\n')}\n`;
      after[`r${String(i).padStart(3, '0')}`] = `${b.join('\n')}\n`;
    }
    const [base, head] = await commitPair(before, after);
    const theirs = git(repo.dir, 'diff', base, head).split(/^(?=diff --git )/m);
    const files = await diffCommits(repo, base, head);
    const ours = formatPatch(files).split(/^(?=diff --git )/m);
    expect(ours).to.have.length(theirs.length);
    const same = ours.filter((section, i) => section === theirs[i]).length;
    expect(same / ours.length).to.be.at.least(0.9);
    // Every one of our diffs turns the old text into the new one.
    for (const file of files) {
      if (file.path === '~marker') continue;
      const old = before[file.path]!.split('\n').slice(0, -1);
      const out: string[] = [];
      let next = 0;
      for (const hunk of file.hunks) {
        const start = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
        out.push(...old.slice(next, start));
        next = start;
        for (const line of hunk.lines) {
          if (line.type !== 'add') expect(old[next++]).to.equal(line.text);
          if (line.type !== 'del') out.push(line.text);
        }
      }
      out.push(...old.slice(next));
      expect(`${out.join('\n')}\n`, file.path).to.equal(after[file.path]);
    }
  });
});
