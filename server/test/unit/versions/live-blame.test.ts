import { expect } from 'chai';
import { replayAuthors } from '../../../src/versions/live-blame.js';

const op = (u: string | undefined, components: unknown[]) => ({ op: components, m: u ? { u } : {} });

describe('live blame: who typed the uncommitted lines', () => {
  const base = 'one\ntwo\nthree\n';

  it('names the typist of each new or changed line, in runs', () => {
    const r = replayAuthors(base, [
      op('bo', [{ p: ['text', 0], si: 'zero\n' }]),
      op('ana', [{ p: ['text', 'zero\none\ntwo'.length], si: '!' }]),
      op('ana', [{ p: ['text', 'zero\none\ntwo!\nthree\n'.length], si: 'four\nfive\n' }]),
    ])!;
    expect(r.text).to.equal('zero\none\ntwo!\nthree\nfour\nfive\n');
    expect(r.live).to.deep.equal([
      { startLine: 1, endLine: 1, userId: 'bo' },
      { startLine: 3, endLine: 3, userId: 'ana' },
      { startLine: 5, endLine: 6, userId: 'ana' },
    ]);
  });

  it('gives a line only shortened to whoever deleted there, and a line mostly typed by one to them', () => {
    const r = replayAuthors(base, [
      op('bo', [{ p: ['text', 4], sd: 'tw' }]),
      op('ana', [
        { p: ['text', 0], sd: 'one' },
        { p: ['text', 0], si: 'ONE, typed by ana' },
      ]),
      op('bo', [{ p: ['text', 2], si: 'b' }]),
    ])!;
    expect(r.text).to.equal('ONbE, typed by ana\no\nthree\n');
    expect(r.live).to.deep.equal([
      { startLine: 1, endLine: 1, userId: 'ana' },
      { startLine: 2, endLine: 2, userId: 'bo' },
    ]);
  });

  it('typing that restores the committed text marks nothing; server edits name nobody', () => {
    const same = replayAuthors(base, [
      op('bo', [{ p: ['text', 0], sd: 'one' }]),
      op('bo', [{ p: ['text', 0], si: 'one' }]),
    ])!;
    expect(same.live).to.deep.equal([]);
    const server = replayAuthors(base, [op(undefined, [{ p: ['text', 0], si: 'x\n' }])])!;
    expect(server.live).to.deep.equal([{ startLine: 1, endLine: 1, userId: null }]);
  });

  it('a new document: its create op and typing after it', () => {
    const r = replayAuthors('', [
      { create: { data: { text: 'from upload\n' } }, m: { u: 'ana' } },
      op('bo', [{ p: ['text', 12], si: 'bo line\n' }]),
    ])!;
    expect(r.live).to.deep.equal([
      { startLine: 1, endLine: 1, userId: 'ana' },
      { startLine: 2, endLine: 2, userId: 'bo' },
    ]);
  });

  it('gives up (null) on ops it cannot follow: a deleted document, a non-text op, an offset past the end', () => {
    expect(replayAuthors(base, [{ del: true }])).to.equal(null);
    expect(replayAuthors(base, [op('a', [{ p: ['other'], oi: 1 }])])).to.equal(null);
    expect(replayAuthors(base, [op('a', [{ p: ['text', 999], si: 'x' }])])).to.equal(null);
  });
});
