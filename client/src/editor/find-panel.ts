/**
 * The find box (Ctrl/⌘+F in the editor): CodeMirror's search, in a panel of our own that looks like
 * the rest of the app and says where you are ("3 of 12"), for screen readers too (a live region).
 * Enter and Shift+Enter go to the next and previous match, Escape closes it and puts focus back in
 * the text. Replace shows only where the text can be edited (issue 15, item 6).
 */
import {
  closeSearchPanel,
  findNext,
  findPrevious,
  getSearchQuery,
  replaceAll,
  replaceNext,
  SearchQuery,
  search,
  selectMatches,
  setSearchQuery,
} from '@codemirror/search';
import type { EditorState, Extension } from '@codemirror/state';
import type { EditorView, Panel, ViewUpdate } from '@codemirror/view';

/** Counting stops here, so a one-letter query in a huge file stays instant ("10000+"). */
export const MAX_COUNTED = 10_000;

export interface MatchCount {
  /** Matches found, up to MAX_COUNTED. */
  total: number;
  /** Whether there are more than `total`. */
  more: boolean;
  /** 1-based position of the match the main selection is exactly on, or null. */
  current: number | null;
}

/** How many matches `query` has in `state`, and which of them is selected. */
export function countMatches(state: EditorState, query: SearchQuery): MatchCount {
  const { from, to } = state.selection.main;
  let total = 0;
  let current: number | null = null;
  const cursor = query.getCursor(state) as Iterator<{ from: number; to: number }>;
  for (let next = cursor.next(); !next.done; next = cursor.next()) {
    if (total === MAX_COUNTED) return { total, more: true, current };
    total++;
    if (next.value.from === from && next.value.to === to) current = total;
  }
  return { total, more: false, current };
}

/** The count as the find box says it: "3 of 12", "12 matches", "No matches". */
export function countLabel(query: SearchQuery, count: MatchCount | null): string {
  if (!query.search) return '';
  if (!query.valid) return 'Invalid pattern';
  if (!count || count.total === 0) return 'No matches';
  const total = `${count.total}${count.more ? '+' : ''}`;
  if (count.current !== null) return `${count.current} of ${total}`;
  return `${total} match${count.total === 1 && !count.more ? '' : 'es'}`;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function createFindPanel(view: EditorView): Panel {
  let query = getSearchQuery(view.state);
  const field = el('input', {
    class: 'gp-find-field',
    type: 'text',
    'main-field': 'true',
    'aria-label': 'Find',
    placeholder: 'Find',
    'data-testid': 'find-field',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const replaceField = el('input', {
    class: 'gp-find-field',
    type: 'text',
    'aria-label': 'Replace with',
    placeholder: 'Replace',
    'data-testid': 'replace-field',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const count = el('span', { class: 'gp-find-count', role: 'status', 'data-testid': 'find-count' });
  const toggle = (label: string, text: string, key: 'caseSensitive' | 'regexp' | 'wholeWord') => {
    // The symbol is drawn by CSS (data-icon): the button's name is the words, not "ab".
    const button = el('button', {
      type: 'button',
      class: 'gp-find-toggle',
      title: label,
      'aria-label': label,
      'data-icon': text,
    });
    button.addEventListener('click', () => {
      commit({ [key]: !query[key] });
    });
    return button;
  };
  const caseToggle = toggle('Match case', 'Aa', 'caseSensitive');
  const wordToggle = toggle('Whole word', 'ab', 'wholeWord');
  const regexpToggle = toggle('Regular expression', '.*', 'regexp');
  const action = (label: string, text: string, run: () => void, testid: string) => {
    const button = el(
      'button',
      { type: 'button', class: 'gp-find-btn', title: label, 'aria-label': label, 'data-testid': testid },
      text,
    );
    button.addEventListener('click', run);
    return button;
  };
  const prev = action('Previous match (Shift+Enter)', '↑', () => findPrevious(view), 'find-previous');
  const next = action('Next match (Enter)', '↓', () => findNext(view), 'find-next');
  const all = action('Select all matches (Alt+Enter)', 'All', () => selectMatches(view), 'find-all');
  const replaceOne = action(
    'Replace (Enter in the replace field)',
    'Replace',
    () => replaceNext(view),
    'replace-next',
  );
  const replaceEvery = action('Replace all', 'All', () => replaceAll(view), 'replace-all');
  const close = action('Close (Escape)', '✕', () => closeAndFocus(view), 'find-close');
  close.classList.add('gp-find-close');
  const replaceRow = el('div', { class: 'gp-find-row' }, replaceField, replaceOne, replaceEvery);
  const dom = el(
    'div',
    { class: 'gp-find', role: 'search', 'aria-label': 'Find in this file', 'data-testid': 'find-box' },
    el(
      'div',
      { class: 'gp-find-row' },
      field,
      count,
      caseToggle,
      wordToggle,
      regexpToggle,
      prev,
      next,
      all,
      close,
    ),
    replaceRow,
  );

  /** The query from the fields and toggles, plus `change`, made the editor's. */
  function commit(change: Partial<Pick<SearchQuery, 'caseSensitive' | 'regexp' | 'wholeWord'>> = {}): void {
    const fresh = new SearchQuery({
      search: field.value,
      replace: replaceField.value,
      caseSensitive: change.caseSensitive ?? query.caseSensitive,
      regexp: change.regexp ?? query.regexp,
      wholeWord: change.wholeWord ?? query.wholeWord,
      literal: query.literal,
    });
    if (!fresh.eq(query)) view.dispatch({ effects: setSearchQuery.of(fresh) });
  }

  function onKey(event: KeyboardEvent, inReplace: boolean): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      closeAndFocus(view);
    } else if (event.key === 'Enter' && event.altKey) {
      event.preventDefault();
      selectMatches(view);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (inReplace && !event.shiftKey) replaceNext(view);
      else if (event.shiftKey) findPrevious(view);
      else findNext(view);
    }
  }
  field.addEventListener('input', () => commit());
  replaceField.addEventListener('input', () => commit());
  field.addEventListener('keydown', (e) => onKey(e, false));
  replaceField.addEventListener('keydown', (e) => onKey(e, true));

  // Counting runs after the burst of updates (typing, remote edits), not inside each one.
  let countTimer: ReturnType<typeof setTimeout> | null = null;
  function scheduleCount(): void {
    if (countTimer !== null) return;
    countTimer = setTimeout(() => {
      countTimer = null;
      const q = getSearchQuery(view.state);
      count.textContent = countLabel(q, q.search && q.valid ? countMatches(view.state, q) : null);
    }, 30);
  }

  function show(state: EditorState): void {
    query = getSearchQuery(state);
    if (field.value !== query.search) field.value = query.search;
    if (replaceField.value !== query.replace) replaceField.value = query.replace;
    caseToggle.setAttribute('aria-pressed', String(query.caseSensitive));
    wordToggle.setAttribute('aria-pressed', String(query.wholeWord));
    regexpToggle.setAttribute('aria-pressed', String(query.regexp));
    replaceRow.hidden = state.readOnly;
    scheduleCount();
  }
  show(view.state);

  return {
    dom,
    top: true,
    mount() {
      field.focus();
      field.select();
    },
    update(update: ViewUpdate) {
      const queryChanged = update.transactions.some((tr) => tr.effects.some((e) => e.is(setSearchQuery)));
      if (queryChanged || update.startState.readOnly !== update.state.readOnly) show(update.state);
      else if (update.docChanged || update.selectionSet) scheduleCount();
    },
    destroy() {
      if (countTimer !== null) clearTimeout(countTimer);
    },
  };
}

function closeAndFocus(view: EditorView): void {
  closeSearchPanel(view);
  view.focus();
}

/** CodeMirror's search state and keys, shown in our find box. */
export function findBox(): Extension {
  return search({ top: true, createPanel: createFindPanel });
}
