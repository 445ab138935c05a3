/**
 * The open session's versions as the UI shows them: the latest one (status bar), the pages of
 * history loaded in the History panel, how many files the live text changes since the latest
 * version, a per-version counter of comment changes that open threads watch, and why versions
 * are not being saved when the server's commits of this session fail. Plain data;
 * the socket events that drive the refreshes are wired in `composables/useVersionSync.ts`.
 */
import type { CommitFailure } from '@protocol/events';
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { type SaveResult, type Version, versionsApi } from '@/api/versions';

/** Versions per page of history. */
export const HISTORY_PAGE = 30;
/** The most versions one refresh re-reads (the API's cap). */
const MAX_REFRESH = 500;

export const useVersionsStore = defineStore('versions', () => {
  const sessionId = ref<string | null>(null);
  /** The newest version; null when there is none (or not loaded yet, see `latestLoaded`). */
  const latest = ref<Version | null>(null);
  const latestLoaded = ref(false);
  /** Loaded history, newest first; null until the History panel asks for it. */
  const list = ref<Version[] | null>(null);
  const hasMore = ref(false);
  const loadingOlder = ref(false);
  /** The History panel's "Named only" filter: `list` then holds only those versions. */
  const namedOnly = ref(false);
  /** Files the live text changes since the latest version; null until measured. */
  const liveChanges = ref<number | null>(null);
  /** sha → bumped whenever that version's comments change, so open threads reload. */
  const commentsRevision = ref<Record<string, number>>({});
  /**
   * The server's latest failed commit of this session, until one succeeds; `retryAt` is when the
   * next attempt is due, on this tab's clock (ms).
   */
  const commitFailure = ref<{ code: string; message: string; attempt: number; retryAt: number } | null>(null);

  /** Answers that arrive after the session changed are dropped. */
  const stillFor = (id: string) => sessionId.value === id;

  function reset(id: string | null): void {
    sessionId.value = id;
    latest.value = null;
    latestLoaded.value = false;
    list.value = null;
    hasMore.value = false;
    loadingOlder.value = false;
    namedOnly.value = false;
    liveChanges.value = null;
    commentsRevision.value = {};
    commitFailure.value = null;
  }

  /** From a `commitFailed` event or the `session:join` answer (null: versions are being saved). */
  function setCommitFailure(id: string, failure: CommitFailure | null): void {
    if (!stillFor(id)) return;
    commitFailure.value = failure && {
      code: failure.code,
      message: failure.message,
      attempt: failure.attempt,
      retryAt: Date.now() + failure.retryInMs,
    };
  }

  async function refreshLatest(): Promise<void> {
    const id = sessionId.value;
    if (!id) return;
    const [newest] = await versionsApi.list(id, { limit: 1 });
    if (!stillFor(id)) return;
    latest.value = newest ?? null;
    latestLoaded.value = true;
  }

  /** Loads the first page, or re-reads every loaded version (new ones, tags, comment counts). */
  async function refreshList(): Promise<void> {
    const id = sessionId.value;
    if (!id) return;
    const limit = Math.min(MAX_REFRESH, Math.max(HISTORY_PAGE, list.value?.length ?? 0));
    const named = namedOnly.value;
    const page = await versionsApi.list(id, { limit, named });
    if (!stillFor(id) || named !== namedOnly.value) return;
    list.value = page;
    hasMore.value = page.length === limit;
    if (!named) {
      latest.value = page[0] ?? null;
      latestLoaded.value = true;
    }
  }

  /** Switches the "Named only" filter and reloads the list from the newest version. */
  async function setNamedOnly(on: boolean): Promise<void> {
    if (namedOnly.value === on) return;
    namedOnly.value = on;
    list.value = null;
    hasMore.value = false;
    await refreshList();
  }

  async function loadOlder(): Promise<void> {
    const id = sessionId.value;
    const last = list.value?.at(-1);
    if (!id || !last || loadingOlder.value) return;
    loadingOlder.value = true;
    try {
      const named = namedOnly.value;
      const page = await versionsApi.list(id, { limit: HISTORY_PAGE, before: last.sha, named });
      if (!stillFor(id) || !list.value || named !== namedOnly.value) return;
      const known = new Set(list.value.map((v) => v.sha));
      list.value = [...list.value, ...page.filter((v) => !known.has(v.sha))];
      hasMore.value = page.length === HISTORY_PAGE;
    } finally {
      loadingOlder.value = false;
    }
  }

  async function refreshLive(): Promise<void> {
    const id = sessionId.value;
    if (!id) return;
    const { files } = await versionsApi.diff(id, { head: 'live' });
    if (stillFor(id)) liveChanges.value = files.length;
  }

  function commentsChanged(sha: string): void {
    commentsRevision.value = { ...commentsRevision.value, [sha]: (commentsRevision.value[sha] ?? 0) + 1 };
  }

  async function revert(sha: string): Promise<SaveResult> {
    return versionsApi.revert(sessionId.value!, sha);
  }

  async function tag(sha: string, name: string): Promise<void> {
    await versionsApi.tag(sessionId.value!, sha, name);
    // The `tags` event refreshes everyone else; this tab shows it at once.
    if (list.value) await refreshList();
  }

  return {
    sessionId: readonly(sessionId),
    latest: readonly(latest),
    latestLoaded: readonly(latestLoaded),
    list: readonly(list),
    hasMore: readonly(hasMore),
    loadingOlder: readonly(loadingOlder),
    namedOnly: readonly(namedOnly),
    liveChanges: readonly(liveChanges),
    commentsRevision: readonly(commentsRevision),
    commitFailure: readonly(commitFailure),
    reset,
    setCommitFailure,
    refreshLatest,
    refreshList,
    loadOlder,
    setNamedOnly,
    refreshLive,
    commentsChanged,
    revert,
    tag,
  };
});
