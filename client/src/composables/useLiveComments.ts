/**
 * The glue for comments on the live text: fetches the threads of the files shown, keeps them
 * current from `session:event` `liveComment` (and after a reconnect), places them in each open
 * editor (editor/live-comments.ts), opens a thread when its gutter marker is clicked, and starts
 * a comment on the selection (command `comment.add`, Ctrl/⌘+Alt+M).
 *
 * The server sends each anchor with the document version it refers to. It is placed in an editor
 * only at that same version, moved through this tab's unconfirmed ops (which the editor's text
 * already holds); an editor that is behind waits for the ops, one that is ahead asks again.
 * From then on the editor maps the positions through every change itself.
 */
import type { LiveCommentEvent, LiveThread } from '@protocol/live-comments';
import { transformAnchor } from '@protocol/live-comments';
import type { Doc } from 'sharedb/lib/client';
import { onScopeDispose, type Ref, watch } from 'vue';
import { humanMessage } from '@/api/errors';
import { liveCommentsApi } from '@/api/live-comments';
import { useCommand } from '@/commands/registry';
import type { CollabEditor } from '@/editor/collab-editor';
import {
  COMMENT_OPEN_EVENT,
  type CommentMark,
  commentMarks,
  putCommentMark,
  removeCommentMark,
  setCommentMarks,
} from '@/editor/live-comments';
import { useLiveCommentsStore } from '@/stores/liveComments';
import { useNoticesStore } from '@/stores/notices';
import { useRealtime } from './useRealtime';

export interface LiveCommentsOptions {
  sessionId: string;
  /** The file the editor shows. */
  activeFileId: Ref<string | null>;
  /** The editor of an open file, once loaded. */
  editorOf: (fileId: string) => CollabEditor | null;
  /** Whether this person may comment. */
  canComment: () => boolean;
}

/** How long an editor may lag behind an anchor's version before the threads are asked for again. */
const WAIT_MS = 3000;

export function useLiveComments(options: LiveCommentsOptions) {
  const store = useLiveCommentsStore();
  const notices = useNoticesStore();
  const client = useRealtime();
  store.reset(options.sessionId);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let disposed = false;

  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!disposed) fn();
    }, ms);
    timers.add(timer);
  };

  /** Where `thread` is in the editor's text now, or why it cannot be said yet. */
  function locate(doc: Doc, thread: LiveThread): CommentMark | 'behind' | 'ahead' {
    const version = doc.version ?? 0;
    if (thread.v > version) return 'behind';
    if (thread.v < version) return 'ahead';
    let anchor = thread.anchor;
    const inflight = (doc as unknown as { inflightOp?: { op?: unknown } | null }).inflightOp;
    if (inflight?.op) anchor = transformAnchor(anchor, inflight.op);
    for (const pending of (doc as unknown as { pendingOps: Array<{ op?: unknown }> }).pendingOps ?? []) {
      if (pending.op) anchor = transformAnchor(anchor, pending.op);
    }
    return { id: thread.id, from: anchor.from, to: anchor.to, resolved: thread.resolved };
  }

  /** Shows the file's threads (as the store has them) in its editor, or arranges to. */
  function place(fileId: string, since = Date.now()): void {
    const editor = options.editorOf(fileId);
    if (!editor) return;
    const threads = store.byFile[fileId] ?? [];
    const marks: CommentMark[] = [];
    for (const thread of threads) {
      const at = locate(editor.doc, thread);
      if (at === 'ahead' || (at === 'behind' && Date.now() - since > WAIT_MS)) {
        void refresh(fileId);
        return;
      }
      if (at === 'behind') {
        later(() => place(fileId, since), 50);
        return;
      }
      marks.push(at);
    }
    editor.dispatch({ effects: setCommentMarks.of(marks) });
  }

  /** One thread changed: moves just its mark when it can be placed now, else the whole file. */
  function placeOne(thread: LiveThread): void {
    const editor = options.editorOf(thread.fileId);
    if (!editor) return;
    const at = locate(editor.doc, thread);
    if (typeof at === 'object') editor.dispatch({ effects: putCommentMark.of(at) });
    else if (at === 'ahead') void refresh(thread.fileId);
    else later(() => placeOne(thread), 50);
  }

  const fetching = new Map<string, Promise<void>>();
  /** Asks the server for a file's threads (one request at a time per file). */
  function refresh(fileId: string): Promise<void> {
    const running = fetching.get(fileId);
    if (running) return running;
    const work = liveCommentsApi
      .list(options.sessionId, fileId)
      .then((threads) => {
        if (disposed) return;
        store.setFile(fileId, threads);
        place(fileId);
      })
      .catch((error) => console.warn('comments refresh failed:', humanMessage(error)))
      .finally(() => fetching.delete(fileId));
    fetching.set(fileId, work);
    return work;
  }

  watch(
    [
      options.activeFileId,
      () => (options.activeFileId.value ? options.editorOf(options.activeFileId.value) : null),
    ],
    ([fileId, editor]) => {
      store.setActiveFile(fileId);
      if (fileId && editor) void refresh(fileId);
    },
    { immediate: true },
  );

  const offEvent = client.on('sessionEvent', (payload) => {
    const event = payload as unknown as LiveCommentEvent;
    if (event.sessionId !== options.sessionId || event.type !== 'liveComment') return;
    if (event.thread) {
      store.put(event.thread);
      placeOne(event.thread);
    } else if (event.removed) {
      store.remove(event.fileId, event.removed);
      options.editorOf(event.fileId)?.dispatch({ effects: removeCommentMark.of(event.removed) });
    }
  });
  // Events sent while the link was down are lost: ask again after a reconnect.
  let wasConnected = client.currentStatus.state === 'connected';
  const offStatus = client.on('status', (status) => {
    const connected = status.state === 'connected';
    const fileId = options.activeFileId.value;
    if (connected && !wasConnected && fileId) void refresh(fileId);
    wasConnected = connected;
  });

  const onOpen = (event: Event) => {
    const ids = (event as CustomEvent<{ ids: string[] }>).detail?.ids ?? [];
    if (ids[0]) store.focus(ids[0]);
  };
  document.addEventListener(COMMENT_OPEN_EVENT, onOpen);

  /** Starts a comment on the active editor's selection (its line when nothing is selected). */
  async function startComment(): Promise<void> {
    const fileId = options.activeFileId.value;
    const editor = fileId ? options.editorOf(fileId) : null;
    if (!fileId || !editor) return;
    // Offsets are sent with the version they refer to: wait until this tab's edits are confirmed.
    await new Promise<void>((resolve) => editor.doc.whenNothingPending(() => resolve()));
    const state = editor.state;
    let { from, to } = state.selection.main;
    if (from === to) {
      const line = state.doc.lineAt(from);
      ({ from, to } = line);
    }
    if (from === to) {
      notices.info('Select some text (or put the cursor on a line with text) to comment on it.');
      return;
    }
    store.startDraft({
      fileId,
      anchor: { from, to },
      v: editor.doc.version ?? 0,
      quote: state.sliceDoc(from, to),
    });
  }

  /** Sends the comment being written; true when it was made. */
  async function submitDraft(body: string): Promise<boolean> {
    const draft = store.draft;
    if (!draft) return false;
    try {
      const thread = await liveCommentsApi.create(options.sessionId, draft.fileId, {
        anchor: draft.anchor,
        v: draft.v,
        body,
      });
      store.cancelDraft();
      store.put(thread);
      placeOne(thread);
      store.focus(thread.id);
      return true;
    } catch (error) {
      notices.error(humanMessage(error));
      return false;
    }
  }

  /** Scrolls the active editor to a thread's range. */
  function reveal(id: string): void {
    const fileId = options.activeFileId.value;
    const editor = fileId ? options.editorOf(fileId) : null;
    const mark = editor ? commentMarks(editor.state).find((m) => m.id === id) : undefined;
    const view = editor?.attachedView;
    if (!mark || !view) return;
    view.dispatch({ selection: { anchor: mark.from, head: mark.to }, scrollIntoView: true });
  }

  useCommand({
    id: 'comment.add',
    title: 'Comment on the selection',
    category: 'File',
    keys: 'Mod+Alt+M',
    enabled: () => options.canComment() && options.activeFileId.value !== null,
    run: () => void startComment(),
  });

  onScopeDispose(() => {
    disposed = true;
    for (const timer of timers) clearTimeout(timer);
    offEvent();
    offStatus();
    document.removeEventListener(COMMENT_OPEN_EVENT, onOpen);
  });

  return { startComment, submitDraft, reveal, refresh };
}

export type LiveCommentsHandle = ReturnType<typeof useLiveComments>;
