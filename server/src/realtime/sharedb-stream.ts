/**
 * Carries ShareDB's protocol over one socket.io connection (event `sharedb`, plain objects both
 * ways). Outgoing messages written in the same tick go out as one array in one event, so a burst
 * of ops to one client costs one frame. socket.io buffers emits while disconnected and replays them
 * after reconnecting, which would deliver stale frames: nothing is sent while disconnected (ShareDB
 * repairs gaps itself from versions), and no acks on this channel (they would be buffered too).
 */

import { performance } from 'node:perf_hooks';
import { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';
import type { Logger } from '../log/index.js';
import type { ErrorCode } from '../protocol/errors.js';
import { EVENTS } from '../protocol/events.js';
import { answer, closeOnError, guarded } from './socket-error-boundary.js';

/**
 * An op broadcast to N subscribers reaches N agents as N message objects with the same fields and
 * the same `op` array (ShareDB shallow-copies the published op per agent). Its JSON is made once,
 * keyed by that array, and reused for every socket.
 */
const encodedOps = new WeakMap<object, string>();

function encode(message: unknown): string {
  const m = message as { a?: unknown; op?: unknown };
  if (m.a === 'op' && typeof m.op === 'object' && m.op !== null) {
    let json = encodedOps.get(m.op);
    if (json === undefined) {
      json = JSON.stringify(message);
      encodedOps.set(m.op, json);
    }
    return json;
  }
  return JSON.stringify(message);
}

/**
 * Streams with messages waiting, flushed together once per tick: one `setImmediate` for an op
 * delivered to a hundred sockets, not a hundred.
 */
const pendingFlush = new Set<ShareDBSocketStream>();
function scheduleFlush(stream: ShareDBSocketStream): void {
  if (pendingFlush.size === 0) setImmediate(flushAll, pendingFlush);
  pendingFlush.add(stream);
}
function flushAll(streams: Set<ShareDBSocketStream>): void {
  for (const stream of streams) {
    streams.delete(stream);
    stream.safeFlush();
  }
}

/**
 * Coalescing under load. Sending a frame costs a socket write (on loopback ~13 µs of kernel time
 * on the development VM), so with a crowd typing into one file, one frame per op per subscriber is
 * most of what the server does. While the event loop is busy, other people's ops and cursors
 * (broadcasts) wait up to `windowMs` to share a frame; replies to the client's own requests
 * (acknowledgements, fetches) are never held, and take whatever is waiting with them in order.
 * An idle server sends everything at the next tick, as before.
 */
export const coalescing = {
  windowMs: 10,
  /** Event-loop utilisation over the last sample at which coalescing starts, and stops. */
  busyAbove: 0.7,
  idleBelow: 0.4,
  sampleMs: 100,
  /** Whether the server counts as busy now (replaceable in tests). */
  busy: sampleBusy,
};
const load = { busy: false, sampledAt: 0, elu: performance.eventLoopUtilization() };
function sampleBusy(): boolean {
  const now = performance.now();
  if (now - load.sampledAt >= coalescing.sampleMs) {
    const elu = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(elu, load.elu);
    load.elu = elu;
    load.sampledAt = now;
    load.busy = utilization > (load.busy ? coalescing.idleBelow : coalescing.busyAbove);
  }
  return load.busy;
}
const deferredFlush = new Set<ShareDBSocketStream>();
function scheduleDeferredFlush(stream: ShareDBSocketStream): void {
  if (deferredFlush.size === 0) setTimeout(flushAll, coalescing.windowMs, deferredFlush);
  deferredFlush.add(stream);
}

/** A ShareDB message as far as this transport looks into it. */
interface Message {
  a?: unknown;
  c?: unknown;
  d?: unknown;
  v?: unknown;
  op?: unknown;
  create?: unknown;
  del?: unknown;
  error?: unknown;
}

/**
 * An op itself (an edit, create or delete), as opposed to an acknowledgement or a refusal (a
 * refusal echoes the submitted op, with an error).
 */
function carriesOp(m: Message): boolean {
  if (m.a !== 'op' || m.error !== undefined) return false;
  return m.op !== undefined || m.create !== undefined || m.del !== undefined;
}

/** Another client's op or cursor, as opposed to a reply to this client's own request. */
function isBroadcast(m: Message): boolean {
  return m.a === 'p' || carriesOp(m);
}

/** Client requests after which it must be sent the ops it asks for, even ones it was sent before. */
const RESYNC_ACTIONS = new Set(['f', 's', 'u', 'bf', 'bs', 'bu']);

/** socket.io's engine writer, for frames we encoded ourselves (as its own broadcasts do). */
interface EngineWriter {
  writeToEngine?(packets: string[], opts: object): void;
}
/** Most messages a client may send in one `sharedb` event. */
const MAX_INBOUND_BATCH = 256;

export class ShareDBSocketStream extends Duplex {
  /** Encoded messages waiting for this tick's frame. */
  private outbox: string[] = [];
  /** Whether a flush is due at the next tick (`now`) or at the end of the coalescing window. */
  private scheduled: 'none' | 'now' | 'later' = 'none';
  /**
   * Per collection and document, the newest op version this client was sent. ShareDB answers a submit
   * that had to be transformed with every op it was behind, which a subscribed client was already
   * sent as broadcasts: with fifty writers on a file, that is ~49 repeated ops per acknowledgement.
   * An op at or below this version has gone out on this connection already and is dropped. A
   * fetch or (un)subscribe forgets the record, since a client that saw a gap asks for the ops again.
   */
  private readonly sentVersions = new Map<unknown, Map<unknown, number>>();

  constructor(
    private readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    super({ objectMode: true, allowHalfOpen: false });
    // ShareDB marks server-side streams so it does not count them as remote agents.
    (this as unknown as { isServer: boolean }).isServer = false;
    // ShareDB handles a pushed message synchronously, inside `receive`: a throw anywhere in it
    // closes this connection, never the process.
    socket.on(
      EVENTS.sharedb,
      guarded(socket, logger, 'a ShareDB message', (data: unknown) => this.receive(data)),
    );
    socket.on(
      'disconnect',
      guarded(socket, logger, 'closing a ShareDB stream', () => {
        this.push(null);
        this.destroy();
      }),
    );
  }

  private receive(data: unknown): void {
    const messages = Array.isArray(data) ? data : [data];
    if (messages.length > MAX_INBOUND_BATCH) {
      this.refuse('ERR_TOO_LARGE', 'Too many messages in one event.');
      return;
    }
    for (const m of messages) {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) {
        // ShareDB would close the whole agent on a non-object; answer and drop it instead.
        this.refuse('ERR_VALIDATION', 'ShareDB messages are JSON objects.');
        continue;
      }
      if (RESYNC_ACTIONS.has((m as Message).a as string)) this.sentVersions.clear();
      this.push(m);
    }
  }

  /** Answers a message this channel drops, as `error:protocol` (the channel has no acks). */
  private refuse(code: ErrorCode, message: string): void {
    answer(this.socket, this.logger, EVENTS.sharedb, undefined, { ok: false, error: { code, message } });
  }

  override _read(): void {}

  /**
   * ShareDB's agent writes every message here (one per op per subscriber); they go straight to
   * this tick's outbox, without the Writable machinery's bookkeeping and deferred callbacks.
   */
  override write(message: unknown, encodingOrDone?: unknown, done?: unknown): boolean {
    if (this.destroyed || this.writableEnded) return false;
    this.enqueue(message);
    const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  }

  override _write(message: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.enqueue(message);
    done();
  }

  private enqueue(message: unknown): void {
    const m = message as Message;
    if (this.alreadySent(m)) return;
    let json: string;
    try {
      json = encode(message);
    } catch (err) {
      // Only a message that cannot be serialized lands here (inbound bounds keep echoes small):
      // this client would miss it and diverge, so it is disconnected and resyncs on reconnect.
      closeOnError(this.socket, this.logger, 'encoding a ShareDB message', err);
      return;
    }
    this.outbox.push(json);
    if (this.scheduled === 'now') return;
    if (isBroadcast(m) && coalescing.busy()) {
      if (this.scheduled === 'none') scheduleDeferredFlush(this);
      this.scheduled = 'later';
      return;
    }
    this.scheduled = 'now';
    scheduleFlush(this);
  }

  /** Whether `m` is an op (not an acknowledgement) this connection was already sent; records it if not. */
  private alreadySent(m: Message): boolean {
    // Acknowledgements and refusals always go out.
    if (!carriesOp(m) || typeof m.v !== 'number') return false;
    let docs = this.sentVersions.get(m.c);
    if (!docs) {
      docs = new Map();
      this.sentVersions.set(m.c, docs);
    }
    const sent = docs.get(m.d);
    if (sent !== undefined && m.v <= sent) return true;
    docs.set(m.d, m.v);
    return false;
  }

  /** Sends everything waiting as one frame (called by the shared per-tick or deferred flush). */
  flush(): void {
    const batch = this.outbox;
    this.outbox = [];
    this.scheduled = 'none';
    if (!this.socket.connected || batch.length === 0) return;
    const payload = batch.length === 1 ? batch[0]! : `[${batch.join(',')}]`;
    // A socket.io EVENT packet on the main namespace is `2["event",data]`: the same bytes
    // `socket.emit` would produce, without encoding the data again for every socket.
    const client = this.socket.client as unknown as EngineWriter;
    if (typeof client.writeToEngine === 'function') {
      client.writeToEngine([`2["${EVENTS.sharedb}",${payload}]`], {});
    } else {
      this.socket.emit(EVENTS.sharedb, JSON.parse(payload));
    }
  }

  /** `flush` for the shared flushes: one socket's failure closes that socket, not the loop. */
  safeFlush(): void {
    try {
      this.flush();
    } catch (err) {
      closeOnError(this.socket, this.logger, 'sending ShareDB messages', err);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    this.flush();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.removeAllListeners(EVENTS.sharedb);
    // The agent closed its end (a protocol error): the socket is useless without ShareDB.
    if (this.socket.connected) this.socket.disconnect(true);
    done(err);
  }
}
