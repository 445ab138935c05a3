/**
 * One open file: subscribes its ShareDB document and presence, and once loaded creates the
 * file's {@link CollabEditor} with the editor setup, language, theme and read-only state kept
 * current. Lives in an effect scope (one per tab); stopping the scope releases everything.
 * A file deleted while open keeps its editor (status `orphaned`) with the text as typed here.
 */
import type { EditorState } from '@codemirror/state';
import type { Presence } from 'sharedb/lib/client';
import { onScopeDispose, type Ref, ref, shallowRef, watch } from 'vue';
import { humanMessage } from '@/api/errors';
import type { DocRef } from '@/api/sessions';
import { CollabEditor } from '@/editor/collab-editor';
import { type LanguageInfo, loadLanguage } from '@/editor/languages';
import { liveComments } from '@/editor/live-comments';
import type { CursorValue } from '@/editor/remote-cursors';
import { editorSetup, setLanguage, setPath, setReadOnly, setTheme, type ThemeMode } from '@/editor/setup';
import { useRealtime } from './useRealtime';

/**
 * `orphaned`: the file was deleted while open here; the editor stays, editable, holding the only
 * copy of what was typed since (restore it, or discard it). `deleted`: gone before it loaded.
 */
export type DocumentStatus = 'loading' | 'ready' | 'orphaned' | 'deleted' | 'error';

export interface CursorInfo {
  line: number;
  column: number;
  /** Characters selected (0 for a caret). */
  selected: number;
}

export interface DocumentOptions {
  language: Ref<LanguageInfo>;
  theme: Ref<ThemeMode>;
  readOnly: Ref<boolean>;
  /** The file's path: the editor's accessible name ("Editing src/main.ts") follows renames. */
  path?: Ref<string>;
  /** Called when an edit of ours was refused by the server (already rolled back). */
  onEditRefused?: (message: string) => void;
}

function cursorOf(state: EditorState): CursorInfo {
  const { head, from, to } = state.selection.main;
  const line = state.doc.lineAt(head);
  return { line: line.number, column: head - line.from + 1, selected: to - from };
}

export function useDocument(docRef: DocRef, options: DocumentOptions) {
  const client = useRealtime();
  const doc = client.doc(docRef.collection, docRef.id);
  const presence = client.connection.getDocPresence(docRef.collection, docRef.id);
  const status = ref<DocumentStatus>('loading');
  const error = ref<string | null>(null);
  const editor = shallowRef<CollabEditor | null>(null);
  const cursor = ref<CursorInfo>({ line: 1, column: 1, selected: 0 });
  let disposed = false;

  const onDocError = (e: unknown) => {
    error.value = humanMessage(e);
  };
  const onPresenceError = (e: unknown) => console.warn('cursor presence error', e);
  doc.on('error', onDocError);
  presence.on('error', onPresenceError);

  doc.subscribe((e) => {
    if (disposed) return;
    if (e) {
      status.value = 'error';
      error.value = humanMessage(e);
      return;
    }
    if (!doc.type) {
      status.value = 'deleted';
      return;
    }
    const created = new CollabEditor(doc, {
      presence: presence as Presence<CursorValue | null>,
      extensions: [
        editorSetup({
          theme: options.theme.value,
          readOnly: options.readOnly.value,
          path: options.path?.value,
        }),
        liveComments(),
      ],
      onUpdate: (state, transactions) => {
        if (transactions.some((tr) => tr.selection || tr.docChanged)) cursor.value = cursorOf(state);
      },
      onError: (err) => options.onEditRefused?.(humanMessage(err)),
      onDeleted: () => {
        status.value = 'orphaned';
      },
    });
    editor.value = created;
    cursor.value = cursorOf(created.state);
    status.value = 'ready';
    applyLanguage(options.language.value);
  });

  let languageRequest = 0;
  function applyLanguage(language: LanguageInfo): void {
    const request = ++languageRequest;
    loadLanguage(language).then(
      (extension) => {
        // A rename may have changed the language meanwhile; only the latest request applies.
        if (request === languageRequest && !disposed)
          editor.value?.dispatch({ effects: setLanguage(extension) });
      },
      (e) => console.warn(`could not load ${language.label} support`, e),
    );
  }

  watch(options.language, (language) => {
    if (editor.value) applyLanguage(language);
  });
  watch(options.theme, (mode) => editor.value?.dispatch({ effects: setTheme(mode) }));
  watch(options.readOnly, (readOnly) => editor.value?.dispatch({ effects: setReadOnly(readOnly) }));
  if (options.path) watch(options.path, (path) => editor.value?.dispatch({ effects: setPath(path) }));

  onScopeDispose(() => {
    disposed = true;
    editor.value?.destroy();
    editor.value = null;
    doc.off('error', onDocError);
    presence.off('error', onPresenceError);
    presence.destroy(() => undefined);
    // Unsubscribe, then drop the doc from the connection so a reopened tab starts fresh.
    doc.destroy(() => undefined);
  });

  /** The text in this tab's editor, unconfirmed typing included ('' before it loaded). */
  const localText = () => editor.value?.state.doc.toString() ?? '';

  return { doc, status, error, editor, cursor, localText };
}

export type DocumentHandle = ReturnType<typeof useDocument>;
