/**
 * ShareDB client ids that cannot be borrowed. ShareDB identifies an op by `(src, seq)` and
 * acknowledges without applying any op whose pair it has seen: an editor who sent an op with
 * another connection's `src` and that connection's next `seq` had the victim's next edit
 * acknowledged and silently dropped (issue 19). A client may legitimately send a `src` other than
 * its connection's own: its handshake carries the id of its previous connection, and an op still
 * in flight at a disconnect is resent with the src it was first sent under, so that ShareDB can
 * tell a resend from a new op. So ids are issued signed for one user — `<random>.<mac>` with the
 * MAC over user id and random part — and a src is accepted only when it verifies for the user
 * who sends it. The key derives from the server secret, so ids survive a restart and an op
 * resent after a crash is still recognized.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 12;

export class ClientIds {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    this.key = createHmac('sha256', serverSecret).update('gitpad sharedb client id').digest();
  }

  private mac(userId: string, nonce: string): Buffer {
    return createHmac('sha256', this.key).update(`${userId}\u0000${nonce}`).digest().subarray(0, MAC_BYTES);
  }

  /** A fresh id for one connection of `userId`. */
  issue(userId: string): string {
    const nonce = randomBytes(12).toString('base64url');
    return `${nonce}.${this.mac(userId, nonce).toString('base64url')}`;
  }

  /** Whether `id` was issued to `userId` (by this server or before a restart). */
  belongsTo(id: unknown, userId: string): boolean {
    if (typeof id !== 'string' || id.length > 64) return false;
    const dot = id.indexOf('.');
    if (dot <= 0) return false;
    const given = Buffer.from(id.slice(dot + 1), 'base64url');
    const expected = this.mac(userId, id.slice(0, dot));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
