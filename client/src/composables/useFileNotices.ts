/**
 * What happened to my work in this session, told in words: every `session:event` that changed
 * someone's work (delete, restore, move, revert, import, push) becomes a notice naming who did
 * it, with its action (Restore, Open the version), listed under the bell and shown as a toast;
 * except a delete of a file open in this tab, which its banner tells (see EditorPane). Keeps who
 * deleted each file, for those banners.
 *
 * Catching up: each event kept in the session's activity log carries its id; the last one this
 * user saw of the session is remembered in the browser, and what came after it is fetched when
 * the session opens and after every reconnect (`GET …/activity?since=`), then listed unread with
 * one toast saying how much happened meanwhile.
 */
import type { FileDeletedEvent, SessionEvent } from '@protocol/events';
import { onScopeDispose, shallowReactive } from 'vue';
import { activityApi } from '@/api/activity';
import { humanMessage } from '@/api/errors';
import { eventSentence, type SentenceAction } from '@/components/notices/sentences';
import { useAuthStore } from '@/stores/auth';
import { useNoticesStore } from '@/stores/notices';
import { useSessionsStore } from '@/stores/sessions';
import { useRealtime } from './useRealtime';

export { differsSentence } from '@/components/notices/sentences';

export interface FileNoticeOptions {
  /** Whether this tab shows the file (then its banner tells of the delete, not a notice). */
  hasTab(fileId: string): boolean;
  /** Whether the person may restore files (editors and owners): offer the button then. */
  canRestore(): boolean;
}

/** How many missed entries a catch-up lists at most. */
const CATCH_UP_LIMIT = 50;

const seenKey = (userId: string, sessionId: string) => `gitpad:activity-seen:${userId}:${sessionId}`;

export function useFileNotices(sessionId: string, options: FileNoticeOptions) {
  const client = useRealtime();
  const auth = useAuthStore();
  const notices = useNoticesStore();
  const sessions = useSessionsStore();
  /** fileId → the delete that removed it, for the banner of a tab that had it open. */
  const deletions = shallowReactive(new Map<string, FileDeletedEvent>());

  function lastSeen(): number | null {
    if (!auth.user) return null;
    const raw = localStorage.getItem(seenKey(auth.user.id, sessionId));
    const n = raw === null ? Number.NaN : Number(raw);
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  }
  function markSeen(id: number): void {
    if (!auth.user || (lastSeen() ?? 0) >= id) return;
    localStorage.setItem(seenKey(auth.user.id, sessionId), String(id));
  }

  async function restore(path: string, sha: string | null): Promise<void> {
    try {
      await sessions.restoreFile(sha ? { path, sha } : { path });
    } catch (e) {
      notices.error(humanMessage(e));
    }
  }

  function run(action: SentenceAction): () => void {
    return action.kind === 'restore'
      ? () => void restore(action.path, action.sha)
      : () => notices.ask({ sessionId, panel: 'history', sha: action.sha });
  }

  function tell(event: SessionEvent, at: number, live: boolean): boolean {
    const sentence = eventSentence(event, { me: auth.user?.id ?? null, canRestore: options.canRestore() });
    if (!sentence) return false;
    const mine = (event.by as { id?: string } | undefined)?.id === auth.user?.id;
    notices.tell(sentence.text, {
      at,
      ...(event.activityId !== undefined ? { key: `activity:${sessionId}:${event.activityId}` } : {}),
      ...(sentence.action ? { action: { label: sentence.action.label, run: run(sentence.action) } } : {}),
      toast: live,
      // What I did myself is a confirmation, not news.
      unread: !mine,
    });
    return true;
  }

  const off = client.on('sessionEvent', (payload) => {
    const event = payload as SessionEvent;
    if (event.sessionId !== sessionId) return;
    if (event.activityId !== undefined) markSeen(event.activityId);
    if (event.type === 'fileDeleted') {
      const e = event as FileDeletedEvent;
      deletions.set(e.fileId, e);
      // The open tab's banner says it (and offers what to do with the local copy).
      if (options.hasTab(e.fileId) && e.by.id !== auth.user?.id) {
        const sentence = eventSentence(e, { me: auth.user?.id ?? null, canRestore: false });
        if (sentence)
          notices.tell(sentence.text, {
            toast: false,
            ...(e.activityId !== undefined ? { key: `activity:${sessionId}:${e.activityId}` } : {}),
          });
        return;
      }
    }
    // The role event is told by session:role (useRealtime), which reaches only the person.
    if (event.type === 'role') return;
    tell(event, Date.now(), true);
  });
  onScopeDispose(off);

  /** Lists what happened since the last entry seen; the first visit only marks where we are. */
  let catching = false;
  async function catchUp(): Promise<void> {
    if (catching || !auth.user) return;
    catching = true;
    try {
      const since = lastSeen();
      const { entries } = await activityApi.since(sessionId, since ?? 0, since === null ? 1 : CATCH_UP_LIMIT);
      const last = entries.at(-1);
      if (last) markSeen(last.id);
      if (since === null) return;
      let told = 0;
      for (const entry of entries) if (tell(entry.event, entry.ts, false)) told++;
      if (told > 0) {
        notices.info(`While you were away: ${told} ${told === 1 ? 'change' : 'changes'} to this session.`, {
          label: 'Show',
          run: () => notices.setListOpen(true),
        });
      }
    } catch {
      // Catching up is a courtesy: the live session works without it, and the next join retries.
    } finally {
      catching = false;
    }
  }
  void catchUp();
  const offJoined = client.on('sessionJoined', (e) => {
    if (e.sessionId === sessionId) void catchUp();
  });
  onScopeDispose(offJoined);

  return { deletions };
}
