/**
 * ShareDB over our one socket.io connection: a WebSocket-like object handed to ShareDB's
 * `Connection`, carrying protocol messages as plain objects on the `sharedb` event.
 *
 * socket.io traps: socket.io buffers emits while disconnected and flushes
 * them before the new handshake, which would replay stale ShareDB frames; so `send` drops
 * messages while disconnected (ShareDB resends what matters itself after its own handshake) and
 * the send buffer is cleared on every connect. No acks on this channel.
 */
import type { Connection } from 'sharedb/lib/client';
import type { Socket } from 'socket.io-client';
import { EVENTS } from '../../../server/src/protocol/events';

/** WebSocket readyState values, as ShareDB reads them. */
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

type Handler = ((event: unknown) => void) | null;

/** The socket ShareDB's Connection talks to; socket.io connect/disconnect become open/close. */
export class ShareDBSocket {
  readyState: number;
  onopen: Handler = null;
  onclose: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  private closedByUs = false;

  constructor(private readonly socket: Socket) {
    this.readyState = socket.connected ? OPEN : CONNECTING;
    socket.on('connect', this.handleConnect);
    socket.on('disconnect', this.handleDisconnect);
    socket.on('connect_error', this.handleError);
    socket.on(EVENTS.sharedb, this.handleMessage);
  }

  /** ShareDB calls this with a JSON string; see {@link sendObjectsDirectly} for the fast path. */
  send(data: unknown): void {
    this.sendObject(typeof data === 'string' ? JSON.parse(data) : data);
  }

  /** Emits one protocol message, or drops it while disconnected. */
  sendObject(message: unknown): void {
    if (!this.socket.connected) return;
    this.socket.emit(EVENTS.sharedb, message);
  }

  /** Ends ShareDB's use of the socket (the socket itself belongs to the realtime client). */
  close(): void {
    this.closedByUs = true;
    this.readyState = CLOSED;
    this.onclose?.('closed');
  }

  detach(): void {
    this.socket.off('connect', this.handleConnect);
    this.socket.off('disconnect', this.handleDisconnect);
    this.socket.off('connect_error', this.handleError);
    this.socket.off(EVENTS.sharedb, this.handleMessage);
  }

  private readonly handleConnect = () => {
    if (this.closedByUs) return;
    // Whatever socket.io queued while we were away is stale (see the file comment).
    this.socket.sendBuffer = [];
    this.readyState = OPEN;
    this.onopen?.({});
  };

  private readonly handleDisconnect = (reason: string) => {
    if (this.closedByUs) return;
    this.readyState = CONNECTING;
    // Any reason but 'closed'/'stopped' makes ShareDB wait in 'disconnected' and resubmit later.
    this.onclose?.(reason);
  };

  private readonly handleError = (error: unknown) => {
    this.onerror?.(error);
  };

  private readonly handleMessage = (data: unknown) => {
    // The server batches: several messages may arrive in one event.
    if (Array.isArray(data)) {
      for (const message of data) this.onmessage?.({ data: message });
    } else {
      this.onmessage?.({ data });
    }
  };
}

/**
 * Makes `connection` hand message objects straight to the socket instead of JSON strings that
 * the shim would have to parse again. Keeps the `send` event ShareDB's own tooling listens to.
 */
export function sendObjectsDirectly(connection: Connection, socket: ShareDBSocket): void {
  (connection as unknown as { send: (message: unknown) => void }).send = (message: unknown) => {
    connection.emit('send', message);
    socket.sendObject(message);
  };
}
