/**
 * The socket.io server: authenticates each connection with its JWT, carries ShareDB over it,
 * and handles session presence events. One connection per browser tab.
 */
import type ShareDB from 'sharedb';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { AccessControl } from '../auth/access.js';
import { toPublicUser } from '../auth/colors.js';
import type { Authenticated, TokenService } from '../auth/tokens.js';
import { type ChatService, chatNonceSchema } from '../chat/service.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';
import type { AgentRequest } from '../ot/identity.js';
import { type CommitFailure, EVENTS, type SessionJoined } from '../protocol/events.js';
import { breachMessage, breachOf } from '../protocol/message-bounds.js';
import { FILE_ID_RE, isSessionId } from '../sessions/ids.js';
import { tokenRoom, userRoom } from './live-rooms.js';
import { type SessionPresence, sessionRoom } from './session-presence.js';
import { ShareDBSocketStream } from './sharedb-stream.js';
import { answer, closeOnError, guarded, onEvent } from './socket-error-boundary.js';

export interface RealtimeOptions {
  /** The socket.io server (`createSocketServer`), and the presence kept in its session rooms. */
  io: Server;
  presence: SessionPresence;
  backend: ShareDB;
  tokens: TokenService;
  access: AccessControl;
  logger: Logger;
  /** Connections one account may hold at once (config `maxSocketsPerUser`). */
  maxSocketsPerUser: number;
  chat: ChatService;
  /** The session's latest commit failure while its versions are not being saved (the worker's). */
  commitFailure?: (sessionId: string) => CommitFailure | null;
}

const sessionIdSchema = z.string().refine(isSessionId, 'not a session id');
const joinSchema = z.object({ sessionId: sessionIdSchema });
const chatSchema = z.object({
  sessionId: sessionIdSchema,
  text: z.unknown(),
  nonce: chatNonceSchema,
});
const focusSchema = z.object({
  sessionId: sessionIdSchema,
  fileId: z.string().regex(FILE_ID_RE, 'not a file id').nullable(),
});

/**
 * Open connections per account, counted from the handshake (so a burst of parallel handshakes
 * cannot all pass the check before any is counted) until the socket or its transport closes,
 * whichever comes first.
 */
class ConnectionCounter {
  private readonly counts = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Counts a new connection for `userId` and returns its release, or null when at the cap. */
  reserve(userId: string): (() => void) | null {
    const n = this.counts.get(userId) ?? 0;
    if (n >= this.max) return null;
    this.counts.set(userId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(userId) ?? 1) - 1;
      if (left > 0) this.counts.set(userId, left);
      else this.counts.delete(userId);
    };
  }
}

export class Realtime {
  readonly io: Server;
  readonly presence: SessionPresence;
  private readonly connections: ConnectionCounter;

  constructor(private readonly options: RealtimeOptions) {
    const { tokens, logger } = options;
    this.io = options.io;
    this.presence = options.presence;
    this.connections = new ConnectionCounter(options.maxSocketsPerUser);

    this.io.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      tokens.verify(token).then(
        (auth) => {
          const release = this.connections.reserve(auth.user.id);
          if (!release) return next(new Error('ERR_TOO_MANY_CONNECTIONS'));
          socket.once('disconnect', release);
          socket.conn.once('close', release);
          socket.data.auth = auth;
          socket.data.userId = auth.user.id;
          next();
        },
        () => next(new Error('ERR_UNAUTHENTICATED')),
      );
    });

    this.io.on('connection', (socket) => {
      try {
        this.onConnection(socket);
      } catch (err) {
        closeOnError(socket, logger, 'setting up a connection', err);
      }
    });
    logger.debug('realtime ready');
  }

  private onConnection(socket: Socket): void {
    const { backend, access, logger } = this.options;
    const auth = socket.data.auth as Authenticated;
    const user = toPublicUser(auth.user);
    socket.join([userRoom(user.id), tokenRoom(auth.claims.jti)]);

    // Before any listener sees a message: bounded nesting and size, or it is answered and dropped.
    socket.use((packet, next) => {
      const breach = breachOf(packet);
      if (!breach) return next();
      const event = typeof packet[0] === 'string' ? packet[0].slice(0, 64) : 'unknown';
      const last = packet[packet.length - 1];
      const ack = typeof last === 'function' ? (last as (reply: unknown) => void) : undefined;
      const code = breach === 'depth' ? 'ERR_VALIDATION' : 'ERR_TOO_LARGE';
      answer(socket, logger, event, ack, { ok: false, error: { code, message: breachMessage(breach) } });
    });

    const req: AgentRequest = { identity: { kind: 'user', user } };
    backend.listen(new ShareDBSocketStream(socket, logger), req);

    onEvent(socket, logger, EVENTS.sessionJoin, joinSchema, async ({ sessionId }) => {
      await access.require(user.id, sessionId, 'session.read');
      await socket.join(sessionRoom(sessionId));
      this.presence.join(sessionId, socket.id, user);
      const joined: SessionJoined = {
        users: this.presence.users(sessionId),
        commitFailure: this.options.commitFailure?.(sessionId) ?? null,
      };
      return joined;
    });
    onEvent(socket, logger, EVENTS.sessionLeave, joinSchema, async ({ sessionId }) => {
      this.presence.leave(sessionId, socket.id);
      await socket.leave(sessionRoom(sessionId));
      return undefined;
    });
    onEvent(socket, logger, EVENTS.sessionFocus, focusSchema, ({ sessionId, fileId }) => {
      if (!this.presence.isJoined(sessionId, socket.id)) {
        throw new AppError('ERR_BAD_REQUEST', 'Join the session before focusing a file in it.');
      }
      this.presence.focus(sessionId, socket.id, fileId);
      return undefined;
    });
    onEvent(socket, logger, EVENTS.chatSend, chatSchema, async ({ sessionId, text, nonce }) => {
      await access.require(user.id, sessionId, 'session.chat');
      const message = await this.options.chat.send(sessionId, user, text, nonce);
      return { message };
    });
    socket.on(
      'disconnect',
      guarded(socket, logger, 'leaving presence', () => this.presence.leaveAll(socket.id)),
    );
  }

  async close(): Promise<void> {
    this.presence.close();
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}
