/**
 * Short messages for the person, as toasts (errors as human sentences, confirmations), and the
 * notices list behind the bell: what happened to my work in this tab's sessions and who mentioned
 * me, the newest `FEED_SIZE`, with what is unread. Toasts leave; the list keeps them.
 */
import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** The label of the one thing the notice offers to do ("Restore"), if any. */
  action?: string;
}

/** What a notice's button does; kept beside the store's state, not in it. */
export interface NoticeAction {
  label: string;
  run: () => void;
}

/** One line of the notices list. */
export interface FeedItem {
  id: number;
  /** `work`: something happened to files, versions or my role; `mention`: someone @mentioned me. */
  kind: 'work' | 'mention';
  text: string;
  /** ms since the epoch */
  at: number;
  unread: boolean;
  action?: string;
  /** What it came from (`activity:<id>`, `mention:<id>`…): the same thing is listed once. */
  key?: string;
  /** The mention's id (kind `mention`), to mark it read on the server. */
  mentionId?: number;
  /** Where the mention is: its session and chat or comment. */
  mentionOf?: { sessionId: string; source: 'chat' | 'comment' };
}

export interface TellOptions {
  action?: NoticeAction;
  kind?: FeedItem['kind'];
  key?: string;
  mentionId?: number;
  mentionOf?: FeedItem['mentionOf'];
  at?: number;
  /** Also show it as a toast (default true); false: only listed (caught up, already read). */
  toast?: boolean;
  unread?: boolean;
}

/** How many notices the list keeps. */
export const FEED_SIZE = 50;

export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  const feed = ref<FeedItem[]>([]);
  /** Whether the notices list is open. */
  const listOpen = ref(false);
  /**
   * Something a notice asked the open session to show: a side panel, and in History a version.
   * The workspace and the panel take it (`takeRequest`).
   */
  const request = ref<{ panel: 'chat' | 'history'; sha?: string; sessionId: string } | null>(null);
  /** notice id → what its button does (functions are machinery, not state). */
  const actions = new Map<number, () => void>();
  const feedActions = new Map<number, () => void>();
  let nextId = 1;

  function push(kind: Notice['kind'], text: string, action?: NoticeAction): number {
    // The same sentence twice in a row is one notice.
    const same = items.value.find((n) => n.text === text && n.kind === kind);
    if (same) return same.id;
    const id = nextId++;
    const notice: Notice = action ? { id, kind, text, action: action.label } : { id, kind, text };
    if (action) actions.set(id, action.run);
    const kept = items.value.slice(-4);
    for (const gone of items.value.slice(0, -4)) actions.delete(gone.id);
    items.value = [...kept, notice];
    return id;
  }

  function dismiss(id: number): void {
    actions.delete(id);
    items.value = items.value.filter((n) => n.id !== id);
  }

  /** Does what the notice offers, and dismisses it. */
  function act(id: number): void {
    const run = actions.get(id);
    dismiss(id);
    run?.();
  }

  /**
   * Tells the person what happened to their work (or who mentioned them): listed under the bell,
   * unread, and shown as a toast unless `toast: false`. A `key` already listed is told once.
   */
  function tell(text: string, options: TellOptions = {}): void {
    if (options.key && feed.value.some((f) => f.key === options.key)) return;
    const id = nextId++;
    const item: FeedItem = {
      id,
      kind: options.kind ?? 'work',
      text,
      at: options.at ?? Date.now(),
      unread: options.unread ?? true,
      ...(options.action ? { action: options.action.label } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.mentionId !== undefined ? { mentionId: options.mentionId } : {}),
      ...(options.mentionOf ? { mentionOf: { ...options.mentionOf } } : {}),
    };
    if (options.action) feedActions.set(id, options.action.run);
    const next = [...feed.value, item].sort((a, b) => a.at - b.at);
    for (const gone of next.slice(0, -FEED_SIZE)) feedActions.delete(gone.id);
    feed.value = next.slice(-FEED_SIZE);
    if (options.toast !== false) push('info', text, options.action);
  }

  /** Does what a listed notice offers. */
  function actOnItem(id: number): void {
    feedActions.get(id)?.();
  }

  /** Marks every listed notice read; returns the ids of mentions that were unread. */
  function markAllRead(): number[] {
    const mentions = feed.value.flatMap((f) => (f.unread && f.mentionId !== undefined ? [f.mentionId] : []));
    if (feed.value.some((f) => f.unread)) feed.value = feed.value.map((f) => ({ ...f, unread: false }));
    return mentions;
  }

  /** Marks unread mentions in a session's chat (or comments) read; returns their ids. */
  function readMentionsIn(sessionId: string, source: 'chat' | 'comment'): number[] {
    const ids: number[] = [];
    feed.value = feed.value.map((f) => {
      if (!f.unread || f.mentionId === undefined) return f;
      if (f.mentionOf?.sessionId !== sessionId || f.mentionOf.source !== source) return f;
      ids.push(f.mentionId);
      return { ...f, unread: false };
    });
    return ids;
  }

  /** Mentions read elsewhere (another tab, the chat panel): `ids`, or all when null. */
  function mentionsRead(ids: readonly number[] | null): void {
    const read = ids ? new Set(ids) : null;
    feed.value = feed.value.map((f) =>
      f.mentionId !== undefined && f.unread && (read === null || read.has(f.mentionId))
        ? { ...f, unread: false }
        : f,
    );
  }

  function setListOpen(open: boolean): void {
    listOpen.value = open;
  }

  function ask(next: NonNullable<typeof request.value>): void {
    request.value = { ...next };
  }

  /** Takes the pending request for `panel` of `sessionId`, if there is one. */
  function takeRequest(sessionId: string, panel: 'chat' | 'history') {
    const r = request.value;
    if (!r || r.sessionId !== sessionId || r.panel !== panel) return null;
    request.value = null;
    return r;
  }

  return {
    items: readonly(items),
    feed: readonly(feed),
    unreadCount: computed(() => feed.value.filter((f) => f.unread).length),
    listOpen: readonly(listOpen),
    request: readonly(request),
    error: (text: string, action?: NoticeAction) => push('error', text, action),
    info: (text: string, action?: NoticeAction) => push('info', text, action),
    tell,
    dismiss,
    act,
    actOnItem,
    markAllRead,
    readMentionsIn,
    mentionsRead,
    setListOpen,
    ask,
    takeRequest,
  };
});
