/**
 * @mentions of me, as notices: each `mention:new` is told ("Ana mentioned you in chat: …") and
 * listed unread under the bell, with Open (the chat, or the version the comment is on); the
 * unread ones are fetched at every connect, so a mention made while I was away is waiting. Read
 * state follows the server (`mention:read`, from any of my tabs).
 */
import type { MentionNotice, MentionsRead } from '@protocol/activity';
import { EVENTS } from '@protocol/events';
import { mentionsApi } from '@/api/activity';
import { mentionSentence } from '@/components/notices/sentences';
import type { RealtimeClient } from '@/realtime';
import { useNoticesStore } from '@/stores/notices';
import { useSessionsStore } from '@/stores/sessions';

/** Wires one realtime client's mention events into the notices store (once per client). */
export function wireMentionNotices(client: RealtimeClient): void {
  const notices = useNoticesStore();
  const sessions = useSessionsStore();

  function tell(m: MentionNotice, toast: boolean): void {
    notices.tell(mentionSentence(m, sessions.current?.id ?? null), {
      kind: 'mention',
      key: `mention:${m.id}`,
      mentionId: m.id,
      mentionOf: { sessionId: m.sessionId, source: m.source },
      at: m.ts,
      toast,
      unread: !m.read,
      action: {
        label: 'Open',
        run: () =>
          notices.ask(
            m.source === 'chat'
              ? { sessionId: m.sessionId, panel: 'chat' }
              : { sessionId: m.sessionId, panel: 'history', sha: m.ref },
          ),
      },
    });
  }

  client.socket.on(EVENTS.mentionNew, (m: MentionNotice) => tell(m, true));
  client.socket.on(EVENTS.mentionRead, (r: MentionsRead) => notices.mentionsRead(r.ids));
  const catchUp = async () => {
    try {
      const { mentions } = await mentionsApi.list({ unread: true });
      for (const m of [...mentions].reverse()) tell(m, false);
    } catch {
      // The next connect tries again; live mentions still arrive.
    }
  };
  client.socket.on('connect', () => void catchUp());
  if (client.socket.connected) void catchUp();
}

/** Marks mentions read on the server (the store already shows them read); failures are retried by the next open. */
export function markMentionsRead(ids: readonly number[]): void {
  if (ids.length === 0) return;
  mentionsApi.read(ids).catch(() => {});
}
