/** Anchors of live comments through json0 text ops, and back (protocol/live-comments.ts). */
import { expect } from 'chai';
import { linesOf, transformAnchor, untransformAnchor } from '../../../src/protocol/live-comments.js';

const ins = (at: number, si: string) => [{ p: ['text', at], si }];
const del = (at: number, sd: string) => [{ p: ['text', at], sd }];

describe('live comment anchors', () => {
  const a = { from: 10, to: 20 };

  it('an insert before shifts the range, inside grows it, at either edge or after leaves it', () => {
    expect(transformAnchor(a, ins(2, 'xyz'))).to.deep.equal({ from: 13, to: 23 });
    expect(transformAnchor(a, ins(15, 'xyz'))).to.deep.equal({ from: 10, to: 23 });
    expect(transformAnchor(a, ins(10, 'xyz'))).to.deep.equal({ from: 13, to: 23 });
    expect(transformAnchor(a, ins(20, 'xyz'))).to.deep.equal({ from: 10, to: 20 });
    expect(transformAnchor(a, ins(25, 'xyz'))).to.deep.equal({ from: 10, to: 20 });
  });

  it('a delete before shifts, inside shrinks, across an edge trims, over all of it collapses', () => {
    expect(transformAnchor(a, del(0, '12345'))).to.deep.equal({ from: 5, to: 15 });
    expect(transformAnchor(a, del(12, 'abc'))).to.deep.equal({ from: 10, to: 17 });
    expect(transformAnchor(a, del(8, 'abcd'))).to.deep.equal({ from: 8, to: 16 });
    expect(transformAnchor(a, del(18, 'abcd'))).to.deep.equal({ from: 10, to: 18 });
    expect(transformAnchor(a, del(5, 'x'.repeat(20)))).to.deep.equal({ from: 5, to: 5 });
  });

  it('a collapsed anchor moves as one point', () => {
    expect(transformAnchor({ from: 5, to: 5 }, ins(5, 'ab'))).to.deep.equal({ from: 7, to: 7 });
    expect(transformAnchor({ from: 5, to: 5 }, ins(2, 'ab'))).to.deep.equal({ from: 7, to: 7 });
  });

  it('applies every component of an op in turn and skips what is not text', () => {
    const op = [
      { p: ['text', 0], si: 'ab' },
      { p: ['other', 0], si: 'zz' },
      { p: ['text', 14], sd: 'cd' },
    ];
    expect(transformAnchor(a, op)).to.deep.equal({ from: 12, to: 20 });
    expect(transformAnchor(a, null)).to.deep.equal(a);
  });

  it('maps back through ops applied after it', () => {
    for (const op of [ins(2, 'xyz'), del(0, '12345'), ins(25, 'q'), [...ins(0, 'ab'), ...del(30, 'cd')]]) {
      expect(untransformAnchor(transformAnchor(a, op), op)).to.deep.equal(a);
    }
    // Text inserted inside maps to where it was inserted: the range around it is kept.
    expect(untransformAnchor(transformAnchor(a, ins(15, 'xyz')), ins(15, 'xyz'))).to.deep.equal(a);
  });

  it('names the lines a range covers; a range ending at a line break ends on that line', () => {
    const text = 'l1\nl2\nl3\nl4\n';
    expect(linesOf(text, { from: 3, to: 8 })).to.deep.equal({ line: 2, endLine: 3 });
    expect(linesOf(text, { from: 3, to: 6 })).to.deep.equal({ line: 2, endLine: 2 });
    expect(linesOf(text, { from: 0, to: 1 })).to.deep.equal({ line: 1, endLine: 1 });
    expect(linesOf(text, { from: 12, to: 12 })).to.deep.equal({ line: 5, endLine: 5 });
  });
});
