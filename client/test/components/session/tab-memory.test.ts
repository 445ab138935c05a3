import { expect } from 'chai';
import { MAX_REMEMBERED, parseRemembered, restorable } from '../../../src/components/session/tab-memory';

describe('remembered tabs', () => {
  it('reads back what was stored', () => {
    expect(parseRemembered(JSON.stringify({ open: ['a', 'b'], active: 'b' }))).to.deep.equal({
      open: ['a', 'b'],
      active: 'b',
    });
  });

  it('tolerates nothing stored, broken JSON and wrong shapes without throwing', () => {
    const none = { open: [], active: null };
    for (const raw of [null, '', '{', '42', 'null', '"x"', '[]', JSON.stringify({ open: 'a', active: 3 })])
      expect(parseRemembered(raw), String(raw)).to.deep.equal(none);
    expect(parseRemembered(JSON.stringify({ open: ['a', 7, null, 'a', 'b'], active: 'a' }))).to.deep.equal({
      open: ['a', 'b'],
      active: 'a',
    });
  });

  it(`keeps at most ${MAX_REMEMBERED} tabs`, () => {
    const open = Array.from({ length: MAX_REMEMBERED + 10 }, (_, i) => `f${i}`);
    expect(parseRemembered(JSON.stringify({ open, active: null })).open).to.have.length(MAX_REMEMBERED);
  });

  it('drops files that no longer exist, in order, and an active file that is gone', () => {
    const exists = (id: string) => id !== 'gone';
    expect(restorable({ open: ['a', 'gone', 'b'], active: 'b' }, exists)).to.deep.equal({
      open: ['a', 'b'],
      active: 'b',
    });
    expect(restorable({ open: ['a', 'gone'], active: 'gone' }, exists)).to.deep.equal({
      open: ['a'],
      active: null,
    });
  });
});
