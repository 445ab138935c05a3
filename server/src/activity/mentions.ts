/**
 * @mentions: a chat message or a version comment that names members of the session
 * (`@username`, protocol/mentions.ts) is stored once per member mentioned, unread, and sent to
 * their tabs as `mention:new`, wherever they are; a member who is offline finds it unread in
 * `GET /api/mentions`. A name that is not a member's is plain text; the author is never notified
 * of their own mention. Mentions of a session the user has since lost are no longer listed.
 */
import type { Logger } from '../log/index.js';
import type { LiveClients } from '../ports/live-clients.js';
import { MENTIONS_KEEP, type MentionNotice, type MentionsRead } from '../protocol/activity.js';
import { EVENTS } from '../protocol/events.js';
import { mentionExcerpt, resolveMentions } from '../protocol/mentions.js';
import type { MentionRecord, Store } from '../storage/types.js';

export interface MentionAuthor {
  id: string;
  username: string;
  displayName: string;
}

export class MentionService {
  constructor(
    private readonly o: {
      store: Store;
      logger: Logger;
      /** People connected now: mentions reach their tabs through it. */
      live: LiveClients;
      keep?: number;
    },
  ) {}

  /**
   * Records and sends the mentions in `text`, written by `by` in a session's chat or comments.
   * Never throws: the message or comment is already stored, and a mention lost is logged.
   */
  async mention(
    sessionId: string,
    by: MentionAuthor,
    source: MentionRecord['source'],
    ref: string,
    text: string,
  ): Promise<number> {
    try {
      if (!text.includes('@')) return 0;
      const members = await this.o.store.members.list(sessionId);
      const byUsername = new Map<string, string>();
      for (const m of members) {
        const u = await this.o.store.users.byId(m.userId);
        if (u && !u.disabled && u.id !== by.id) byUsername.set(u.username, u.id);
      }
      const names = resolveMentions(text, byUsername.keys());
      if (names.length === 0) return 0;
      const ts = Date.now();
      const excerpt = mentionExcerpt(text);
      const records = await this.o.store.mentions.add(
        names.map((name) => ({
          userId: byUsername.get(name)!,
          sessionId,
          byUserId: by.id,
          source,
          ref,
          text: excerpt,
          ts,
        })),
        this.o.keep ?? MENTIONS_KEEP,
      );
      const sessionName = (await this.o.store.sessions.byId(sessionId))?.name ?? '';
      const author = { id: by.id, username: by.username, displayName: by.displayName };
      for (const r of records) {
        const notice: MentionNotice = { ...toNotice(r, sessionName), by: author };
        this.o.live.notifyUser(r.userId, EVENTS.mentionNew, notice);
      }
      return records.length;
    } catch (err) {
      this.o.logger.error('could not record mentions', { sessionId, source, err });
      return 0;
    }
  }

  /** A user's mentions in sessions they are still a member of, newest first. */
  async list(userId: string, opts: { unreadOnly: boolean; limit: number }): Promise<MentionNotice[]> {
    // Read a little more than asked: mentions of sessions the user left are skipped.
    const records = await this.o.store.mentions.list(userId, { ...opts, limit: opts.limit * 2 + 10 });
    const sessions = new Map<string, string | null>();
    const authors = new Map<string, MentionNotice['by']>();
    const out: MentionNotice[] = [];
    for (const r of records) {
      if (out.length >= opts.limit) break;
      if (!sessions.has(r.sessionId)) {
        const member = (await this.o.store.members.role(r.sessionId, userId)) !== null;
        const session = member ? await this.o.store.sessions.byId(r.sessionId) : null;
        sessions.set(r.sessionId, session?.name ?? null);
      }
      const sessionName = sessions.get(r.sessionId);
      if (sessionName === null || sessionName === undefined) continue;
      if (!authors.has(r.byUserId)) {
        const u = await this.o.store.users.byId(r.byUserId);
        authors.set(r.byUserId, {
          id: r.byUserId,
          username: u?.username ?? '(deleted)',
          displayName: u?.displayName ?? 'Deleted user',
        });
      }
      out.push({ ...toNotice(r, sessionName), by: authors.get(r.byUserId)! });
    }
    return out;
  }

  /** How many unread mentions the user has (in sessions they are still in), up to the kept bound. */
  async unread(userId: string): Promise<number> {
    return (await this.list(userId, { unreadOnly: true, limit: this.o.keep ?? MENTIONS_KEEP })).length;
  }

  /** Marks the user's mentions `ids` (or all) read and tells the user's other tabs. */
  async markRead(userId: string, ids?: readonly number[]): Promise<MentionsRead> {
    await this.o.store.mentions.markRead(userId, ids);
    const read: MentionsRead = { ids: ids ? [...ids] : null, unread: await this.unread(userId) };
    this.o.live.notifyUser(userId, EVENTS.mentionRead, read);
    return read;
  }
}

function toNotice(r: MentionRecord, sessionName: string): Omit<MentionNotice, 'by'> {
  return {
    id: r.id,
    sessionId: r.sessionId,
    sessionName,
    source: r.source,
    ref: r.ref,
    text: r.text,
    ts: r.ts,
    read: r.read,
  };
}
