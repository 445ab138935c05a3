/**
 * The editor's everyday behaviour: gutters, bracket matching, search/replace, folding,
 * auto-indent, completion from keywords and document words, and switchable parts (read-only,
 * theme, language) each in a compartment so they change without rebuilding the editor.
 *
 * Undo history is NOT here: the ShareDB binding provides a resettable one (see
 * `bindingExtensions`), and this setup only binds its keys.
 */
import {
  autocompletion,
  type CompletionContext,
  type CompletionResult,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import {
  Compartment,
  EditorState,
  type Extension,
  Prec,
  type StateEffect,
  type Text,
} from '@codemirror/state';
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { cspNonce } from './csp-nonce';
import { findBox } from './find-panel';

const readOnlyCompartment = new Compartment();
const themeCompartment = new Compartment();
const languageCompartment = new Compartment();
const labelCompartment = new Compartment();

export type ThemeMode = 'light' | 'dark';

const WORD = /[\p{L}_$][\p{L}\p{N}_$]{2,}/gu;
/** Scanning stops here, so completion stays instant on very large files. */
const MAX_SCAN = 200_000;
const wordCache = new WeakMap<Text, string[]>();

function documentWords(doc: Text): string[] {
  let words = wordCache.get(doc);
  if (!words) {
    const seen = new Set<string>();
    for (const match of doc.sliceString(0, MAX_SCAN).matchAll(WORD)) seen.add(match[0]);
    words = [...seen];
    wordCache.set(doc, words);
  }
  return words;
}

/** Completes from the words already in the document (any language, including plain text). */
export function completeDocumentWords(context: CompletionContext): CompletionResult | null {
  const word = context.matchBefore(/[\p{L}\p{N}_$]+/u);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  const typed = word.text;
  const options = documentWords(context.state.doc)
    .filter((w) => w !== typed)
    .map((label) => ({ label, type: 'text', boost: -1 }));
  return { from: word.from, options, validFor: /^[\p{L}\p{N}_$]*$/u };
}

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13.5px' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, "JetBrains Mono", Menlo, Consolas, monospace',
    lineHeight: '1.55',
  },
  '.cm-gutters': { borderRight: 'none' },
});

const lightTheme = EditorView.theme(
  {
    '&': { backgroundColor: '#ffffff', color: '#1f2328' },
    '.cm-gutters': { backgroundColor: '#ffffff', color: '#8c959f' },
    '.cm-activeLine': { backgroundColor: '#f6f8fa' },
    '.cm-activeLineGutter': { backgroundColor: '#f6f8fa', color: '#1f2328' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
      backgroundColor: '#cfe3ff !important',
    },
  },
  { dark: false },
);

const darkTheme = EditorView.theme(
  {
    '&': { backgroundColor: '#1b1d22', color: '#d7dae0' },
    '.cm-content': { caretColor: '#e6e6e6' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#e6e6e6' },
    '.cm-gutters': { backgroundColor: '#1b1d22', color: '#5c6370' },
    '.cm-activeLine': { backgroundColor: '#23262d' },
    '.cm-activeLineGutter': { backgroundColor: '#23262d', color: '#c8ccd4' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
      backgroundColor: '#2f4a6d !important',
    },
    '.cm-searchMatch': { backgroundColor: '#5a4a1a', outline: '1px solid #8a7326' },
    '.cm-tooltip': { backgroundColor: '#23262d', border: '1px solid #3a3f4b' },
    '.cm-foldPlaceholder': { backgroundColor: '#2c313a', border: 'none', color: '#9da5b4' },
  },
  { dark: true },
);

/** Our dark palette; the light theme uses CodeMirror's default highlight style. */
const darkHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: '#c792ea' },
  { tag: [t.string, t.special(t.string), t.regexp], color: '#a5d6a7' },
  { tag: [t.number, t.bool, t.null, t.atom], color: '#f5a97f' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: '#6b7280', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: '#82aaff' },
  { tag: [t.typeName, t.className, t.namespace], color: '#ffcb6b' },
  { tag: [t.propertyName, t.attributeName], color: '#8bd5ca' },
  { tag: [t.tagName, t.heading], color: '#f07178', fontWeight: 'bold' },
  { tag: [t.definition(t.variableName)], color: '#e5e9f0' },
  { tag: [t.operator, t.punctuation, t.bracket], color: '#a6accd' },
  { tag: [t.meta, t.processingInstruction], color: '#9da5b4' },
  { tag: t.link, color: '#82aaff', textDecoration: 'underline' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.invalid, color: '#ff5370' },
]);

function themeExtension(mode: ThemeMode): Extension {
  return mode === 'dark'
    ? [darkTheme, syntaxHighlighting(darkHighlight)]
    : [lightTheme, syntaxHighlighting(defaultHighlightStyle)];
}

function readOnlyExtension(readOnly: boolean): Extension {
  // Read-only keeps the editor focusable and selectable (copying, following along), it only
  // refuses changes; viewers and commenters get this. Screen readers are told (aria-readonly),
  // since the text stays contenteditable.
  return readOnly
    ? [EditorState.readOnly.of(true), EditorView.contentAttributes.of({ 'aria-readonly': 'true' })]
    : EditorState.readOnly.of(false);
}

/** The editable text's accessible name: "Editing src/main.ts" (issue 15, item 6). */
function labelExtension(path: string | undefined): Extension {
  return path ? EditorView.contentAttributes.of({ 'aria-label': `Editing ${path}` }) : [];
}

export interface SetupOptions {
  readOnly?: boolean;
  theme?: ThemeMode;
  /** The language extension, once loaded; see `languages.ts`. */
  language?: Extension;
  /** The file's path, which names the editable text for screen readers. */
  path?: string;
}

/**
 * Tab indents, so keyboard users leave the editor with Escape then Tab (or Shift+Tab) within two
 * seconds, or turn Tab-moves-focus on and off with Ctrl+M (⇧⌥M on a Mac), as CodeMirror offers.
 * CodeMirror arms Escape-then-Tab only when no binding used the Escape (closing completions,
 * collapsing a selection); here every Escape arms it, so one press is always enough.
 */
const escapeThenTab = EditorView.domEventHandlers({
  keydown(event, view) {
    if (event.key === 'Escape' && !event.ctrlKey && !event.metaKey && !event.altKey)
      view.setTabFocusMode(2000);
    return false;
  },
});

/** Everything an editor in Gitpad has, apart from collaboration. */
export function editorSetup(options: SetupOptions = {}): Extension {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ activateOnTyping: true }),
    EditorState.languageData.of(() => [{ autocomplete: completeDocumentWords }]),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    findBox(),
    EditorView.lineWrapping,
    Prec.highest(escapeThenTab),
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...completionKeymap,
      indentWithTab,
    ]),
    baseTheme,
    themeCompartment.of(themeExtension(options.theme ?? 'light')),
    readOnlyCompartment.of(readOnlyExtension(options.readOnly ?? false)),
    languageCompartment.of(options.language ?? []),
    labelCompartment.of(labelExtension(options.path)),
    cspNonce(),
  ];
}

/** Effect switching the editor between editable and read-only. */
export function setReadOnly(readOnly: boolean): StateEffect<unknown> {
  return readOnlyCompartment.reconfigure(readOnlyExtension(readOnly));
}

/** Effect switching the editor's colours. */
export function setTheme(mode: ThemeMode): StateEffect<unknown> {
  return themeCompartment.reconfigure(themeExtension(mode));
}

/** Effect switching the editor's language (pass `[]` for plain text). */
export function setLanguage(language: Extension): StateEffect<unknown> {
  return languageCompartment.reconfigure(language);
}

/** Effect renaming the editable text after its file (a rename, or the first path known). */
export function setPath(path: string): StateEffect<unknown> {
  return labelCompartment.reconfigure(labelExtension(path));
}
