/**
 * `@username` mentions in chat, version comments and live-text comments: one parser, shared by
 * the server (which resolves mentions against a session's members and stores them per user) and
 * the client (which highlights them and completes names after `@`). Pure: no Node imports.
 *
 * A mention is `@` followed by a username (3–32 of `a-z 0-9 _ . -`, as accounts are named), not
 * preceded by a letter, digit or one of those characters (so `ana@example.org` is not one), and a
 * trailing `.` or `-` ends the sentence, not the name ("thanks @ana."). Only members of the session
 * are mentioned: `@someone` who is not a member stays plain text.
 */

/** One `@name` in a text: where it starts (the `@`, in UTF-16 code units), its length and the name. */
export interface MentionSpan {
  start: number;
  length: number;
  /** The username, lowercased (usernames are lowercase). */
  username: string;
}

const NAME_CHARS = /[a-z0-9_.-]/i;
const MENTION_RE = /@([a-z0-9_.-]{1,40})/gi;

/** Every `@name` that could be a mention, in order; resolve them against members with `resolveMentions`. */
export function mentionSpans(text: string): MentionSpan[] {
  const spans: MentionSpan[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const at = m.index ?? 0;
    if (at > 0 && NAME_CHARS.test(text[at - 1]!)) continue;
    // A sentence's last "." (or a dash) is not part of the name.
    const name = m[1]!.replace(/[.-]+$/, '');
    if (name.length < 3 || name.length > 32) continue;
    spans.push({ start: at, length: name.length + 1, username: name.toLowerCase() });
  }
  return spans;
}

/** The distinct usernames `text` mentions among `members` (usernames), in order of first mention. */
export function resolveMentions(text: string, members: Iterable<string>): string[] {
  const known = new Set([...members].map((u) => u.toLowerCase()));
  const found: string[] = [];
  for (const { username } of mentionSpans(text)) {
    if (known.has(username) && !found.includes(username)) found.push(username);
  }
  return found;
}

/**
 * The `@` prefix being typed at `cursor`, for autocomplete: `{start, query}` when the text just
 * before the cursor is `@` plus up to 32 name characters at a word start, else null.
 */
export function mentionQueryAt(text: string, cursor: number): { start: number; query: string } | null {
  let i = cursor;
  while (i > 0 && NAME_CHARS.test(text[i - 1]!) && cursor - i <= 32) i--;
  if (i === 0 || text[i - 1] !== '@') return null;
  const start = i - 1;
  if (start > 0 && NAME_CHARS.test(text[start - 1]!)) return null;
  return { start, query: text.slice(i, cursor).toLowerCase() };
}

/** Longest excerpt of the mentioning text kept with a mention. */
export const MENTION_EXCERPT_CHARS = 200;

/** The text a mention notice quotes: whitespace collapsed, cut at `MENTION_EXCERPT_CHARS` with "…". */
export function mentionExcerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= MENTION_EXCERPT_CHARS) return flat;
  let cut = MENTION_EXCERPT_CHARS - 1;
  // Never split a surrogate pair.
  const code = flat.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${flat.slice(0, cut)}…`;
}
