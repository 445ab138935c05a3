/**
 * Comment threads on the live text of the open session, as plain data: the threads of each file
 * that was looked at (as the server last sent them), which one is in focus, whether resolved
 * ones are shown, and the comment being written (its range and the document version it refers
 * to). Fetching, live events and the editors are `composables/useLiveComments.ts`.
 */
import type { LiveAnchor, LiveThread } from '@protocol/live-comments';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

/** A comment being written: where, and on what text. */
export interface CommentDraft {
  fileId: string;
  anchor: LiveAnchor;
  /** The document version `anchor` refers to. */
  v: number;
  quote: string;
}

export const useLiveCommentsStore = defineStore('liveComments', () => {
  const sessionId = ref<string | null>(null);
  /** fileId → its threads, oldest first. */
  const byFile = ref<Record<string, LiveThread[]>>({});
  /** The file the editor shows (the panel lists its threads). */
  const activeFileId = ref<string | null>(null);
  const focusedId = ref<string | null>(null);
  const showResolved = ref(false);
  const draft = ref<CommentDraft | null>(null);
  /** Bumped to ask the workspace to open the comments panel. */
  const openRequests = ref(0);

  const activeThreads = computed(() => {
    const all = activeFileId.value ? (byFile.value[activeFileId.value] ?? []) : [];
    return showResolved.value ? all : all.filter((t) => !t.resolved || t.id === focusedId.value);
  });
  const resolvedCount = computed(
    () =>
      (activeFileId.value ? (byFile.value[activeFileId.value] ?? []) : []).filter((t) => t.resolved).length,
  );

  function reset(next: string | null): void {
    sessionId.value = next;
    byFile.value = {};
    activeFileId.value = null;
    focusedId.value = null;
    draft.value = null;
  }

  function setFile(fileId: string, threads: LiveThread[]): void {
    byFile.value = { ...byFile.value, [fileId]: [...threads] };
  }

  function put(thread: LiveThread): void {
    const list = byFile.value[thread.fileId] ?? [];
    const index = list.findIndex((t) => t.id === thread.id);
    const next = index < 0 ? [...list, thread] : list.map((t) => (t.id === thread.id ? thread : t));
    byFile.value = { ...byFile.value, [thread.fileId]: next };
  }

  function remove(fileId: string, id: string): void {
    byFile.value = { ...byFile.value, [fileId]: (byFile.value[fileId] ?? []).filter((t) => t.id !== id) };
    if (focusedId.value === id) focusedId.value = null;
  }

  function setActiveFile(fileId: string | null): void {
    activeFileId.value = fileId;
  }

  /** Puts a thread in focus and asks for the panel. */
  function focus(id: string | null): void {
    focusedId.value = id;
    if (id) openRequests.value++;
  }

  function startDraft(next: CommentDraft): void {
    draft.value = next;
    openRequests.value++;
  }

  function cancelDraft(): void {
    draft.value = null;
  }

  function setShowResolved(value: boolean): void {
    showResolved.value = value;
  }

  return {
    sessionId,
    byFile,
    activeFileId,
    focusedId,
    showResolved,
    draft,
    openRequests,
    activeThreads,
    resolvedCount,
    reset,
    setFile,
    put,
    remove,
    setActiveFile,
    focus,
    startDraft,
    cancelDraft,
    setShowResolved,
  };
});
