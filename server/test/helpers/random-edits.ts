/** Random text edits for convergence tests: astral characters included, never splitting one. */

/** Pieces typed at random: ASCII, CJK, combining marks, emoji with modifiers and ZWJ sequences. */
export const PIECES = [
  'a',
  'b',
  'x',
  ' ',
  '\n',
  'foo()',
  '漢字',
  'é',
  'e\u0301',
  '😀',
  '👍🏽',
  '👩‍💻',
  '𝔘',
  '🇫🇷',
  '{',
  '}',
];

/** A small deterministic PRNG so a failing run can be repeated from its seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Moves `offset` back off the second half of a surrogate pair. */
export function snap(text: string, offset: number): number {
  return offset > 0 && offset < text.length && isLow(text.charCodeAt(offset)) ? offset - 1 : offset;
}

/** A json0 op for one random insert or delete on `text`. */
export function randomOp(text: string, rand: () => number): object[] {
  if (text.length > 0 && rand() < 0.35) {
    const at = snap(text, Math.floor(rand() * text.length));
    let end = snap(text, Math.min(text.length, at + 1 + Math.floor(rand() * 6)));
    if (end <= at) end = Math.min(text.length, at + 2);
    end = snap(text, end);
    if (end > at) return [{ p: ['text', at], sd: text.slice(at, end) }];
  }
  const at = snap(text, Math.floor(rand() * (text.length + 1)));
  const piece = PIECES[Math.floor(rand() * PIECES.length)]!;
  return [{ p: ['text', at], si: piece }];
}
