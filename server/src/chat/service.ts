/**
 * Session chat: messages are validated, rate-limited per user, stored, then broadcast to the
 * session's connected members (its socket.io room, which a user leaves the moment they lose
 * access). Text is stored as sent but for control characters; clients render it as text only.
 *
 * Each message may carry a nonce its sender chose: a send repeated with the same nonce (a retry
 * after an ack timeout or a reconnect) is answered with the message first stored, and stores
 * nothing. Nonces are remembered in this process, per user and session, for `NONCE_WINDOW_MS`.
 */
import { z } from 'zod';
import { toPublicUser } from '../auth/colors.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import { AppError } from '../errors/app-error.js';
import type { LiveClients } from '../ports/live-clients.js';
import {
  CHAT_NONCE_RE,
  type ChatMessage,
  EVENTS,
  MAX_CHAT_CHARS,
  type PublicUser,
} from '../protocol/events.js';
import { hasLoneSurrogate } from '../protocol/text-ops.js';
import type { ChatMessageRecord, Store } from '../storage/types.js';

// C0 controls but tab and newline, DEL, C1 controls, and bidi overrides that can disguise text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const STRIP = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Cleans and checks a chat text: throws ERR_VALIDATION or ERR_TOO_LARGE. */
export function cleanChatText(input: unknown): string {
  if (typeof input !== 'string') throw new AppError('ERR_VALIDATION', 'text: a chat message is text.');
  const text = input.replace(/\r\n?/g, '\n').replace(STRIP, '');
  if (text.trim() === '') throw new AppError('ERR_VALIDATION', 'text: the message is empty.');
  if (text.length > MAX_CHAT_CHARS) {
    throw new AppError('ERR_TOO_LARGE', `A chat message may be at most ${MAX_CHAT_CHARS} characters.`);
  }
  if (hasLoneSurrogate(text))
    throw new AppError('ERR_VALIDATION', 'text: contains a broken Unicode character.');
  return text;
}

/** A message's optional nonce, as `chat:send` and `POST …/chat` take it. */
export const chatNonceSchema = z
  .string()
  .regex(CHAT_NONCE_RE, 'nonce: 8–64 letters, digits, "-" or "_"')
  .optional();

/** How long a nonce is remembered: a retry later than this would be stored again. */
export const NONCE_WINDOW_MS = 10 * 60_000;
/** Most nonces remembered at once (the oldest are forgotten first), so memory stays bounded. */
const MAX_NONCES = 20_000;

export class ChatService {
  constructor(
    private readonly store: Store,
    private readonly limiter: RateLimiter,
    private readonly live: LiveClients,
    /** Called with each message once it is stored and sent (its @mentions); must not throw. */
    private readonly onSent?: (message: ChatMessage) => Promise<unknown>,
  ) {}

  /**
   * user, session and nonce → when it was first seen and the message it stored (or is storing:
   * a retry that arrives while the first send is in flight waits for the same message). In
   * insertion order, so the oldest come first.
   */
  private readonly nonces = new Map<string, { at: number; message: Promise<ChatMessage> }>();

  /**
   * Stores and broadcasts a message; the caller has checked the `session.chat` permission. With
   * a `nonce` seen from this user in this session within the window, returns the message stored
   * then, and stores and broadcasts nothing.
   */
  send(sessionId: string, user: PublicUser, input: unknown, nonce?: string): Promise<ChatMessage> {
    if (nonce === undefined) return this.storeMessage(sessionId, user, input);
    const now = Date.now();
    this.forgetNonces(now);
    const key = `${user.id}\u0000${sessionId}\u0000${nonce}`;
    const seen = this.nonces.get(key);
    if (seen) return seen.message;
    const message = this.storeMessage(sessionId, user, input);
    this.nonces.set(key, { at: now, message });
    // A refused send (rate limit, bad text) stored nothing: its retry is a new attempt.
    message.catch(() => {
      if (this.nonces.get(key)?.message === message) this.nonces.delete(key);
    });
    return message;
  }

  private forgetNonces(now: number): void {
    for (const [key, { at }] of this.nonces) {
      if (now - at < NONCE_WINDOW_MS && this.nonces.size < MAX_NONCES) break;
      this.nonces.delete(key);
    }
  }

  private async storeMessage(sessionId: string, user: PublicUser, input: unknown): Promise<ChatMessage> {
    const text = cleanChatText(input);
    this.limiter.take(user.id);
    const record = await this.store.chat.add({ sessionId, userId: user.id, text, ts: Date.now() });
    const message: ChatMessage = { id: record.id, sessionId, user, text: record.text, ts: record.ts };
    this.live.notifySession(sessionId, EVENTS.chatMessage, message);
    await this.onSent?.(message);
    return message;
  }

  /** Newest first, `limit` (1–100) messages with ids below `before`. */
  async page(sessionId: string, opts: { before?: number; limit: number }): Promise<ChatMessage[]> {
    const records = await this.store.chat.page(sessionId, opts);
    const users = new Map<string, PublicUser>();
    for (const id of new Set(records.map((r) => r.userId))) {
      const u = await this.store.users.byId(id);
      users.set(id, toPublicUser(u ?? { id, username: '(deleted)', displayName: 'Deleted user' }));
    }
    return records.map((r: ChatMessageRecord) => ({
      id: r.id,
      sessionId,
      user: users.get(r.userId)!,
      text: r.text,
      ts: r.ts,
    }));
  }
}
