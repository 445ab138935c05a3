/**
 * Carries ShareDB's protocol over one socket.io connection (event `sharedb`, plain objects both
 * ways). Outgoing messages written in the same tick go out as one array in one event, so a burst
 * of ops to one client costs one frame. socket.io's traps (DESIGN.md, Transport): nothing is sent
 * while disconnected (ShareDB repairs gaps itself from versions), and no acks on this channel.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';

export const SHAREDB_EVENT = 'sharedb';
/** Most messages a client may send in one `sharedb` event. */
const MAX_INBOUND_BATCH = 256;

export class ShareDBSocketStream extends Duplex {
  private outbox: unknown[] = [];
  private flushScheduled = false;

  constructor(private readonly socket: Socket) {
    super({ objectMode: true, allowHalfOpen: false });
    // ShareDB marks server-side streams so it does not count them as remote agents.
    (this as unknown as { isServer: boolean }).isServer = false;
    socket.on(SHAREDB_EVENT, (data: unknown) => this.receive(data));
    socket.on('disconnect', () => {
      this.push(null);
      this.destroy();
    });
  }

  private receive(data: unknown): void {
    const messages = Array.isArray(data) ? data : [data];
    if (messages.length > MAX_INBOUND_BATCH) {
      this.socket.emit('error:protocol', {
        code: 'ERR_TOO_LARGE',
        message: 'Too many messages in one event.',
      });
      return;
    }
    for (const m of messages) {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) {
        // ShareDB would close the whole agent on a non-object; answer and drop it instead.
        this.socket.emit('error:protocol', {
          code: 'ERR_VALIDATION',
          message: 'ShareDB messages are JSON objects.',
        });
        continue;
      }
      this.push(m);
    }
  }

  override _read(): void {}

  override _write(message: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.outbox.push(message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    done();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    if (!this.socket.connected || batch.length === 0) return;
    this.socket.emit(SHAREDB_EVENT, batch.length === 1 ? batch[0] : batch);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.flush();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.removeAllListeners(SHAREDB_EVENT);
    // The agent closed its end (a protocol error): the socket is useless without ShareDB.
    if (this.socket.connected) this.socket.disconnect(true);
    done(err);
  }
}
