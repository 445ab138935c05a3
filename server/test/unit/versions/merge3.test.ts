import { expect } from 'chai';
import { merge3 } from '../../../src/versions/merge3.js';

describe('merge3 (the push fallback)', () => {
  const base = 'a\nb\nc\nd\ne\n';

  it('lays apart hunks of both sides into one text', () => {
    expect(merge3(base, 'A\nb\nc\nd\ne\n', 'a\nb\nc\nd\nE\n')).to.deep.equal({ text: 'A\nb\nc\nd\nE\n' });
    expect(merge3(base, 'a\nb\nc\nd\ne\nmore\n', 'x\na\nb\nc\nd\ne\n')).to.deep.equal({
      text: 'x\na\nb\nc\nd\ne\nmore\n',
    });
  });

  it('reports the pushed lines of a hunk that overlaps or touches a live change', () => {
    expect(merge3(base, 'a\nB live\nc\nd\ne\n', 'a\nB pushed\nc\nd\ne\n')).to.deep.equal({
      overlaps: [{ from: 2, to: 2 }],
    });
    // Adjacent edits are ambiguous, as in git.
    expect(merge3(base, 'a\nB\nc\nd\ne\n', 'a\nb\nC\nd\ne\n')).to.have.property('overlaps');
  });

  it('takes identical text on both sides, and no newline at the end, as they are', () => {
    expect(merge3('x', 'x', 'x y')).to.deep.equal({ text: 'x y' });
    expect(merge3(base, base, base)).to.deep.equal({ text: base });
  });
});
