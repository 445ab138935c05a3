import { expect } from 'chai';
import type { DiffHunk, VersionComment } from '../../../src/api/versions';
import { hunkHeader, splitRows, unifiedRows } from '../../../src/components/versions/diff-rows';
import { lineKey, splitThreads, toThreads } from '../../../src/components/versions/threads';

const hunk: DiffHunk = {
  oldStart: 1,
  oldLines: 4,
  newStart: 1,
  newLines: 4,
  header: 'def f():',
  lines: [
    { type: 'context', text: 'a', oldLine: 1, newLine: 1 },
    { type: 'del', text: 'b', oldLine: 2 },
    { type: 'del', text: 'c', oldLine: 3 },
    { type: 'add', text: 'B', newLine: 2 },
    { type: 'add', text: 'C', newLine: 3 },
    { type: 'add', text: 'D', newLine: 4 },
    { type: 'context', text: 'e', oldLine: 4, newLine: 5 },
  ],
};

describe('diff rows', () => {
  it('prints hunk headers as git does (a count of 1 is left out)', () => {
    expect(hunkHeader(hunk)).to.equal('@@ -1,4 +1,4 @@ def f():');
    expect(hunkHeader({ ...hunk, oldStart: 0, oldLines: 0, newLines: 1, header: '' })).to.equal(
      '@@ -0,0 +1 @@',
    );
  });

  it('unified: one row per line, comments anchor on new-side line numbers only', () => {
    const rows = unifiedRows([hunk]);
    expect(rows).to.have.length(8);
    expect(rows.map((r) => (r.kind === 'line' ? (r.anchor ?? '-') : 'h'))).to.deep.equal([
      'h',
      1,
      '-',
      '-',
      2,
      3,
      4,
      5,
    ]);
  });

  it('side by side: a run of deletions pairs with the additions after it, row by row', () => {
    const rows = splitRows([hunk]).filter((r) => r.kind === 'pair');
    expect(rows.map((r) => [r.left?.text ?? '', r.right?.text ?? '', r.anchor ?? 0])).to.deep.equal([
      ['a', 'a', 1],
      ['b', 'B', 2],
      ['c', 'C', 3],
      ['', 'D', 4],
      ['e', 'e', 5],
    ]);
  });
});

describe('comment threads', () => {
  const c = (id: string, extra: Partial<VersionComment> = {}): VersionComment => ({
    id,
    author: { id: 'u', username: 'u', displayName: 'U' },
    body: id,
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  });

  it('groups replies under roots and splits line threads from the version ones', () => {
    const threads = toThreads([
      c('r1'),
      c('r2', { path: 'a.ts', line: 3 }),
      c('x', { parentId: 'r2' }),
      c('orphan', { parentId: 'gone' }),
    ]);
    expect(threads.map((t) => [t.root.id, t.replies.map((r) => r.id)])).to.deep.equal([
      ['r1', []],
      ['r2', ['x']],
    ]);
    const { general, byLine } = splitThreads(threads);
    expect(general.map((t) => t.root.id)).to.deep.equal(['r1']);
    expect(byLine.get(lineKey('a.ts', 3))?.map((t) => t.root.id)).to.deep.equal(['r2']);
  });
});
