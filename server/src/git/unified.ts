/**
 * git's unified diff text for the structured diffs of diff.ts: byte for byte what `git diff`
 * prints for text files (`diff --git` header, new/deleted file modes, `index` line with abbreviated
 * ids, exact renames, `---`/`+++` labels with `/dev/null`, hunks, the no-newline marker, C-style
 * quoted paths).
 */
import type { FileDiff } from './diff.js';

/** Options of `formatPatch`. */
export interface PatchOptions {
  /** Quote paths with non-ASCII characters in C style, as git's default `core.quotePath` does. */
  quotePath?: boolean;
}

/** Renders diffs in git's unified format, exactly as `git diff` prints them. */
export function formatPatch(files: readonly FileDiff[], opts: PatchOptions = {}): string {
  const quotePath = opts.quotePath ?? true;
  const q = (prefix: string, p: string) => quote(prefix + p, quotePath);
  let out = '';
  for (const f of files) {
    out += `diff --git ${q('a/', f.oldPath)} ${q('b/', f.path)}\n`;
    if (f.status === 'added') out += 'new file mode 100644\n';
    if (f.status === 'deleted') out += 'deleted file mode 100644\n';
    if (f.status === 'renamed') {
      out += `similarity index 100%\nrename from ${q('', f.oldPath)}\nrename to ${q('', f.path)}\n`;
      continue;
    }
    out += `index ${f.oldAbbrev}..${f.newAbbrev}${f.status === 'modified' ? ' 100644' : ''}\n`;
    const oldLabel = f.oldOid ? q('a/', f.oldPath) : '/dev/null';
    const newLabel = f.newOid ? q('b/', f.path) : '/dev/null';
    if (f.binary) {
      out += `Binary files ${oldLabel} and ${newLabel} differ\n`;
      continue;
    }
    if (f.hunks.length === 0) continue;
    // git appends a tab to a file label containing a space (for GNU patch).
    const tab = (label: string) => (label.includes(' ') ? '\t' : '');
    out += `--- ${oldLabel}${tab(oldLabel)}\n+++ ${newLabel}${tab(newLabel)}\n`;
    for (const h of f.hunks) {
      const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
      out += `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.header ? ` ${h.header}` : ''}\n`;
      for (const line of h.lines) {
        out += `${line.type === 'add' ? '+' : line.type === 'del' ? '-' : ' '}${line.text}\n`;
        if (line.noNewline) out += '\\ No newline at end of file\n';
      }
    }
  }
  return out;
}

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/** git's C-style path quoting: only when needed; bytes ≥ 0x80 as octal when `quotePath`. */
function quote(name: string, quotePath: boolean): string {
  const bytes = Buffer.from(name, 'utf8');
  const needs = (c: number) => c < 0x20 || c === 0x22 || c === 0x5c || c === 0x7f || (quotePath && c >= 0x80);
  if (!bytes.some(needs)) return name;
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (!needs(c)) continue;
    out += bytes.subarray(plainFrom, i).toString('utf8');
    out += ESCAPES[c] ?? `\\${c.toString(8).padStart(3, '0')}`;
    plainFrom = i + 1;
  }
  return `${out + bytes.subarray(plainFrom).toString('utf8')}"`;
}
