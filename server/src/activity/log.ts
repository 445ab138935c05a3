/**
 * The session activity log: `session:event`s that changed someone's work (protocol/activity.ts
 * `ACTIVITY_TYPES`) are stored, bounded per session, before they are sent, and go out with their
 * entry id (`activityId`), so a tab that knows the last id it saw asks only for what it missed
 * (`GET /api/sessions/:id/activity?since=`). A session's events still go out in the order they
 * were published: while one is being stored, later ones of that session wait behind it.
 */
import type { Logger } from '../log/index.js';
import type { LiveClients } from '../ports/live-clients.js';
import { ACTIVITY_KEEP, ACTIVITY_TYPES, type ActivityEntry } from '../protocol/activity.js';
import { EVENTS, type SessionEvent } from '../protocol/events.js';
import type { Store } from '../storage/types.js';

const KEPT = new Set<string>(ACTIVITY_TYPES);

export class ActivityLog {
  /** sessionId → the last send still waiting (on a store write); absent when none is. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly o: { store: Store; logger: Logger; keep?: number }) {}

  /**
   * Sends `payload` as `event` to a session through `send`: a `session:event` of a kept type is
   * stored first and sent with its `activityId` (without it, and logged, when storing fails).
   */
  publish(sessionId: string, event: string, payload: unknown, send: (payload: unknown) => void): void {
    const kept =
      event === EVENTS.sessionEvent &&
      typeof payload === 'object' &&
      payload !== null &&
      KEPT.has(String((payload as SessionEvent).type));
    const before = this.pending.get(sessionId);
    if (!kept && !before) {
      send(payload);
      return;
    }
    const run = async () => {
      await before;
      let out = payload;
      if (kept) {
        const id = await this.record(sessionId, payload as SessionEvent);
        if (id !== null) out = { ...(payload as SessionEvent), activityId: id };
      }
      send(out);
    };
    const done: Promise<void> = run()
      .catch((err) => this.o.logger.error('sending a session event failed', { sessionId, err }))
      .finally(() => {
        if (this.pending.get(sessionId) === done) this.pending.delete(sessionId);
      });
    this.pending.set(sessionId, done);
  }

  /** Stores one event; returns its id, or null (logged) when the store refused. */
  private async record(sessionId: string, event: SessionEvent): Promise<number | null> {
    try {
      const { activityId: _, ...data } = event;
      const entry = await this.o.store.activity.add(
        { sessionId, event: data, ts: Date.now() },
        this.o.keep ?? ACTIVITY_KEEP,
      );
      return entry.id;
    } catch (err) {
      this.o.logger.error('could not store a session activity entry', { sessionId, type: event.type, err });
      return null;
    }
  }

  /** Entries after id `since` (0: all kept), oldest first, at most `limit` (the newest). */
  async since(sessionId: string, since: number, limit: number): Promise<ActivityEntry[]> {
    const records = await this.o.store.activity.since(sessionId, since, limit);
    return records.map((r) => ({
      id: r.id,
      ts: r.ts,
      event: { ...(r.event as SessionEvent), sessionId, activityId: r.id },
    }));
  }

  /** Resolves once every event published so far has been sent (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending.values()]);
  }
}

/**
 * Live clients whose session events pass through the activity log: what changed someone's work is
 * stored before it is sent (with its `activityId`), and a session's events keep their order.
 */
export class ActivityRecording implements LiveClients {
  constructor(
    private readonly live: LiveClients,
    private readonly activity: ActivityLog,
  ) {}

  notifySession(sessionId: string, event: string, payload: unknown): void {
    this.activity.publish(sessionId, event, payload, (p) => this.live.notifySession(sessionId, event, p));
  }

  notifyUser(userId: string, event: string, payload: unknown): void {
    this.live.notifyUser(userId, event, payload);
  }

  revokeSession(sessionId: string, userId: string): Promise<void> {
    return this.live.revokeSession(sessionId, userId);
  }

  disconnectUser(userId: string): void {
    this.live.disconnectUser(userId);
  }

  disconnectToken(jti: string): void {
    this.live.disconnectToken(jti);
  }

  usersIn(sessionId: string): number {
    return this.live.usersIn(sessionId);
  }
}
