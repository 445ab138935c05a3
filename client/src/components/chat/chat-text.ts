/**
 * Splits a chat message into plain text, file references (`src/app.ts:42`, `Makefile:3:7`) and
 * @mentions of members, so the panel can render references as links, mentions highlighted and
 * everything else as text. Only paths of files that exist in the session become links: "meet at
 * 10:30" stays text; only members' names are mentions (protocol/mentions.ts).
 */
// Relative, not @protocol: this module is unit-tested under Node, which has no alias.
import { mentionSpans } from '../../../../server/src/protocol/mentions';

export type ChatSegment =
  | { kind: 'text'; text: string }
  | { kind: 'file'; text: string; path: string; line: number }
  | { kind: 'mention'; text: string; username: string };

/** Splits plain text around the mentions of members. */
function withMentions(text: string, isMember: (username: string) => boolean): ChatSegment[] {
  const out: ChatSegment[] = [];
  let last = 0;
  for (const span of mentionSpans(text)) {
    if (!isMember(span.username)) continue;
    if (span.start > last) out.push({ kind: 'text', text: text.slice(last, span.start) });
    out.push({
      kind: 'mention',
      text: text.slice(span.start, span.start + span.length),
      username: span.username,
    });
    last = span.start + span.length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

// A path (letters, digits, `_ . - /`, `@`, `+`) then `:line`, optionally `:column`, not glued to
// more path characters on either side. Unicode letters count: file names need not be ASCII.
const REFERENCE =
  /(?<![\p{L}\p{N}_.\-/@+])((?:\.\/)?[\p{L}\p{N}_.\-/@+]+):(\d{1,7})(?::\d{1,7})?(?![\p{L}\p{N}_])/gu;

export function chatSegments(
  text: string,
  isFile: (path: string) => boolean,
  isMember: (username: string) => boolean = () => false,
): ChatSegment[] {
  return fileSegments(text, isFile).flatMap((s) =>
    s.kind === 'text' ? withMentions(s.text, isMember) : [s],
  );
}

function fileSegments(text: string, isFile: (path: string) => boolean): ChatSegment[] {
  const segments: ChatSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const path = match[1]!.replace(/^\.\//, '');
    const line = Number(match[2]);
    if (!isFile(path) || line < 1) continue;
    const start = match.index!;
    if (start > last) segments.push({ kind: 'text', text: text.slice(last, start) });
    segments.push({ kind: 'file', text: match[0], path, line });
    last = start + match[0].length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
