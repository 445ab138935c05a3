/**
 * socket.io's rooms as the domain's {@link LiveClients}: a room per session (every tab that joined
 * it), per user (every tab they have open) and per login token. With the Redis adapter, an emit to
 * a room reaches that room's sockets on every server process.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server } from 'socket.io';
import type { LiveClients } from '../ports/live-clients.js';
import { type SessionPresence, sessionRoom } from './session-presence.js';

export const userRoom = (userId: string) => `user:${userId}`;
export const tokenRoom = (jti: string) => `token:${jti}`;

/** The socket.io server on `httpServer`, before any connection handling is set up. */
export function createSocketServer(httpServer: HttpServer | HttpsServer, maxMessageBytes: number): Server {
  return new Server(httpServer, {
    maxHttpBufferSize: maxMessageBytes,
    // Recovery would replay buffered ShareDB frames after reconnect; ShareDB repairs gaps itself.
    connectionStateRecovery: undefined,
    serveClient: false,
    perMessageDeflate: false,
  });
}

export class LiveRooms implements LiveClients {
  constructor(
    private readonly io: Server,
    private readonly presence: SessionPresence,
  ) {}

  notifySession(sessionId: string, event: string, payload: unknown): void {
    this.io.to(sessionRoom(sessionId)).emit(event, payload);
  }

  notifyUser(userId: string, event: string, payload: unknown): void {
    this.io.to(userRoom(userId)).emit(event, payload);
  }

  async revokeSession(sessionId: string, userId: string): Promise<void> {
    for (const socketId of this.presence.socketsOf(sessionId, userId))
      this.presence.leave(sessionId, socketId);
    const sockets = await this.io.in(userRoom(userId)).fetchSockets();
    for (const s of sockets) s.leave(sessionRoom(sessionId));
  }

  disconnectUser(userId: string): void {
    this.io.in(userRoom(userId)).disconnectSockets(true);
  }

  disconnectToken(jti: string): void {
    this.io.in(tokenRoom(jti)).disconnectSockets(true);
  }

  usersIn(sessionId: string): number {
    return this.presence.users(sessionId).length;
  }
}
