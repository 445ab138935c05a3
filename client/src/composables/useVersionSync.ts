/**
 * Keeps the versions store of the open session live: `session:event` `version`, `comments` and
 * `tags` refresh what they touch, `commitFailed` / `commitOk` (and each `session:join` answer)
 * say whether versions are being saved, and edits (anyone's op, seen on the ShareDB connection)
 * re-measure "N files changed since the last version", at most every few seconds and not while
 * the tab is hidden. Every user of the store in a session shares one subscription (refcounted).
 */
import type { CommitFailure, SessionEvent } from '@protocol/events';
import { onScopeDispose } from 'vue';
import { humanMessage } from '@/api/errors';
import { useRealtime } from '@/composables/useRealtime';
import { useVersionsStore } from '@/stores/versions';

/** An edit is measured this long after it, so a burst of typing costs one request. */
const LIVE_QUIET_MS = 1500;
/** The live diff is read at most this often while people type. */
const LIVE_MIN_INTERVAL_MS = 4000;

interface Subscription {
  users: number;
  stop: () => void;
}

const subscriptions = new Map<string, Subscription>();

/** Subscribes the versions store to the session's events for as long as the calling scope lives. */
export function useVersionSync(sessionId: string): void {
  let sub = subscriptions.get(sessionId);
  if (!sub) {
    sub = { users: 0, stop: start(sessionId) };
    subscriptions.set(sessionId, sub);
  }
  sub.users++;
  const mine = sub;
  onScopeDispose(() => {
    if (--mine.users > 0) return;
    mine.stop();
    if (subscriptions.get(sessionId) === mine) subscriptions.delete(sessionId);
  });
}

function start(sessionId: string): () => void {
  const client = useRealtime();
  const store = useVersionsStore();
  if (store.sessionId !== sessionId) store.reset(sessionId);

  // Background refreshes fail quietly: the next event or reconnect tries again, and what the
  // person must know (signed out, removed from the session) is reported by the realtime glue.
  const quietly = (work: Promise<unknown>) =>
    work.catch((error) => console.warn('versions refresh failed:', humanMessage(error)));

  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastRun = 0;
  let missedWhileHidden = false;

  function measureLive(): void {
    timer = null;
    if (document.hidden) {
      missedWhileHidden = true;
      return;
    }
    lastRun = Date.now();
    quietly(store.refreshLive());
  }

  /** Measures soon: after `delay`, and no sooner than the minimum interval since the last time. */
  function scheduleLive(delay = LIVE_QUIET_MS): void {
    if (timer) return;
    timer = setTimeout(measureLive, Math.max(delay, lastRun + LIVE_MIN_INTERVAL_MS - Date.now()));
  }

  /** A new version (or a reconnect): everything may have moved. */
  function refreshAll(): void {
    quietly(store.list ? store.refreshList() : store.refreshLatest());
    if (timer) clearTimeout(timer);
    measureLive();
  }

  const offEvent = client.on('sessionEvent', (payload) => {
    const event = payload as SessionEvent;
    if (event.sessionId !== sessionId) return;
    const sha = typeof event.sha === 'string' ? event.sha : null;
    if (event.type === 'version') refreshAll();
    else if (event.type === 'commitFailed')
      store.setCommitFailure(sessionId, event as unknown as CommitFailure);
    else if (event.type === 'commitOk') store.setCommitFailure(sessionId, null);
    else if (event.type === 'comments' || event.type === 'tags') {
      if (event.type === 'comments' && sha) store.commentsChanged(sha);
      if (store.list) quietly(store.refreshList());
    }
  });

  const offJoined = client.on('sessionJoined', (joined) => {
    if (joined.sessionId === sessionId) store.setCommitFailure(sessionId, joined.commitFailure);
  });

  // Events sent while the link was down are lost: catch up after every reconnect.
  let wasConnected = client.currentStatus.state === 'connected';
  const offStatus = client.on('status', (status) => {
    const connected = status.state === 'connected';
    if (connected && !wasConnected) refreshAll();
    wasConnected = connected;
  });

  const onReceive = (request: { data?: { a?: string } }) => {
    if (request.data?.a === 'op') scheduleLive();
  };
  client.connection.on('receive', onReceive);

  const onVisible = () => {
    if (!document.hidden && missedWhileHidden) {
      missedWhileHidden = false;
      scheduleLive(0);
    }
  };
  document.addEventListener('visibilitychange', onVisible);

  refreshAll();

  return () => {
    offEvent();
    offJoined();
    offStatus();
    client.connection.off('receive', onReceive);
    document.removeEventListener('visibilitychange', onVisible);
    if (timer) clearTimeout(timer);
  };
}
