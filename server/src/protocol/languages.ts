/**
 * The languages Gitpad knows, by id: which files are which (extension, or exact file name), and
 * how the client names and draws them. The server stamps `language` into the session manifest
 * from this table and the editor loads its mode by the same id (client/src/editor/languages.ts
 * keeps only the loaders), so both sides always agree. Pure: no imports.
 */

export interface LanguageSpec {
  /** Stable id, as the manifest stores it (`language`). */
  id: string;
  /** What the status bar shows. */
  label: string;
  /** Lower-case file extensions without the dot. */
  extensions: readonly string[];
  /** Lower-case whole file names that have no telling extension (`makefile`, `.bashrc`). */
  filenames?: readonly string[];
  /** Other names a user may type for it (lower case). */
  aliases?: readonly string[];
  /** A short tag for the file tree icon. */
  icon: string;
  /** One level of indentation, where the language's convention differs from two spaces. */
  indent?: string;
}

export const PLAIN_TEXT_SPEC: LanguageSpec = {
  id: 'plaintext',
  label: 'Plain Text',
  extensions: ['txt'],
  aliases: ['text', 'plain'],
  icon: 'TXT',
};

export const LANGUAGE_SPECS: readonly LanguageSpec[] = [
  { id: 'javascript', label: 'JavaScript', extensions: ['js', 'mjs', 'cjs'], aliases: ['js'], icon: 'JS' },
  { id: 'jsx', label: 'JavaScript JSX', extensions: ['jsx'], icon: 'JSX' },
  { id: 'typescript', label: 'TypeScript', extensions: ['ts', 'mts', 'cts'], aliases: ['ts'], icon: 'TS' },
  { id: 'tsx', label: 'TypeScript JSX', extensions: ['tsx'], icon: 'TSX' },
  {
    id: 'python',
    label: 'Python',
    extensions: ['py', 'pyw', 'pyi'],
    aliases: ['py'],
    icon: 'PY',
    indent: '    ',
  },
  // Vue and Svelte single-file components are HTML with embedded script and style.
  { id: 'html', label: 'HTML', extensions: ['html', 'htm', 'vue', 'svelte'], icon: 'HTML' },
  { id: 'css', label: 'CSS', extensions: ['css', 'scss', 'less'], icon: 'CSS' },
  { id: 'json', label: 'JSON', extensions: ['json', 'jsonc'], icon: '{}' },
  { id: 'markdown', label: 'Markdown', extensions: ['md', 'markdown'], aliases: ['md'], icon: 'MD' },
  { id: 'java', label: 'Java', extensions: ['java'], icon: 'JAVA', indent: '    ' },
  { id: 'c', label: 'C', extensions: ['c', 'h'], icon: 'C', indent: '    ' },
  {
    id: 'cpp',
    label: 'C++',
    extensions: ['cpp', 'cc', 'cxx', 'hpp', 'hh', 'hxx'],
    aliases: ['c++'],
    icon: 'C++',
    indent: '    ',
  },
  { id: 'go', label: 'Go', extensions: ['go'], aliases: ['golang'], icon: 'GO', indent: '\t' },
  { id: 'rust', label: 'Rust', extensions: ['rs'], aliases: ['rs'], icon: 'RS', indent: '    ' },
  { id: 'sql', label: 'SQL', extensions: ['sql'], icon: 'SQL' },
  {
    id: 'shell',
    label: 'Shell',
    extensions: ['sh', 'bash', 'zsh'],
    filenames: ['.bashrc', '.profile', '.zshrc', 'dockerfile', 'makefile'],
    aliases: ['sh', 'bash'],
    icon: 'SH',
  },
  { id: 'yaml', label: 'YAML', extensions: ['yaml', 'yml'], aliases: ['yml'], icon: 'YML' },
];

/** Every language id the manifest may hold for a text file. */
export const LANGUAGE_IDS: readonly string[] = [
  ...LANGUAGE_SPECS.map((l) => l.id),
  PLAIN_TEXT_SPEC.id,
].sort();

export function isLanguageId(value: unknown): value is string {
  return typeof value === 'string' && LANGUAGE_IDS.includes(value);
}

/** The language with this id or alias (case-insensitive), or null. */
export function languageSpecByName(name: string | null | undefined): LanguageSpec | null {
  if (!name) return null;
  const key = name.toLowerCase();
  if (key === PLAIN_TEXT_SPEC.id || PLAIN_TEXT_SPEC.aliases?.includes(key)) return PLAIN_TEXT_SPEC;
  return LANGUAGE_SPECS.find((l) => l.id === key || l.aliases?.includes(key)) ?? null;
}

/** The language for a file path: by whole file name first, then by extension, else plain text. */
export function languageSpecForPath(path: string): LanguageSpec {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const byName = LANGUAGE_SPECS.find((l) => l.filenames?.includes(base));
  if (byName) return byName;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return PLAIN_TEXT_SPEC;
  const ext = base.slice(dot + 1);
  return LANGUAGE_SPECS.find((l) => l.extensions.includes(ext)) ?? PLAIN_TEXT_SPEC;
}
