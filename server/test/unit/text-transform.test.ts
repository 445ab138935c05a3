import { createRequire } from 'node:module';
import { expect } from 'chai';
import ShareDB from 'sharedb';
import { registerServerTextType, transformTextComponent } from '../../src/ot/text-type.js';
import type { TextComponent } from '../../src/protocol/text-ops.js';
import { prng, randomOp } from '../helpers/random-edits.js';

type Side = 'left' | 'right';
type Json0 = {
  transform(op: unknown, other: unknown, side: Side): unknown;
  apply(s: unknown, op: unknown): unknown;
};
// The reference: json0 itself, untouched by our wrappers.
const json0 = (createRequire(import.meta.url)('ot-json0') as { type: Json0 }).type;

/** Two concurrent edits of `text`, as two people make them; deletes long enough to overlap often. */
function concurrentPair(text: string, rand: () => number): [TextComponent, TextComponent] {
  const one = () => {
    const [c] = randomOp(text, rand) as TextComponent[];
    if ('sd' in c! && rand() < 0.5) {
      // Stretch some deletes so that overlaps and inserts inside them are common.
      const at = c.p[1];
      let end = Math.min(text.length, at + 1 + Math.floor(rand() * 12));
      if (end < text.length && /[\udc00-\udfff]/.test(text[end]!)) end++;
      return { p: ['text', at], sd: text.slice(at, end) } as TextComponent;
    }
    return c!;
  };
  return [one(), one()];
}

describe('text transform fast path', () => {
  it('gives exactly what json0 gives, component for component, for random concurrent edits', () => {
    const rand = prng(7);
    let text = 'function hello() {\n  return "😀 漢字 e\u0301";\n}\n'.repeat(3);
    let fast = 0;
    for (let i = 0; i < 40_000; i++) {
      const [c, other] = concurrentPair(text, rand);
      for (const side of ['left', 'right'] as const) {
        const expected = json0.transform([c], [other], side);
        const got = transformTextComponent(c, other, side);
        if (got === undefined) continue;
        fast++;
        expect(got, `${JSON.stringify(c)} by ${JSON.stringify(other)} (${side})`).to.deep.equal(expected);
        // And the two orders of application converge (TP1), as they must.
        if (side === 'left') {
          const otherAfter = json0.transform([other], [c], 'right');
          const a = json0.apply(json0.apply({ text }, [other]), got) as { text: string };
          const b = json0.apply(json0.apply({ text }, [c]), otherAfter) as { text: string };
          expect(a.text).to.equal(b.text);
        }
      }
      // Drift the document now and then so positions and lengths vary.
      if (i % 50 === 0) text = (json0.apply({ text }, [c]) as { text: string }).text || 'restart 😀\n';
    }
    expect(fast, 'the fast path handled nearly every case').to.be.greaterThan(79_000);
  });

  it('hands cases it does not take to json0 (empty strings, deletes that disagree)', () => {
    const ins = (at: number, si: string): TextComponent => ({ p: ['text', at], si });
    const del = (at: number, sd: string): TextComponent => ({ p: ['text', at], sd });
    expect(transformTextComponent(ins(0, ''), ins(0, 'x'), 'left')).to.equal(undefined);
    expect(transformTextComponent(del(2, 'ab'), ins(3, ''), 'left')).to.equal(undefined);
    expect(transformTextComponent(del(0, 'abc'), del(1, 'xy'), 'left')).to.equal(undefined);
  });

  it('is what the server transforms submits with', () => {
    registerServerTextType(ShareDB.types as unknown as Parameters<typeof registerServerTextType>[0]);
    const type = ShareDB.types.defaultType as unknown as Json0;
    expect(type.transform, 'json0 is wrapped').not.to.equal(json0.transform);
    const c = [{ p: ['text', 4], sd: 'abcdef' }];
    const other = [{ p: ['text', 6], si: 'XY' }];
    expect(type.transform(c, other, 'left')).to.deep.equal(json0.transform(c, other, 'left'));
    // Several components still go through json0, with the same answer.
    const two = [...c, { p: ['text', 0], si: 'q' }];
    expect(type.transform(two, other, 'left')).to.deep.equal(json0.transform(two, other, 'left'));
  });
});
