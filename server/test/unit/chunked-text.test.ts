import { createRequire } from 'node:module';
import { expect } from 'chai';
import { ChunkedText, CLONE } from '../../src/storage/embedded/chunked-text.js';
import { prng, randomOp } from '../helpers/random-edits.js';

// The reference: json0 itself, untouched by our wrappers.
const json0 = (
  createRequire(import.meta.url)('ot-json0') as { type: { apply(s: unknown, op: unknown): unknown } }
).type;

describe('ChunkedText', () => {
  it('applies random inserts and deletes exactly as json0 does on a plain string, astral characters included', () => {
    const rand = prng(42);
    let plain = { text: 'x'.repeat(20_000) + '😀'.repeat(3000) + 'tail\n' };
    const chunked = new ChunkedText(plain.text);
    for (let i = 0; i < 3000; i++) {
      const op = randomOp(plain.text, rand) as Array<{ p: ['text', number]; si?: string; sd?: string }>;
      // Bigger edits too, now and then.
      if (i % 97 === 0)
        op[0] = { p: ['text', Math.floor(plain.text.length / 2) & ~1], si: 'BIG'.repeat(3000) };
      plain = json0.apply(plain, op) as { text: string };
      for (const c of op) {
        if (c.si !== undefined) chunked.insert(c.p[1], c.si);
        else chunked.delete(c.p[1], c.sd!);
      }
      if (i % 250 === 0) expect(chunked.toJSON()).to.equal(plain.text);
    }
    expect(chunked.toJSON()).to.equal(plain.text);
    expect(chunked.length).to.equal(plain.text.length);
    expect(JSON.stringify({ text: chunked })).to.equal(JSON.stringify(plain));
  });

  it('reads characters and slices across chunk edges', () => {
    const text = Array.from({ length: 30_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const c = new ChunkedText(text);
    for (const at of [0, 1, 4095, 4096, 4097, 8191, 29_999])
      expect(c.charCodeAt(at)).to.equal(text.charCodeAt(at));
    for (const [a, b] of [
      [0, 10],
      [4090, 4100],
      [100, 20_000],
      [29_990, 30_000],
    ] as const) {
      expect(c.slice(a, b)).to.equal(text.slice(a, b));
    }
  });

  it('refuses a delete whose text does not match, changing nothing', () => {
    const c = new ChunkedText('hello world'.repeat(3000));
    expect(() => c.delete(0, 'jello')).to.throw(/does not match/);
    expect(c.toJSON()).to.equal('hello world'.repeat(3000));
  });

  it('copies are independent', () => {
    const a = new ChunkedText('abc'.repeat(10_000));
    const b = a[CLONE]();
    b.insert(5, 'ZZZ');
    expect(a.toJSON()).to.equal('abc'.repeat(10_000));
    expect(b.toJSON().slice(0, 10)).to.equal('abcabZZZca');
  });
});
