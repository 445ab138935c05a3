/**
 * Who is in each session right now: per socket, which session it joined, which file it shows,
 * and whether its user typed in the last few seconds. Changes are broadcast to the session room
 * as one `session:users` list, coalesced per tick.
 */
import type { Server } from 'socket.io';
import type { PublicUser } from '../ot/identity.js';
import { EVENTS, type PresenceUser, type SessionUsers } from '../protocol/events.js';

const TYPING_MS = 3000;

interface Entry {
  user: PublicUser;
  fileId: string | null;
  /** When this socket last changed focus, to pick the user's most recent file. */
  focusedAt: number;
}

export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

export class SessionPresence {
  /** sessionId → socketId → entry */
  private readonly sessions = new Map<string, Map<string, Entry>>();
  /** sessionId → userId → typing until (ms) */
  private readonly typing = new Map<string, Map<string, number>>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly io: Server) {}

  join(sessionId: string, socketId: string, user: PublicUser): void {
    let entries = this.sessions.get(sessionId);
    if (!entries) {
      entries = new Map();
      this.sessions.set(sessionId, entries);
    }
    entries.set(socketId, { user, fileId: null, focusedAt: Date.now() });
    this.markDirty(sessionId);
  }

  leave(sessionId: string, socketId: string): void {
    const entries = this.sessions.get(sessionId);
    if (!entries?.delete(socketId)) return;
    if (entries.size === 0) {
      this.sessions.delete(sessionId);
      this.typing.delete(sessionId);
    }
    this.markDirty(sessionId);
  }

  /** Removes a socket from every session it joined (on disconnect). */
  leaveAll(socketId: string): void {
    for (const sessionId of [...this.sessions.keys()]) this.leave(sessionId, socketId);
  }

  /** Sockets of `userId` in `sessionId` (to drop them when the user loses access). */
  socketsOf(sessionId: string, userId: string): string[] {
    const entries = this.sessions.get(sessionId);
    if (!entries) return [];
    return [...entries].filter(([, e]) => e.user.id === userId).map(([id]) => id);
  }

  isJoined(sessionId: string, socketId: string): boolean {
    return this.sessions.get(sessionId)?.has(socketId) ?? false;
  }

  focus(sessionId: string, socketId: string, fileId: string | null): void {
    const entry = this.sessions.get(sessionId)?.get(socketId);
    if (!entry) return;
    entry.fileId = fileId;
    entry.focusedAt = Date.now();
    this.markDirty(sessionId);
  }

  /** Called for every accepted edit; marks the user typing for a few seconds. */
  typed(sessionId: string, userId: string): void {
    if (!this.sessions.has(sessionId)) return;
    let map = this.typing.get(sessionId);
    if (!map) {
      map = new Map();
      this.typing.set(sessionId, map);
    }
    const was = (map.get(userId) ?? 0) > Date.now();
    map.set(userId, Date.now() + TYPING_MS);
    if (was) return;
    this.markDirty(sessionId);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.markDirty(sessionId);
    }, TYPING_MS + 50);
    this.timers.add(timer);
  }

  users(sessionId: string): PresenceUser[] {
    const entries = this.sessions.get(sessionId);
    if (!entries) return [];
    const typing = this.typing.get(sessionId);
    const now = Date.now();
    const byUser = new Map<string, PresenceUser & { focusedAt: number }>();
    for (const e of entries.values()) {
      const prev = byUser.get(e.user.id);
      if (prev) {
        prev.connections++;
        if (e.focusedAt > prev.focusedAt) {
          prev.fileId = e.fileId;
          prev.focusedAt = e.focusedAt;
        }
        continue;
      }
      byUser.set(e.user.id, {
        userId: e.user.id,
        username: e.user.username,
        displayName: e.user.displayName,
        color: e.user.color,
        fileId: e.fileId,
        typing: (typing?.get(e.user.id) ?? 0) > now,
        connections: 1,
        focusedAt: e.focusedAt,
      });
    }
    return [...byUser.values()]
      .map(({ focusedAt: _, ...u }) => u)
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  /**
   * Sessions someone has joined, the people in them (each distinct person once per session) and
   * those of them who typed in the last few seconds; for metrics, so counted on demand.
   */
  counts(): { sessions: number; users: number; typing: number } {
    const now = Date.now();
    let users = 0;
    let typing = 0;
    for (const [sessionId, entries] of this.sessions) {
      const people = new Set<string>();
      for (const e of entries.values()) people.add(e.user.id);
      users += people.size;
      const typed = this.typing.get(sessionId);
      for (const id of people) if ((typed?.get(id) ?? 0) > now) typing++;
    }
    return { sessions: this.sessions.size, users, typing };
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private markDirty(sessionId: string): void {
    this.dirty.add(sessionId);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const id of this.dirty) {
        const payload: SessionUsers = { sessionId: id, users: this.users(id) };
        this.io.to(sessionRoom(id)).emit(EVENTS.sessionUsers, payload);
      }
      this.dirty.clear();
    });
  }
}
