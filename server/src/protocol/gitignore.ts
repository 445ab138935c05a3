/**
 * Which paths of an import to leave out: `.git/` always, `node_modules/` by default, and what the
 * `.gitignore` files inside the import say. Shared with the client (no Node imports), so the
 * import dialog can list what will be skipped before anything is sent.
 *
 * A correct subset of gitignore(5):
 * - blank lines and `#` comments; `\#` and `\!` for a literal first `#` or `!`; trailing spaces
 *   dropped unless escaped (`\ `);
 * - `!pattern` re-includes what an earlier pattern excluded, except under an excluded folder
 *   (git never looks inside one, and neither do we);
 * - a trailing `/` matches folders only;
 * - a `/` at the start or in the middle anchors the pattern to the `.gitignore`'s own folder;
 *   without one it matches a name at any depth;
 * - `*` (anything but `/`), `?` (one character but `/`), `[abc]`, `[a-z]`, `[!abc]`, and `**`:
 *   `**​/x` (x at any depth), `x/**` (everything inside x), `a/**​/b` (zero or more folders).
 * - a `.gitignore` in a subfolder applies below it, after (so over) the ones above it.
 * Not supported: `.git/info/exclude`, `core.excludesFile`, and POSIX classes (`[[:digit:]]`).
 */

interface Rule {
  /** Folder of the `.gitignore` it came from ('' at the root), without a trailing slash. */
  base: string;
  negate: boolean;
  dirOnly: boolean;
  /** Matched against the path relative to `base`: the whole of it (anchored) or its last name. */
  anchored: boolean;
  re: RegExp;
}

/** Turns one glob (without leading `!`, trailing `/` or anchoring `/`) into a regular expression. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          i++;
          if (glob[i + 1] === '/') {
            // `**/`: zero or more folders.
            i++;
            out += '(?:.*/)?';
          } else out += '.*'; // trailing `/**` (the slash is already out): everything inside.
          continue;
        }
      }
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      i++;
      out += glob[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Parses the text of one `.gitignore` in folder `base` ('' for the root). */
export function parseGitignore(text: string, base = ''): Rule[] {
  const rules: Rule[] = [];
  for (let line of text.split(/\r?\n/)) {
    // Trailing spaces go unless escaped.
    line = line.replace(/(?<!\\) +$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
    let dirOnly = false;
    if (line.endsWith('/')) {
      dirOnly = true;
      line = line.slice(0, -1);
    }
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    if (line === '') continue;
    rules.push({ base, negate, dirOnly, anchored, re: globToRegExp(line) });
  }
  return rules;
}

/** The rules every import starts with: `.git/` (a session can never hold one) and `node_modules/`. */
export const DEFAULT_IGNORES = '.git/\nnode_modules/\n';

/**
 * A matcher for an import's paths: `ignores(path)` says whether a file (by its `/`-separated
 * path) is left out, by the default rules and `gitignores` (folder → text of its `.gitignore`).
 */
export function createIgnore(gitignores: ReadonlyArray<{ dir: string; text: string }>) {
  const rules = [
    ...parseGitignore(DEFAULT_IGNORES),
    ...[...gitignores]
      .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || (a.dir < b.dir ? -1 : 1))
      .flatMap((g) => parseGitignore(g.text, g.dir)),
  ];
  /** Whether `path` itself is excluded by the last rule that matches it (null: none matches). */
  const decide = (path: string, isDir: boolean): boolean | null => {
    let result: boolean | null = null;
    for (const r of rules) {
      if (r.dirOnly && !isDir) continue;
      let rel = path;
      if (r.base !== '') {
        if (!path.startsWith(`${r.base}/`)) continue;
        rel = path.slice(r.base.length + 1);
      }
      const subject = r.anchored ? rel : rel.slice(rel.lastIndexOf('/') + 1);
      if (r.re.test(subject)) result = !r.negate;
    }
    return result;
  };
  const dirs = new Map<string, boolean>();
  const dirIgnored = (dir: string): boolean => {
    const known = dirs.get(dir);
    if (known !== undefined) return known;
    const slash = dir.lastIndexOf('/');
    const ignored = (slash > 0 && dirIgnored(dir.slice(0, slash))) || decide(dir, true) === true;
    dirs.set(dir, ignored);
    return ignored;
  };
  // `.git` anywhere is refused outright: no negation brings it back.
  const hasGit = (path: string) => path.split('/').some((n) => n.toLowerCase() === '.git');
  return {
    ignores(path: string): boolean {
      if (hasGit(path)) return true;
      const slash = path.lastIndexOf('/');
      if (slash > 0 && dirIgnored(path.slice(0, slash))) return true;
      return decide(path, false) === true;
    },
    /** Whether folder `dir` is left out whole (by its own rule or a folder above it). */
    ignoresDir(dir: string): boolean {
      return hasGit(dir) || dirIgnored(dir);
    },
  };
}
