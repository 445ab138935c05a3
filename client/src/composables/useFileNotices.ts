/**
 * What happened to files, told in words. `session:event` fileDeleted, fileRestored, moved and
 * reverted become notices naming who did it ("Alice deleted src/db.sql", with a Restore button;
 * "Ana moved src/ to lib/"), except
 * for a file open in this tab: its banner says it (see EditorPane). Keeps who deleted each file,
 * for those banners.
 */
import type {
  FileDeletedEvent,
  FileRestoredEvent,
  MovedEvent,
  RevertDiffers,
  RevertedEvent,
  SessionEvent,
} from '@protocol/events';
import { onScopeDispose, shallowReactive } from 'vue';
import { humanMessage } from '@/api/errors';
import { useAuthStore } from '@/stores/auth';
import { useNoticesStore } from '@/stores/notices';
import { useSessionsStore } from '@/stores/sessions';
import { useRealtime } from './useRealtime';

const short = (sha: string) => sha.slice(0, 7);

/** "src/a.js also keeps what Bob typed meanwhile" for each file a revert left unlike its target. */
export function differsSentence(differs: readonly RevertDiffers[] | undefined): string {
  const parts = (differs ?? []).map(({ path, by }) =>
    by.length > 0
      ? `${path} also keeps what ${listOf(by)} typed meanwhile`
      : `${path} also keeps edits made meanwhile`,
  );
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export interface FileNoticeOptions {
  /** Whether this tab shows the file (then its banner tells of the delete, not a notice). */
  hasTab(fileId: string): boolean;
  /** Whether the person may restore files (editors and owners): offer the button then. */
  canRestore(): boolean;
}

export function useFileNotices(sessionId: string, options: FileNoticeOptions) {
  const client = useRealtime();
  const auth = useAuthStore();
  const notices = useNoticesStore();
  const sessions = useSessionsStore();
  /** fileId → the delete that removed it, for the banner of a tab that had it open. */
  const deletions = shallowReactive(new Map<string, FileDeletedEvent>());

  const who = (by: { id: string; displayName: string }) => (by.id === auth.user?.id ? 'You' : by.displayName);

  async function restore(path: string, sha: string | null): Promise<void> {
    try {
      await sessions.restoreFile(sha ? { path, sha } : { path });
    } catch (e) {
      notices.error(humanMessage(e));
    }
  }

  const off = client.on('sessionEvent', (payload) => {
    const event = payload as SessionEvent;
    if (event.sessionId !== sessionId) return;
    if (event.type === 'fileDeleted') {
      const e = event as FileDeletedEvent;
      deletions.set(e.fileId, e);
      if (options.hasTab(e.fileId) && e.by.id !== auth.user?.id) return;
      notices.info(`${who(e.by)} deleted ${e.path}.`, {
        label: 'Restore',
        run: () => restore(e.path, e.sha),
      });
    } else if (event.type === 'moved') {
      // Tabs re-label by themselves (file ids do not change); the mover knows what they did.
      const e = event as MovedEvent;
      if (e.by.id === auth.user?.id) return;
      const slash = e.kind === 'folder' ? '/' : '';
      notices.info(`${e.by.displayName} moved ${e.from}${slash} to ${e.to}${slash}.`);
    } else if (event.type === 'fileRestored') {
      const e = event as FileRestoredEvent;
      notices.info(`${who(e.by)} restored ${e.path}.`);
    } else if (event.type === 'reverted') {
      const e = event as RevertedEvent;
      // The person who reverted is told by the history panel, with what the revert answered.
      if (e.by.id === auth.user?.id) return;
      notices.info(`${e.by.displayName} reverted to ${short(e.sha)}${differsSentence(e.differs)}.`);
    }
  });
  onScopeDispose(off);

  return { deletions };
}
