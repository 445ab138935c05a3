/**
 * The one way domain code reaches people who are connected right now. Services (sessions,
 * members, invitations, chat, versions, the commit worker, push, import, admin) receive a
 * `LiveClients` and never see sockets; `realtime/live-rooms.ts` implements it over socket.io's
 * rooms (with Redis, across every server process).
 */
export interface LiveClients {
  /** Sends an event to everyone who joined a session (every tab, every member). */
  notifySession(sessionId: string, event: string, payload: unknown): void;
  /** Sends an event to every tab of one user, whichever session it shows. */
  notifyUser(userId: string, event: string, payload: unknown): void;
  /**
   * After a user lost access to a session: their tabs leave its room and its presence at once,
   * so nothing more of it reaches them (their ops are refused by access checks anyway).
   */
  revokeSession(sessionId: string, userId: string): Promise<void>;
  /** Ends every connection of a user (password change, account disabled or reset). */
  disconnectUser(userId: string): void;
  /** Ends every connection made with one token (logout). */
  disconnectToken(jti: string): void;
  /** How many people have a session open now. */
  usersIn(sessionId: string): number;
}
