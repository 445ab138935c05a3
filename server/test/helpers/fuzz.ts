/**
 * Seeds, unique keystroke tokens and token-safe random edits for the fault tests
 * (server/test/faults/). A failure names its seed and round, and the same seed replays it:
 *
 *   FUZZ_SEEDS=7,12 npx mocha --no-config --node-option=import=tsx server/test/faults/fuzzer.test.ts
 *
 * GITPAD_FAULT_LONG=1 turns the fixed short run into a long one (more seeds, more rounds, more
 * kills); FUZZ_SEEDS, FUZZ_SEED_COUNT and FUZZ_ROUNDS override either.
 */
import { PIECES, snap } from './random-edits.js';

export { prng } from './random-edits.js';

/** Whether the long mode was asked for. */
export const LONG = process.env.GITPAD_FAULT_LONG === '1';

/**
 * The seeds to run: FUZZ_SEEDS (`7` or `3,9`), else FUZZ_SEED_COUNT seeds counting up from 1, else
 * the fixed list, or in long mode `long` seeds from 1.
 */
export function fuzzSeeds(fixed: readonly number[], long = 25): number[] {
  const list = process.env.FUZZ_SEEDS?.trim();
  if (list) return list.split(',').map((s) => Number(s.trim()));
  const count = Number(process.env.FUZZ_SEED_COUNT) || (LONG ? long : 0);
  return count > 0 ? Array.from({ length: count }, (_, i) => i + 1) : [...fixed];
}

/** Rounds per seed: FUZZ_ROUNDS, else `long` in long mode, else `short`. */
export function fuzzRounds(short: number, long: number): number {
  const env = Number(process.env.FUZZ_ROUNDS);
  if (Number.isInteger(env) && env > 0) return env;
  return LONG ? long : short;
}

/** Runs `step`, prefixing any failure with where it happened so the run can be replayed. */
export async function at<T>(where: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof Error) err.message = `[${where}] ${err.message}`;
    throw err;
  }
}

/** `⟦c2·41⟧`: the 41st keystroke token of client 2. Tokens never contain a filler character. */
export const TOKEN_RE = /⟦c\d+·\d+⟧/g;
const TOKEN_CHARS = /[⟦⟧·c0-9]/;

/**
 * Which tokens were typed and which the server acknowledged. A client never deletes a token
 * itself, so an acknowledged token may only leave the live text through a server-side delete or
 * revert, and those commit first: it must then be in git.
 */
export class TokenLedger {
  private next = new Map<number, number>();
  readonly acked = new Set<string>();

  mint(client: number): string {
    const n = (this.next.get(client) ?? 0) + 1;
    this.next.set(client, n);
    return `⟦c${client}·${n}⟧`;
  }

  ack(token: string): void {
    this.acked.add(token);
  }

  /** Acknowledged tokens found in neither `live` nor `history`. */
  lost(live: string, history: () => Promise<string>): Promise<string[]> {
    const missing = [...this.acked].filter((t) => !live.includes(t));
    if (missing.length === 0) return Promise.resolve([]);
    return history().then((h) => missing.filter((t) => !h.includes(t)));
  }
}

/** Offset ranges of whole tokens in `text`. */
function tokenSpans(text: string): Array<[number, number]> {
  return [...text.matchAll(TOKEN_RE)].map((m) => [m.index, m.index + m[0].length]);
}

/** `offset` moved off the inside of a token and off the second half of a surrogate pair. */
export function safeOffset(text: string, offset: number): number {
  for (const [start, end] of tokenSpans(text)) if (offset > start && offset < end) return start;
  return snap(text, offset);
}

/** One random json0 text op on `text`: a token (returned), a filler piece, or a filler-only delete. */
export function fuzzOp(
  text: string,
  rand: () => number,
  mintToken: () => string,
): { op: object[]; token?: string } {
  const r = rand();
  if (r < 0.3) {
    const token = mintToken();
    return {
      op: [{ p: ['text', safeOffset(text, Math.floor(rand() * (text.length + 1)))], si: token }],
      token,
    };
  }
  if (r < 0.75 || text.length === 0) {
    const piece = PIECES[Math.floor(rand() * PIECES.length)]!;
    return { op: [{ p: ['text', safeOffset(text, Math.floor(rand() * (text.length + 1)))], si: piece }] };
  }
  // Delete filler only: a run of characters none of which can belong to a token (or a fragment
  // of one a revert left), never splitting a surrogate pair.
  let start = snap(text, Math.floor(rand() * text.length));
  if (TOKEN_CHARS.test(text[start]!)) return { op: [] };
  let end = start;
  const want = 1 + Math.floor(rand() * 8);
  while (end < text.length && end - start < want && !TOKEN_CHARS.test(text[end]!)) end++;
  end = snap(text, end);
  start = snap(text, start);
  if (end <= start) return { op: [] };
  return { op: [{ p: ['text', start], sd: text.slice(start, end) }] };
}

/** A lone surrogate half anywhere in `text` (a split pair), or null. */
export function loneSurrogate(text: string): number | null {
  const m = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  return m ? m.index : null;
}
