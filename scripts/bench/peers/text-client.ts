/**
 * One full client per system behind one interface, for the peers bench's writer, observer and
 * trace replay: it holds the real text, applies a trace txn's patches as one edit (one json0 op on
 * ShareDB and Gitpad, one Y.Text transaction on the Yjs peers), and counts the remote edits it
 * applies. Gitpad through ShareDB's client over socket.io (clients.ts), stock ShareDB through
 * ShareDB's client over a WebSocket, Hocuspocus and y-websocket through a full `YLink`.
 */

import * as Y from 'yjs';
import {
  type ClientDoc,
  type Connection,
  FullClient,
  fetchDoc,
  now,
  submitOp,
  subscribeDoc,
} from '../clients.js';
import { type Patch, patchesToOp } from '../traces.js';
import { shareDbConnection } from './sharedb-ws.js';
import { parseUrl, type Wire } from './systems.js';
import { YLink } from './yjs-link.js';

/**
 * Which of a writer's edits an observer must have applied: its `count`-th edit, and on the Yjs
 * peers, when the edit inserted text, the writer's client and the clock after it. A Yjs server may
 * relay several updates merged into one (Hocuspocus merges those of one event-loop turn), so a
 * count of updates can lag; clocks cannot. Deletions move no clock: they are matched by count,
 * which is exact whenever the writer waits for each edit to be seen before the next.
 */
export interface Mark {
  count: number;
  client?: number;
  clock?: number;
}

export interface TextClient {
  readonly wire: Wire;
  /** Whether `edit` resolves on the server's acknowledgement (false: y-websocket has none). */
  readonly acked: boolean;
  /** Remote edits applied here since the client opened (Yjs: remote updates). */
  readonly remoteEdits: number;
  /** Called as each remote edit is applied. */
  onRemote: ((at: number) => void) | null;
  text(): string;
  length(): number;
  /** Where this client is: ShareDB's document version, or the sum of the Yjs state vector. */
  progress(): number;
  /** Applies one txn's patches as one edit; resolves on its acknowledgement where there is one. */
  edit(patches: Patch[]): Promise<void>;
  /** The mark of this client's latest edit (for an observer's `hasSeen`). */
  lastMark(): Mark;
  /** Whether this client has applied the edit `mark` names (made by another client). */
  hasSeen(mark: Mark): boolean;
  close(): void;
}

class ShareDbTextClient implements TextClient {
  remoteEdits = 0;
  private edits = 0;
  onRemote: ((at: number) => void) | null = null;
  readonly acked = true;

  constructor(
    readonly wire: Wire,
    private readonly doc: ClientDoc,
    private readonly onClose: () => void,
  ) {
    doc.on('op batch', (_op: unknown, source: unknown) => {
      if (source) return;
      this.remoteEdits++;
      this.onRemote?.(now());
    });
  }

  text(): string {
    return (this.doc.data as { text: string }).text;
  }

  length(): number {
    return this.text().length;
  }

  progress(): number {
    return this.doc.version ?? -1;
  }

  edit(patches: Patch[]): Promise<void> {
    this.edits++;
    return submitOp(this.doc, patchesToOp(this.text(), patches).op);
  }

  lastMark(): Mark {
    return { count: this.edits };
  }

  /** ShareDB relays every op as its own op: the k-th remote op applied is the writer's k-th. */
  hasSeen(mark: Mark): boolean {
    return this.remoteEdits >= mark.count;
  }

  close(): void {
    this.onClose();
  }
}

class YjsTextClient implements TextClient {
  onRemote: ((at: number) => void) | null = null;
  private edits = 0;
  private mark: Mark = { count: 0 };

  constructor(
    readonly wire: Wire,
    private readonly link: YLink,
  ) {
    link.onRemote = (_update, at) => this.onRemote?.(at);
  }

  get acked(): boolean {
    return this.wire === 'hocuspocus';
  }

  get remoteEdits(): number {
    return this.link.remoteUpdates;
  }

  text(): string {
    return this.link.text.toString();
  }

  length(): number {
    return this.link.text.length;
  }

  progress(): number {
    return this.link.clockSum();
  }

  async edit(patches: Patch[]): Promise<void> {
    const { doc } = this.link;
    const before = Y.getState(doc.store, doc.clientID);
    const acked = this.link.edit((text) => {
      for (const [pos, del, ins] of patches) {
        if (del > 0) text.delete(pos, del);
        if (ins.length > 0) text.insert(pos, ins);
      }
    });
    const after = Y.getState(doc.store, doc.clientID);
    this.mark =
      after > before ? { count: ++this.edits, client: doc.clientID, clock: after } : { count: ++this.edits };
    if (!(await acked)) throw new Error('the server did not apply the update (SyncStatus false)');
  }

  lastMark(): Mark {
    return this.mark;
  }

  hasSeen(mark: Mark): boolean {
    if (mark.client !== undefined && mark.clock !== undefined)
      return Y.getState(this.link.doc.store, mark.client) >= mark.clock;
    return this.link.remoteUpdates >= mark.count;
  }

  close(): void {
    this.link.close();
  }
}

/** Opens a full, subscribed client on document `c/d` of the system at `url`. */
export async function openTextClient(url: string, token: string, c: string, d: string): Promise<TextClient> {
  const target = parseUrl(url);
  if (target.wire === 'hocuspocus' || target.wire === 'y-websocket') {
    const link = await YLink.connect({ url: target.url, dialect: target.wire, docName: d, mode: 'full' });
    return new YjsTextClient(target.wire, link);
  }
  let connection: Connection;
  let close: () => void;
  if (target.wire === 'sharedb') {
    ({ connection, close } = await shareDbConnection(target.url));
  } else {
    const client = await FullClient.connect(url, token);
    connection = client.connection;
    close = () => client.close();
  }
  const doc = connection.get(c, d);
  await subscribeDoc(doc);
  // One edit, one op, on every system: ShareDB's client would otherwise compose the edits made
  // while one is in flight, and the observer could not tell them apart.
  (doc as unknown as { preventCompose: boolean }).preventCompose = true;
  return new ShareDbTextClient(target.wire, doc, close);
}

/** The text a fresh client of the system gets for `c/d` (ShareDB: a fetch; Yjs: an initial sync). */
export async function fetchTextOf(url: string, token: string, c: string, d: string): Promise<string> {
  const target = parseUrl(url);
  if (target.wire === 'sharedb') {
    const { connection, close } = await shareDbConnection(target.url);
    try {
      const doc = connection.get(c, d);
      await fetchDoc(doc);
      return (doc.data as { text: string }).text;
    } finally {
      close();
    }
  }
  const client = await openTextClient(url, token, c, d);
  try {
    return client.text();
  } finally {
    client.close();
  }
}
