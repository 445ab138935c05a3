/**
 * Languages the editor knows, found by name or file extension and loaded on demand: each
 * language package is a dynamic import, so it lands in its own chunk and the first page load
 * carries none of them.
 */
import { completeFromList } from '@codemirror/autocomplete';
import { indentUnit, Language, LanguageSupport, StreamLanguage } from '@codemirror/language';
import type { Extension } from '@codemirror/state';

export interface LanguageInfo {
  /** Stable id, as the server names it in the session manifest (`language`). */
  id: string;
  /** What the status bar shows. */
  label: string;
  /** Lower-case file extensions without the dot. */
  extensions: readonly string[];
  /** Exact file names (e.g. `Makefile`-style names without an extension). */
  filenames?: readonly string[];
  /** Other names the server or a user may use for it. */
  aliases?: readonly string[];
  /** A short tag for the file tree icon. */
  icon: string;
  load: () => Promise<Extension>;
  /** One level of indentation, where the language's convention differs from two spaces. */
  indent?: string;
}

/** Keywords offered by completion for languages whose package does not complete them itself. */
const KEYWORDS: Record<string, readonly string[]> = {
  java: 'abstract boolean break byte case catch char class continue default do double else enum extends final finally float for if implements import instanceof int interface long new package private protected public return short static super switch synchronized this throw throws try void volatile while var record'.split(
    ' ',
  ),
  cpp: 'auto bool break case catch char class const constexpr continue default delete do double else enum explicit extern false float for friend if include inline int long namespace new nullptr operator private protected public return short signed sizeof static struct switch template this throw true try typedef typename union unsigned using virtual void volatile while define ifdef ifndef endif'.split(
    ' ',
  ),
  go: 'break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false string int error byte rune bool'.split(
    ' ',
  ),
  rust: 'as async await break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while Some None Ok Err Option Result String Vec'.split(
    ' ',
  ),
  shell:
    'if then else elif fi case esac for while until do done in function return local export readonly echo printf exit set unset shift source'.split(
      ' ',
    ),
  yaml: ['true', 'false', 'null'],
};

/** Wraps a language extension with keyword completion when we have a list for it. */
async function withKeywords(id: string, language: Promise<Extension>): Promise<Extension> {
  const words = KEYWORDS[id];
  const ext = await language;
  if (!words) return ext;
  const lang = ext instanceof LanguageSupport ? ext.language : ext instanceof Language ? ext : null;
  if (!lang) return ext;
  const source = completeFromList(words.map((label) => ({ label, type: 'keyword' })));
  return [ext, lang.data.of({ autocomplete: source })];
}

export const LANGUAGES: readonly LanguageInfo[] = [
  {
    id: 'javascript',
    label: 'JavaScript',
    extensions: ['js', 'mjs', 'cjs'],
    aliases: ['js'],
    icon: 'JS',
    load: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  },
  {
    id: 'jsx',
    label: 'JavaScript JSX',
    extensions: ['jsx'],
    icon: 'JSX',
    load: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true })),
  },
  {
    id: 'typescript',
    label: 'TypeScript',
    extensions: ['ts', 'mts', 'cts'],
    aliases: ['ts'],
    icon: 'TS',
    load: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  },
  {
    id: 'tsx',
    label: 'TypeScript JSX',
    extensions: ['tsx'],
    icon: 'TSX',
    load: () =>
      import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true, jsx: true })),
  },
  {
    id: 'python',
    label: 'Python',
    extensions: ['py', 'pyw', 'pyi'],
    aliases: ['py'],
    icon: 'PY',
    indent: '    ',
    load: () => import('@codemirror/lang-python').then((m) => m.python()),
  },
  {
    id: 'html',
    label: 'HTML',
    extensions: ['html', 'htm'],
    icon: 'HTML',
    load: () => import('@codemirror/lang-html').then((m) => m.html()),
  },
  {
    id: 'css',
    label: 'CSS',
    extensions: ['css'],
    icon: 'CSS',
    load: () => import('@codemirror/lang-css').then((m) => m.css()),
  },
  {
    id: 'json',
    label: 'JSON',
    extensions: ['json', 'jsonc'],
    icon: '{}',
    load: () => import('@codemirror/lang-json').then((m) => m.json()),
  },
  {
    id: 'markdown',
    label: 'Markdown',
    extensions: ['md', 'markdown'],
    aliases: ['md'],
    icon: 'MD',
    load: () => import('@codemirror/lang-markdown').then((m) => m.markdown()),
  },
  {
    id: 'java',
    label: 'Java',
    extensions: ['java'],
    icon: 'JAVA',
    indent: '    ',
    load: () =>
      withKeywords(
        'java',
        import('@codemirror/lang-java').then((m) => m.java()),
      ),
  },
  {
    id: 'c',
    label: 'C',
    extensions: ['c', 'h'],
    icon: 'C',
    indent: '    ',
    load: () =>
      withKeywords(
        'cpp',
        import('@codemirror/lang-cpp').then((m) => m.cpp()),
      ),
  },
  {
    id: 'cpp',
    label: 'C++',
    extensions: ['cpp', 'cc', 'cxx', 'hpp', 'hh', 'hxx'],
    aliases: ['c++'],
    icon: 'C++',
    indent: '    ',
    load: () =>
      withKeywords(
        'cpp',
        import('@codemirror/lang-cpp').then((m) => m.cpp()),
      ),
  },
  {
    id: 'go',
    label: 'Go',
    extensions: ['go'],
    aliases: ['golang'],
    icon: 'GO',
    indent: '\t',
    load: () =>
      withKeywords(
        'go',
        import('@codemirror/lang-go').then((m) => m.go()),
      ),
  },
  {
    id: 'rust',
    label: 'Rust',
    extensions: ['rs'],
    aliases: ['rs'],
    icon: 'RS',
    indent: '    ',
    load: () =>
      withKeywords(
        'rust',
        import('@codemirror/lang-rust').then((m) => m.rust()),
      ),
  },
  {
    id: 'sql',
    label: 'SQL',
    extensions: ['sql'],
    icon: 'SQL',
    load: () => import('@codemirror/lang-sql').then((m) => m.sql()),
  },
  {
    id: 'shell',
    label: 'Shell',
    extensions: ['sh', 'bash', 'zsh'],
    filenames: ['.bashrc', '.profile', '.zshrc'],
    aliases: ['sh', 'bash'],
    icon: 'SH',
    load: () =>
      withKeywords(
        'shell',
        import('@codemirror/legacy-modes/mode/shell').then(({ shell }) => StreamLanguage.define(shell)),
      ),
  },
  {
    id: 'yaml',
    label: 'YAML',
    extensions: ['yaml', 'yml'],
    aliases: ['yml'],
    icon: 'YML',
    load: () =>
      withKeywords(
        'yaml',
        import('@codemirror/lang-yaml').then((m) => m.yaml()),
      ),
  },
];

/** The language's editor extension, with its indentation unit. */
export async function loadLanguage(language: LanguageInfo): Promise<Extension> {
  const extension = await language.load();
  return language.indent ? [extension, indentUnit.of(language.indent)] : extension;
}

/** Plain text: what a file with no known language gets. */
export const PLAIN_TEXT: LanguageInfo = {
  id: 'plaintext',
  label: 'Plain Text',
  extensions: ['txt'],
  aliases: ['text', 'plain'],
  icon: 'TXT',
  load: async () => [],
};

/** The language with this id or alias (case-insensitive), or null. */
export function languageByName(name: string | null | undefined): LanguageInfo | null {
  if (!name) return null;
  const key = name.toLowerCase();
  if (key === PLAIN_TEXT.id || PLAIN_TEXT.aliases?.includes(key)) return PLAIN_TEXT;
  return LANGUAGES.find((l) => l.id === key || l.aliases?.includes(key)) ?? null;
}

/** The language for a file path, by exact file name first, then by extension, else plain text. */
export function languageForPath(path: string): LanguageInfo {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const byName = LANGUAGES.find((l) => l.filenames?.includes(base));
  if (byName) return byName;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return PLAIN_TEXT;
  const ext = base.slice(dot + 1).toLowerCase();
  return LANGUAGES.find((l) => l.extensions.includes(ext)) ?? PLAIN_TEXT;
}

/**
 * The language of a file: the server's name for it when we know that name (it may have been
 * set explicitly), else the one its path suggests.
 */
export function languageFor(path: string, serverName?: string | null): LanguageInfo {
  return languageByName(serverName) ?? languageForPath(path);
}
