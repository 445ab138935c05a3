/**
 * Commit messages with Gitpad's trailers, and their parsing.
 *
 * A commit message is the description, a blank line, then one trailer block (git's
 * `interpret-trailers` format, which `git log --format=%(trailers)` and GitHub read):
 *
 *     Edit src/app.ts, add README.md
 *
 *     Co-authored-by: Bob Builder <bob@example.com>
 *
 * Commits made by older versions of Gitpad also carry `Gitpad-Covers: {"6f1c…":42}`, mapping each
 * file document id to the ShareDB version the snapshot was taken at. New commits keep that in a
 * note under refs/notes/gitpad (covers.ts); the trailer is still parsed, as the fallback for old
 * commits, and `formatMessage` still writes one when given covers (tests make such old commits).
 */
import { AppError } from '../errors/app-error.js';
import { cleanIdentity, type Identity } from './objects.js';

export const CO_AUTHOR_TRAILER = 'Co-authored-by';
export const COVERS_TRAILER = 'Gitpad-Covers';

/** Longest commit description we accept, characters. */
const MAX_MESSAGE = 10_000;

/** What Gitpad records in a commit besides its description. */
export interface CommitTrailers {
  coAuthors: Identity[];
  /** File document id → document version covered by the commit. */
  covers: Record<string, number>;
}

/**
 * Normalizes a user-written description: CRLF to LF, control characters removed (git fsck
 * refuses NUL), trailing spaces stripped, at most one blank line in a row, trimmed.
 */
export function cleanMessage(message: string): string {
  if (typeof message !== 'string') throw new AppError('ERR_VALIDATION', 'A commit message must be text.');
  if (message.length > MAX_MESSAGE) throw new AppError('ERR_VALIDATION', 'The message is too long.');
  return (
    message
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Builds the full commit message (ending in a newline) from a clean description and trailers. */
export function formatMessage(description: string, trailers: CommitTrailers): string {
  const lines: string[] = [];
  for (const who of trailers.coAuthors) {
    const c = cleanIdentity(who);
    lines.push(`${CO_AUTHOR_TRAILER}: ${c.name} <${c.email}>`);
  }
  if (Object.keys(trailers.covers).length > 0)
    lines.push(`${COVERS_TRAILER}: ${JSON.stringify(trailers.covers)}`);
  return lines.length ? `${description}\n\n${lines.join('\n')}\n` : `${description}\n`;
}

/** Throws ERR_VALIDATION unless `covers` maps non-empty ids to non-negative integer versions. */
export function validateCovers(covers: unknown): Record<string, number> {
  if (covers === undefined) return {};
  if (!covers || typeof covers !== 'object' || Array.isArray(covers)) {
    throw new AppError('ERR_VALIDATION', 'covers must map document ids to versions.');
  }
  const out: Record<string, number> = {};
  for (const [id, version] of Object.entries(covers)) {
    if (!id || typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
      throw new AppError('ERR_VALIDATION', `covers: bad version for document "${id}".`);
    }
    out[id] = version;
  }
  return out;
}

/** A commit message taken apart. */
export interface ParsedMessage {
  /** The description without the trailer block. */
  message: string;
  /** Its first line. */
  subject: string;
  coAuthors: Identity[];
  covers: Record<string, number>;
  /** Every trailer, in order, including ones Gitpad does not know. */
  trailers: Array<{ key: string; value: string }>;
}

// Commit messages are user text, and every history read parses them: no regex here may
// backtrack (`/\s+$/` on a long inner run of spaces is quadratic; issue 19). Only anchored
// patterns whose repeated parts cannot overlap, or plain string scanning.
const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*):\s?(.*)$/;

/**
 * Splits a commit message into description and trailers. As in git, the trailer block is the
 * last paragraph, only when it is not also the first (the subject is never a trailer) and every
 * line in it is a `Key: value` trailer or an indented continuation.
 */
export function parseMessage(raw: string): ParsedMessage {
  const text = raw.trimEnd();
  const cut = text.lastIndexOf('\n\n');
  let message = text;
  const trailers: Array<{ key: string; value: string }> = [];
  if (cut > 0) {
    const block = text.slice(cut + 2).split('\n');
    const parsed: Array<{ key: string; value: string }> = [];
    let ok = block.length > 0;
    for (const line of block) {
      const m = TRAILER_LINE.exec(line);
      const last = parsed[parsed.length - 1];
      if (m) parsed.push({ key: m[1]!, value: m[2]!.trim() });
      else if (last && isContinuation(line)) last.value += ` ${line.trim()}`;
      else {
        ok = false;
        break;
      }
    }
    if (ok) {
      trailers.push(...parsed);
      message = text.slice(0, cut).trimEnd();
    }
  }
  const coAuthors: Identity[] = [];
  let covers: Record<string, number> = {};
  for (const { key, value } of trailers) {
    if (key.toLowerCase() === CO_AUTHOR_TRAILER.toLowerCase()) {
      const who = parseIdent(value);
      if (who) coAuthors.push(who);
    } else if (key === COVERS_TRAILER) {
      try {
        covers = validateCovers(JSON.parse(value));
      } catch {
        // A hand-edited or foreign trailer: ignore it rather than fail the history view.
      }
    }
  }
  return { message, subject: message.split('\n', 1)[0] ?? '', coAuthors, covers, trailers };
}

/** An indented line continuing the trailer above it (git's folded trailer values). */
function isContinuation(line: string): boolean {
  return line.length > 0 && line.trimStart().length < line.length && line.trim() !== '';
}

/** `Name <email>` (trailing whitespace allowed); the email is the text inside the last `<…>`. */
function parseIdent(value: string): Identity | null {
  const v = value.trimEnd();
  const open = v.lastIndexOf('<');
  if (open < 0 || !v.endsWith('>')) return null;
  const email = v.slice(open + 1, -1);
  if (email.includes('>')) return null;
  return { name: v.slice(0, open).trim(), email: email.trim() };
}
