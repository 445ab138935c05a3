/**
 * A Yjs client over one WebSocket, speaking either Hocuspocus's protocol (every message prefixed
 * with the document name; an Auth message first; a SyncStatus reply to each applied update) or
 * y-websocket's (document in the URL path; bare y-protocols sync and awareness messages). Written
 * against the wire format directly (y-protocols' sync messages, lib0 encoding) so that the same
 * code drives both servers and one process can hold hundreds of clients.
 *
 * Two modes:
 * - `full`: applies every remote update to its Y.Doc (the text is real; an observer, a writer).
 * - `light`: applies only the initial sync and its own edits; remote updates are only parsed for
 *   which client and clock range they carry. A crowd typist that types only in its own region
 *   (crowd scenario: one line per typist) produces exactly the updates a full client would, since
 *   its items' neighbours are its own items or the seeded text, so this keeps a crowd of 200 Yjs
 *   clients as cheap to simulate as Gitpad's lightweight ShareDB clients.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as sync from 'y-protocols/sync';
import * as Y from 'yjs';

const SYNC = 0;
const HP_AUTH = 2;
const HP_SYNC_REPLY = 4;
const HP_SYNC_STATUS = 8;
const HP_PING = 9;
const HP_PONG = 10;

/** The name of the shared text in every peer document. */
export const TEXT_NAME = 'text';

export interface YLinkOptions {
  /** Plain ws URL of the server (without the document). */
  url: string;
  dialect: 'hocuspocus' | 'y-websocket';
  docName: string;
  mode: 'full' | 'light';
}

/** What a remote update carried: for each client, the clock range [from, to) of its new items. */
export type UpdateRanges = Array<[client: number, from: number, to: number]>;

export class YLink {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText(TEXT_NAME);
  /** Remote updates received after the initial sync. */
  remoteUpdates = 0;
  /** Called for each remote update after the initial sync (after applying it, in full mode). */
  onRemote: ((update: Uint8Array, at: number) => void) | null = null;
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  /** Hocuspocus only: acknowledgement waiters, in send order (one SyncStatus per sync message). */
  private readonly acks: Array<((ok: boolean) => void) | null> = [];
  private closed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly opts: YLinkOptions,
  ) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) =>
      this.receive(new Uint8Array(data.buffer, data.byteOffset, data.length)),
    );
    // Our own edits go out as they are made, as y-websocket's and Hocuspocus's providers send them.
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      this.sendSync((e) => sync.writeUpdate(e, update), true);
    });
  }

  static async connect(opts: YLinkOptions): Promise<YLink> {
    const target =
      opts.dialect === 'y-websocket' ? `${opts.url}/${encodeURIComponent(opts.docName)}` : opts.url;
    const ws = new WebSocket(target, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const link = new YLink(ws, opts);
    if (opts.dialect === 'hocuspocus') {
      link.sendRaw(HP_AUTH, (e) => {
        encoding.writeVarUint(e, 0); // AuthMessageType.Token
        encoding.writeVarString(e, '');
      });
    }
    link.sendSync((e) => sync.writeSyncStep1(e, link.doc), false);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${opts.dialect}: no initial sync`)), 60_000);
      link.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('close', () => reject(new Error(`${opts.dialect}: closed before sync`)));
    });
    return link;
  }

  /** Inserts (and sends) in one transaction; resolves on Hocuspocus's acknowledgement, or at once. */
  edit(apply: (text: Y.Text) => void): Promise<boolean> {
    const acked =
      this.opts.dialect === 'hocuspocus'
        ? new Promise<boolean>((resolve) => {
            this.pendingAck = resolve;
          })
        : Promise.resolve(true);
    this.doc.transact(() => apply(this.text));
    this.pendingAck = null;
    return acked;
  }

  /** The sum of every client's clock: how many items (characters) this client knows of. */
  clockSum(): number {
    let sum = 0;
    for (const client of this.doc.store.clients.keys()) sum += Y.getState(this.doc.store, client);
    return sum;
  }

  close(): void {
    this.closed = true;
    this.ws.terminate();
    this.doc.destroy();
  }

  /** Set while `edit` runs: the acknowledgement waiter of the update the edit sends. */
  private pendingAck: ((ok: boolean) => void) | null = null;

  private sendRaw(type: number, write: (e: encoding.Encoder) => void): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    const e = encoding.createEncoder();
    if (this.opts.dialect === 'hocuspocus') encoding.writeVarString(e, this.opts.docName);
    encoding.writeVarUint(e, type);
    write(e);
    this.ws.send(encoding.toUint8Array(e));
  }

  /** A sync message; on Hocuspocus, step 2 and updates are acknowledged (SyncStatus) in order. */
  private sendSync(write: (e: encoding.Encoder) => void, acknowledged: boolean): void {
    if (this.opts.dialect === 'hocuspocus' && acknowledged) {
      this.acks.push(this.pendingAck);
      this.pendingAck = null;
    }
    this.sendRaw(SYNC, write);
  }

  private receive(data: Uint8Array): void {
    const d = decoding.createDecoder(data);
    if (this.opts.dialect === 'hocuspocus') decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    switch (type) {
      case SYNC:
      case HP_SYNC_REPLY:
        this.receiveSync(d);
        return;
      case HP_SYNC_STATUS:
        if (this.opts.dialect === 'hocuspocus') {
          const ok = decoding.readVarUint(d) === 1;
          this.acks.shift()?.(ok);
        }
        return;
      case HP_PING:
        if (this.opts.dialect === 'hocuspocus') this.sendRaw(HP_PONG, () => undefined);
        return;
      default:
        // Awareness and auth replies carry nothing the bench measures.
        return;
    }
  }

  private receiveSync(d: decoding.Decoder): void {
    const kind = decoding.readVarUint(d);
    if (kind === sync.messageYjsSyncStep1) {
      const sv = decoding.readVarUint8Array(d);
      this.sendSync((e) => {
        encoding.writeVarUint(e, sync.messageYjsSyncStep2);
        encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.doc, sv));
      }, true);
      return;
    }
    const update = decoding.readVarUint8Array(d);
    if (kind === sync.messageYjsSyncStep2 && !this.synced) {
      Y.applyUpdate(this.doc, update, this);
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
      return;
    }
    if (!this.synced) {
      Y.applyUpdate(this.doc, update, this);
      return;
    }
    const at = performance.timeOrigin + performance.now();
    if (this.opts.mode === 'full') Y.applyUpdate(this.doc, update, this);
    this.remoteUpdates++;
    this.onRemote?.(update, at);
  }
}

/** The new items an update carries, per client (deletions carry none). */
export function updateRanges(update: Uint8Array): UpdateRanges {
  const meta = Y.parseUpdateMeta(update);
  const out: UpdateRanges = [];
  for (const [client, to] of meta.to) {
    const from = meta.from.get(client) ?? to;
    if (to > from) out.push([client, from, to]);
  }
  return out;
}
