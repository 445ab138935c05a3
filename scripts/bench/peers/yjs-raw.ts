/**
 * A crowd typist on a Yjs peer with the surface of `RawDoc` (clients.ts), so the typists load
 * generator (load/typists.ts) drives Hocuspocus and y-websocket exactly as it drives Gitpad:
 *
 * - `version` is the sum of every client's clock this typist knows of (the seeded text, its own
 *   inserts, and the ranges remote updates carried). Every typist ends at the same sum when every
 *   update reached everyone, as ShareDB clients end at the same version.
 * - An op's key is `clientID:clock` of its first character; a remote update reports every clock
 *   it carries, so the key is found whether the server relayed the update alone (y-websocket) or
 *   merged with others of the same event-loop turn (Hocuspocus).
 * - `submit` resolves on Hocuspocus's SyncStatus (its per-update acknowledgement), or at once on
 *   y-websocket, which has none. Nothing waits for it: Yjs providers send every edit at once.
 *
 * The typist is a `light` YLink: remote updates are not applied (see yjs-link.ts for why the
 * typist's own updates are still exactly a full client's).
 */
import * as Y from 'yjs';
import { now, type RemoteOp, type TextOp } from '../clients.js';
import { updateRanges, type YLink } from './yjs-link.js';

export class YRawLink {
  constructor(readonly link: YLink) {}

  get src(): string {
    return String(this.link.doc.clientID);
  }

  close(): void {
    this.link.close();
  }
}

export class YRawDoc {
  version = 0;
  onRemote: ((op: RemoteOp, at: number) => void) | null = null;
  readonly busy = false;
  private readonly known = new Map<number, number>();
  private waiters: Array<{ v: number; resolve(): void }> = [];

  constructor(
    readonly link: YLink,
    readonly c: string,
    readonly d: string,
  ) {
    const store = link.doc.store;
    for (const client of store.clients.keys()) this.advance(client, Y.getState(store, client));
    link.onRemote = (update, at) => {
      for (const [client, from, to] of updateRanges(update)) {
        this.advance(client, to);
        if (!this.onRemote) continue;
        const src = String(client);
        for (let clock = from; clock < to; clock++)
          this.onRemote({ v: this.version, src, seq: clock, op: [] }, at);
      }
      this.wake();
    };
  }

  get length(): number {
    return this.link.text.length;
  }

  get authored(): number {
    return Y.getState(this.link.doc.store, this.link.doc.clientID);
  }

  /** The clock of this client's next character: the key of the next submit. */
  peekSeq(): number {
    return Y.getState(this.link.doc.store, this.link.doc.clientID);
  }

  async submit(
    op: TextOp,
    _delta: number,
  ): Promise<{ sentAt: number; ackAt: number; v: number; seq: number }> {
    const seq = this.peekSeq();
    const sentAt = now();
    const acked = this.link.edit((text) => {
      for (const c of op) {
        if (c.sd !== undefined) text.delete(c.p[1], c.sd.length);
        if (c.si !== undefined) text.insert(c.p[1], c.si);
      }
    });
    const self = this.link.doc.clientID;
    this.advance(self, Y.getState(this.link.doc.store, self));
    this.wake();
    const v = this.version;
    const ok = await acked;
    if (!ok) throw new Error('the server did not apply the update (SyncStatus false)');
    return { sentAt, ackAt: this.link.opts.dialect === 'hocuspocus' ? now() : sentAt, v, seq };
  }

  reach(v: number): Promise<void> {
    if (this.version >= v) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ v, resolve }));
  }

  private advance(client: number, to: number): void {
    const had = this.known.get(client) ?? 0;
    if (to <= had) return;
    this.known.set(client, to);
    this.version += to - had;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.v <= this.version);
    this.waiters = this.waiters.filter((w) => w.v > this.version);
    for (const w of ready) w.resolve();
  }
}
