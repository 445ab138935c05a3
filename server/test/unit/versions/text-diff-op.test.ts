import { createRequire } from 'node:module';
import { expect } from 'chai';
import { textDiffOp } from '../../../src/protocol/text-diff.js';
import { textEditOp } from '../../../src/protocol/text-ops.js';

type Json0 = {
  transform(op: unknown, other: unknown, side: 'left' | 'right'): unknown;
  apply(s: unknown, op: unknown): { text: string };
};
const json0 = (createRequire(import.meta.url)('ot-json0') as { type: Json0 }).type;
const apply = (text: string, op: unknown) => json0.apply({ text }, op).text;

/** Lines from a small vocabulary, some with astral characters, so diffs share and differ a lot. */
function randomText(rand: () => number): string {
  const words = ['let', 'x', '😀', 'é', 'return', '', '中文', 'a = 1', '🎉🎉'];
  const lines: string[] = [];
  for (let n = Math.floor(rand() * 12); n > 0; n--) {
    lines.push(
      words[Math.floor(rand() * words.length)]! +
        (rand() < 0.3 ? words[Math.floor(rand() * words.length)]! : ''),
    );
  }
  return lines.join('\n') + (rand() < 0.5 ? '\n' : '');
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('textDiffOp: the revert edit', () => {
  it('turns one text into the other, never cutting a surrogate pair (500 random pairs)', () => {
    const rand = seeded(7);
    for (let i = 0; i < 500; i++) {
      const from = randomText(rand);
      const to = randomText(rand);
      const op = textDiffOp(from, to) as Array<{ p: [string, number]; si?: string; sd?: string }>;
      expect(apply(from, op), JSON.stringify({ from, to })).to.equal(to);
      for (const c of op) {
        const s = c.si ?? c.sd ?? '';
        expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(s), `lone half in ${JSON.stringify(c)}`).to.equal(
          false,
        );
      }
    }
  });

  it('leaves unchanged text alone: a concurrent insert there lands where it was typed', () => {
    const fn = (name: string, value: number) => `function ${name}() {\n  return ${value};\n}\n`;
    const from = fn('a', 1) + fn('b', 2) + fn('c', 3);
    const to = fn('a', 10) + fn('b', 2) + fn('c', 30);
    // Bob types inside b() while the revert changes a() and c().
    const at = from.indexOf('return 2;') + 'return 2'.length;
    const typed = [{ p: ['text', at], si: ' + bob' }];
    const expected = to.replace('return 2;', 'return 2 + bob;');
    const landed = (op: unknown) => apply(apply(from, typed), json0.transform(op, typed, 'left'));
    expect(landed(textDiffOp(from, to))).to.equal(expected);
    // One replacement of everything between the first and last change (textEditOp) deletes b()
    // and inserts it again: Bob's typing survives, but not where he typed it.
    expect(landed(textEditOp(from, to))).not.to.equal(expected);
  });
});
