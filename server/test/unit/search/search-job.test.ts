import { expect } from 'chai';
import { runSearchJob, type SearchJob } from '../../../src/search/search-job.js';
import { replaceOp } from '../../../src/search/service.js';

const query = (q: string, o: { regex?: boolean; case?: boolean; word?: boolean } = {}) => ({
  q,
  regex: o.regex ?? false,
  case: o.case ?? false,
  word: o.word ?? false,
});

function search(text: string, q: ReturnType<typeof query>) {
  const job: SearchJob = {
    kind: 'search',
    query: q,
    files: [{ path: 'f', text }],
    maxResults: 100,
    maxPreview: 200,
    budgetMs: 1000,
  };
  const r = runSearchJob(job);
  if (r.kind !== 'search') throw new Error('not a search');
  return r.results.map((h) => [h.line, h.column, h.length]);
}

function replace(text: string, q: ReturnType<typeof query>, replacement: string): string {
  const r = runSearchJob({ kind: 'replace', query: q, replacement, files: [{ path: 'f', text }] });
  if (r.kind !== 'replace') throw new Error('not a replace');
  // Apply the op as json0 would, component by component.
  let out = text;
  for (const c of replaceOp(text, r.edits[0]!) as Array<{ p: [string, number]; si?: string; sd?: string }>) {
    const at = c.p[1];
    out =
      c.si !== undefined
        ? out.slice(0, at) + c.si + out.slice(at)
        : out.slice(0, at) + out.slice(at + c.sd!.length);
  }
  return out;
}

describe('search job', () => {
  it('a CR before LF is not part of the line, so `$` matches before it', () => {
    expect(search('ab\r\ncab\r\n', query('b$', { regex: true }))).to.deep.equal([
      [1, 2, 1],
      [2, 3, 1],
    ]);
  });

  it('skips empty matches without looping, and never splits an astral character', () => {
    expect(search('😀x', query('x*', { regex: true }))).to.deep.equal([[1, 3, 1]]);
  });

  it('whole word treats non-ASCII letters as letters', () => {
    expect(search('café cafébar', query('café', { word: true }))).to.deep.equal([[1, 1, 4]]);
  });

  it('replace expands $1, $<name>, $& and $$ in regex mode, and is literal otherwise', () => {
    expect(replace('a=1, b=2', query('(\\w)=(?<v>\\d)', { regex: true }), '$2:$1 [$&] $$ $<v>')).to.equal(
      '1:a [a=1] $ 1, 2:b [b=2] $ 2',
    );
    expect(replace('a.b a.b', query('a.b'), '$1')).to.equal('$1 $1');
  });

  it('replace edits apply from the end, so every offset is one of the original text', () => {
    expect(replace('xx\nyxx\n', query('x'), 'zz')).to.equal('zzzz\nyzzzz\n');
    expect(replace('one two one', query('one', { word: true }), '')).to.equal(' two ');
  });
});
