/**
 * The one json0 op that turns `from` into `to`: keep the common prefix and suffix, replace the
 * middle. Boundaries never fall inside a surrogate pair, so the op is valid for every client.
 */
export function textEditOp(
  from: string,
  to: string,
): Array<{ p: ['text', number]; sd: string } | { p: ['text', number]; si: string }> {
  if (from === to) return [];
  const max = Math.min(from.length, to.length);
  let start = 0;
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  // Do not end the prefix between a high and a low surrogate.
  if (start > 0 && isHigh(from.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end))
    end++;
  // Do not start the suffix on a low surrogate.
  if (end > 0 && isLow(from.charCodeAt(from.length - end))) end--;
  const removed = from.slice(start, from.length - end);
  const inserted = to.slice(start, to.length - end);
  const op: Array<{ p: ['text', number]; sd: string } | { p: ['text', number]; si: string }> = [];
  if (removed) op.push({ p: ['text', start], sd: removed });
  if (inserted) op.push({ p: ['text', start], si: inserted });
  return op;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
