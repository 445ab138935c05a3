/**
 * Languages the editor knows, found by name or file extension and loaded on demand: each
 * language package is a dynamic import, so it lands in its own chunk and the first page load
 * carries none of them.
 */
import { completeFromList } from '@codemirror/autocomplete';
import { indentUnit, Language, LanguageSupport, StreamLanguage } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import {
  LANGUAGE_SPECS,
  type LanguageSpec,
  languageSpecByName,
  languageSpecForPath,
  PLAIN_TEXT_SPEC,
} from '../../../server/src/protocol/languages';

/** A language the editor can load: the shared table's entry plus its CodeMirror mode. */
export interface LanguageInfo extends LanguageSpec {
  load: () => Promise<Extension>;
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

/** Each language's CodeMirror mode, by the shared table's id (protocol/languages.ts). */
const LOADERS: Record<string, () => Promise<Extension>> = {
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  jsx: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true })),
  typescript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  tsx: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true, jsx: true })),
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  html: () => import('@codemirror/lang-html').then((m) => m.html()),
  css: () => import('@codemirror/lang-css').then((m) => m.css()),
  json: () => import('@codemirror/lang-json').then((m) => m.json()),
  markdown: () => import('@codemirror/lang-markdown').then((m) => m.markdown()),
  java: () =>
    withKeywords(
      'java',
      import('@codemirror/lang-java').then((m) => m.java()),
    ),
  c: () =>
    withKeywords(
      'cpp',
      import('@codemirror/lang-cpp').then((m) => m.cpp()),
    ),
  cpp: () =>
    withKeywords(
      'cpp',
      import('@codemirror/lang-cpp').then((m) => m.cpp()),
    ),
  go: () =>
    withKeywords(
      'go',
      import('@codemirror/lang-go').then((m) => m.go()),
    ),
  rust: () =>
    withKeywords(
      'rust',
      import('@codemirror/lang-rust').then((m) => m.rust()),
    ),
  sql: () => import('@codemirror/lang-sql').then((m) => m.sql()),
  shell: () =>
    withKeywords(
      'shell',
      import('@codemirror/legacy-modes/mode/shell').then(({ shell }) => StreamLanguage.define(shell)),
    ),
  yaml: () =>
    withKeywords(
      'yaml',
      import('@codemirror/lang-yaml').then((m) => m.yaml()),
    ),
};

const withLoader = (spec: LanguageSpec): LanguageInfo => ({
  ...spec,
  load: LOADERS[spec.id] ?? (async () => []),
});

export const LANGUAGES: readonly LanguageInfo[] = LANGUAGE_SPECS.map(withLoader);

/** The language's editor extension, with its indentation unit. */
export async function loadLanguage(language: LanguageInfo): Promise<Extension> {
  const extension = await language.load();
  return language.indent ? [extension, indentUnit.of(language.indent)] : extension;
}

/** Plain text: what a file with no known language gets. */
export const PLAIN_TEXT: LanguageInfo = withLoader(PLAIN_TEXT_SPEC);

const byId = new Map<string, LanguageInfo>([...LANGUAGES, PLAIN_TEXT].map((l) => [l.id, l]));

/** The language with this id or alias (case-insensitive), or null. */
export function languageByName(name: string | null | undefined): LanguageInfo | null {
  const spec = languageSpecByName(name);
  return spec ? byId.get(spec.id)! : null;
}

/** The language for a file path, by exact file name first, then by extension, else plain text. */
export function languageForPath(path: string): LanguageInfo {
  return byId.get(languageSpecForPath(path).id)!;
}

/**
 * The language of a file: the server's name for it when we know that name (it may have been
 * set explicitly), else the one its path suggests.
 */
export function languageFor(path: string, serverName?: string | null): LanguageInfo {
  return languageByName(serverName) ?? languageForPath(path);
}
