/**
 * The tab's one socket.io connection and the ShareDB connection riding on it, plus session
 * presence events (join/leave/focus and what the server pushes back). Reports a plain status
 * (link state + unconfirmed edits) for the UI; holds no Vue or Pinia state itself.
 */

import {
  type Ack,
  EVENTS,
  type PresenceUser,
  type SessionJoined,
  type SessionRemoval,
  type SessionRoleChange,
  type SessionUsers,
} from '@protocol/events';
import { Connection, type Doc } from 'sharedb/lib/client';
import { io, type Socket } from 'socket.io-client';
import { ClientError, toClientError } from '@/api/errors';
import { registerOtTypes } from './ot-types';
import { ShareDBSocket, sendObjectsDirectly } from './sharedb-socket';

/**
 * - connecting: first connection not made yet
 * - connected: socket up and ShareDB handshake done
 * - reconnecting: the link dropped moments ago; socket.io is retrying
 * - offline: the browser is offline or several retries failed (still retrying)
 */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface RealtimeStatus {
  state: LinkState;
  /** Local edits the server has not confirmed yet, over all open documents. */
  unconfirmed: number;
}

/** Server → client session events, by name. */
export interface RealtimeEvents {
  sessionUsers: SessionUsers;
  sessionRole: SessionRoleChange;
  sessionRemoved: SessionRemoval;
  sessionEvent: { sessionId: string; [key: string]: unknown };
  /** Every successful `session:join`, the first and each after a reconnect, with its answer. */
  sessionJoined: { sessionId: string } & SessionJoined;
  status: RealtimeStatus;
  /** The token was refused: the person must sign in again. */
  unauthenticated: undefined;
}

type Listener<T> = (payload: T) => void;

/** Failed retries after which we call the link offline rather than reconnecting. */
const OFFLINE_AFTER_ATTEMPTS = 3;
/** How long a session request may wait for its ack. */
const ACK_TIMEOUT_MS = 8000;

export interface RealtimeOptions {
  /** Read at every (re)connect, so a renewed token is picked up. */
  token: () => string | null;
  /** Defaults to this page's origin (the dev server proxies /socket.io). */
  url?: string;
}

type DocInternals = { inflightOp?: { callbacks: unknown[] } | null; pendingOps: { callbacks: unknown[] }[] };

export class RealtimeClient {
  readonly socket: Socket;
  readonly connection: Connection;
  private readonly shim: ShareDBSocket;
  private readonly listeners = new Map<keyof RealtimeEvents, Set<Listener<never>>>();
  /** Sessions this tab joined, with the file it shows in each; replayed after every reconnect. */
  private readonly joined = new Map<string, string | null>();
  private status: RealtimeStatus = { state: 'connecting', unconfirmed: 0 };
  private failedAttempts = 0;
  private statusQueued = false;
  private serverKickTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(options: RealtimeOptions) {
    registerOtTypes();
    const auth = (cb: (data: object) => void) => cb({ token: options.token() });
    const socketOptions = { auth, transports: ['websocket'], autoConnect: false };
    this.socket = options.url ? io(options.url, socketOptions) : io(socketOptions);
    this.shim = new ShareDBSocket(this.socket);
    this.connection = new Connection(this.shim as never);
    sendObjectsDirectly(this.connection, this.shim);
    this.watchConnection();
    this.watchSocket();
    this.socket.connect();
  }

  /** The current status (also pushed as `status` events). */
  get currentStatus(): RealtimeStatus {
    return this.status;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: Listener<RealtimeEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /**
   * Joins a session's presence; resolves with who is there. Re-joined automatically after
   * reconnects. Each answer is also emitted as `sessionJoined` (it says whether commits fail).
   */
  async joinSession(sessionId: string): Promise<PresenceUser[]> {
    if (!this.joined.has(sessionId)) this.joined.set(sessionId, null);
    const ack = await this.request<SessionJoined>(EVENTS.sessionJoin, { sessionId });
    this.emit('sessionJoined', { sessionId, users: ack.users, commitFailure: ack.commitFailure ?? null });
    return ack.users;
  }

  leaveSession(sessionId: string): void {
    this.joined.delete(sessionId);
    if (this.socket.connected) this.socket.emit(EVENTS.sessionLeave, { sessionId });
  }

  /** Tells the others which file this tab shows (null: none). */
  focusFile(sessionId: string, fileId: string | null): void {
    if (!this.joined.has(sessionId)) return;
    this.joined.set(sessionId, fileId);
    if (this.socket.connected) {
      this.socket.timeout(ACK_TIMEOUT_MS).emit(EVENTS.sessionFocus, { sessionId, fileId }, () => undefined);
    }
  }

  /** A ShareDB document (shared by every user of it in this tab). */
  doc(collection: string, id: string): Doc {
    return this.connection.get(collection, id);
  }

  close(): void {
    this.closed = true;
    if (this.serverKickTimer) clearTimeout(this.serverKickTimer);
    this.shim.close();
    this.shim.detach();
    this.connection.close();
    this.socket.disconnect();
    window.removeEventListener('online', this.onBrowserOnline);
    window.removeEventListener('offline', this.onBrowserOffline);
    this.listeners.clear();
  }

  private emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<RealtimeEvents[K]>)(payload);
      } catch (error) {
        console.error(`realtime ${event} listener failed`, error);
      }
    }
  }

  /** Emits a request event and resolves with its ack (`{ok: true, ...}`), or rejects with a ClientError. */
  request<T>(event: string, payload: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (timeout: Error | null, ack: Ack<T>) => {
        if (timeout) reject(new ClientError('ERR_UNAVAILABLE', 0, 'The server did not answer in time.'));
        else if (!ack.ok) reject(toClientError(ack.error));
        else resolve(ack);
      });
    });
  }

  private watchSocket(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.failedAttempts = 0;
      // Presence is per socket on the server: a new socket must join again.
      for (const [sessionId, fileId] of this.joined) {
        this.request<SessionJoined>(EVENTS.sessionJoin, { sessionId }).then(
          (ack) => {
            this.emit('sessionUsers', { sessionId, users: ack.users });
            this.emit('sessionJoined', {
              sessionId,
              users: ack.users,
              commitFailure: ack.commitFailure ?? null,
            });
            if (fileId) this.focusFile(sessionId, fileId);
          },
          (error) => {
            const e = toClientError(error);
            if (e.code === 'ERR_SESSION_NOT_FOUND' || e.code === 'ERR_FORBIDDEN') {
              this.joined.delete(sessionId);
              this.emit('sessionRemoved', { sessionId });
            }
          },
        );
      }
      this.queueStatus();
    });
    socket.on('disconnect', (reason) => {
      if (this.closed) return;
      if (reason === 'io server disconnect') {
        // The server ended this socket: a revoked token (logout elsewhere) or a restart. Try
        // again shortly; a refused token then surfaces as ERR_UNAUTHENTICATED below.
        this.serverKickTimer = setTimeout(() => {
          this.serverKickTimer = null;
          if (!this.closed && !socket.connected) socket.connect();
        }, 1000);
      }
      this.queueStatus();
    });
    socket.on('connect_error', (error) => {
      if (error.message === 'ERR_UNAUTHENTICATED') {
        this.emit('unauthenticated', undefined);
        return;
      }
      this.failedAttempts++;
      // A middleware refusal stops socket.io's own retries; anything else it retries itself.
      if (!socket.active && !this.closed) {
        this.serverKickTimer = setTimeout(
          () => socket.connect(),
          Math.min(10_000, 1000 * this.failedAttempts),
        );
      }
      this.queueStatus();
    });
    socket.io.on('reconnect_attempt', () => this.queueStatus());
    socket.on(EVENTS.sessionUsers, (payload: SessionUsers) => this.emit('sessionUsers', payload));
    socket.on(EVENTS.sessionRole, (payload: SessionRoleChange) => this.emit('sessionRole', payload));
    socket.on(EVENTS.sessionRemoved, (payload: SessionRemoval) => {
      this.joined.delete(payload.sessionId);
      this.emit('sessionRemoved', payload);
    });
    socket.on(EVENTS.sessionEvent, (payload: RealtimeEvents['sessionEvent']) =>
      this.emit('sessionEvent', payload),
    );
    socket.on(EVENTS.protocolError, (error: unknown) => console.warn('server refused a message', error));
    window.addEventListener('online', this.onBrowserOnline);
    window.addEventListener('offline', this.onBrowserOffline);
  }

  private watchConnection(): void {
    const connection = this.connection;
    connection.on('state', () => this.queueStatus());
    connection.on('receive', () => this.queueStatus());
    connection.on('doc', (doc: Doc) => {
      doc.on('op batch', () => this.queueStatus());
      doc.on('nothing pending', () => this.queueStatus());
    });
    connection.on('error', (error) => console.warn('sharedb connection error', error));
  }

  private readonly onBrowserOnline = () => {
    if (!this.socket.connected && !this.closed) this.socket.connect();
    this.queueStatus();
  };

  private readonly onBrowserOffline = () => this.queueStatus();

  /** Status is recomputed at most once per microtask: ops and acks come in bursts. */
  private queueStatus(): void {
    if (this.statusQueued || this.closed) return;
    this.statusQueued = true;
    queueMicrotask(() => {
      this.statusQueued = false;
      const next = { state: this.linkState(), unconfirmed: this.countUnconfirmed() };
      if (next.state !== this.status.state || next.unconfirmed !== this.status.unconfirmed) {
        this.status = next;
        this.emit('status', next);
      }
    });
  }

  private linkState(): LinkState {
    if (this.socket.connected && this.connection.state === 'connected') return 'connected';
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'offline';
    if (this.status.state === 'connecting' && this.failedAttempts === 0) return 'connecting';
    return this.failedAttempts >= OFFLINE_AFTER_ATTEMPTS ? 'offline' : 'reconnecting';
  }

  /**
   * Counts submitted edits not yet acknowledged. ShareDB composes queued ops into one, but keeps
   * one callback per submit, so callbacks count edits, not messages.
   */
  private countUnconfirmed(): number {
    let count = 0;
    for (const docs of Object.values(this.connection.collections)) {
      for (const doc of Object.values(docs)) {
        const d = doc as unknown as DocInternals;
        count += d.inflightOp?.callbacks.length ?? 0;
        for (const op of d.pendingOps) count += op.callbacks.length;
      }
    }
    return count;
  }
}
