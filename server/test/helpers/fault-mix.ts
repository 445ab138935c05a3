/**
 * The fault tests' workload: a few real clients typing unique tokens and filler (astral characters
 * included) into every file of one session, dropping and re-opening their connections, while an
 * owner renames, deletes, restores, reverts and saves through the REST API. After a quiesce, the
 * checks compare clients, server and git (server/test/faults/).
 */
import path from 'node:path';
import { expect } from 'chai';
import { COLLECTION_SESSIONS } from '../../src/protocol/doc-ids.js';
import { fuzzOp, loneSurrogate, TokenLedger } from './fuzz.js';
import { allCommittedText, commitsOf, lastCommittedText, treeFiles } from './git-history.js';
import {
  type ClientDoc,
  connectClient,
  type RealtimeClient,
  subscribe,
  textOf,
  waitFor,
} from './realtime-client.js';
import { api, createSession, registerUser, type TestUser } from './server.js';

/** Codes an op (or a rollback's re-fetch) may fail with in this workload: its file was deleted under it. */
const EXPECTED_OP_ERRORS = new Set([
  'ERR_FILE_DELETED',
  'ERR_FILE_NOT_FOUND',
  'ERR_DOC_DOES_NOT_EXIST',
  'ERR_DOC_WAS_DELETED',
]);

interface Manifest {
  files: Record<string, { path: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** One typing client: its connection, the session manifest and every file document it holds. */
class MixClient {
  readonly docs = new Map<string, ClientDoc>();
  manifest!: ClientDoc;

  constructor(
    readonly index: number,
    readonly rt: RealtimeClient,
    private readonly mix: FaultMix,
  ) {}

  /** Subscribes to the manifest and to every file it lists that this client does not hold yet. */
  async sync(): Promise<void> {
    if (!this.manifest) {
      this.manifest = this.rt.connection.get(COLLECTION_SESSIONS, this.mix.sessionId);
      this.manifest.on('error', (err: unknown) => this.mix.note(`client ${this.index} manifest`, err));
      await subscribe(this.manifest);
    }
    const files = (this.manifest.data as Manifest | undefined)?.files ?? {};
    await Promise.all(
      Object.keys(files)
        .filter((id) => !this.docs.has(id))
        .map(async (id) => {
          const doc = this.rt.connection.get('files', `${this.mix.sessionId}.${id}`);
          // A rollback's re-fetch of a file deleted meanwhile fails with the deletion's code.
          doc.on('error', (err: unknown) => {
            if (!EXPECTED_OP_ERRORS.has((err as { code?: string }).code ?? '')) {
              this.mix.note(`client ${this.index} file ${id}`, err);
            }
          });
          this.docs.set(id, doc);
          await subscribe(doc).catch((err) => this.mix.note(`client ${this.index} subscribe ${id}`, err));
        }),
    );
  }

  /** One random edit on a random live file; tokens are recorded once the server acknowledges them. */
  edit(rand: () => number): void {
    const live = [...this.docs.values()].filter((d) => d.type && d.subscribed);
    if (live.length === 0) return;
    const doc = live[Math.floor(rand() * live.length)]!;
    const { op, token } = fuzzOp(textOf(doc), rand, () => this.mix.ledger.mint(this.index));
    if (op.length === 0) return;
    doc.submitOp(op as never, {}, (err: unknown) => {
      if (!err) {
        if (token) this.mix.ledger.ack(token);
        return;
      }
      const code = (err as { code?: string }).code ?? '';
      if (!EXPECTED_OP_ERRORS.has(code)) this.mix.note(`client ${this.index} op`, err);
    });
  }

  /** Drops the connection, as a network cut (engine closed) or a tab going away and back. */
  drop(rand: () => number): void {
    if (!this.rt.socket.connected) return;
    if (rand() < 0.5) this.rt.socket.io.engine.close();
    else {
      this.rt.socket.disconnect();
      setTimeout(() => this.rt.socket.connect(), 20 + Math.floor(rand() * 150));
    }
  }

  /** Whether the connection is up and no op of this client waits for the server. */
  idle(): boolean {
    const c = this.rt.connection as unknown as { state: string; hasPending(): boolean };
    return this.rt.socket.connected && c.state === 'connected' && !c.hasPending();
  }
}

export interface MixOptions {
  /** Typing clients (the first is the session owner, who also runs the REST actions). */
  clients?: number;
  files?: number;
}

/** What a round does: how long clients type, and whether connections drop and REST actions run. */
export interface RoundOptions {
  ms: number;
  drops?: boolean;
  actions?: boolean;
}

export class FaultMix {
  readonly ledger = new TokenLedger();
  clients: MixClient[] = [];
  /** Unexpected errors seen by clients or REST calls; a check fails when any are here. */
  readonly problems: string[] = [];
  /** Paths this mix deleted and has not restored yet. */
  private deleted: string[] = [];
  private renames = 0;
  /** What the owner did over REST, in order: printed when a check fails. */
  readonly log: string[] = [];
  /** Set while the server is being killed: errors then are the point, not problems. */
  killing = false;

  private constructor(
    public url: string,
    readonly reposDir: string,
    readonly users: TestUser[],
    readonly sessionId: string,
  ) {}

  get owner(): TestUser {
    return this.users[0]!;
  }

  get repo(): string {
    return path.join(this.reposDir, `${this.sessionId}.git`);
  }

  /** Registers the users, creates a session with `files` files and connects every client. */
  static async start(url: string, reposDir: string, opts: MixOptions = {}): Promise<FaultMix> {
    const n = opts.clients ?? 3;
    const users = [];
    for (let i = 0; i < n; i++) users.push(await registerUser(url));
    const files: Record<string, string> = {};
    for (let i = 0; i < (opts.files ?? 3); i++) files[`src/f${i}.txt`] = `file ${i}\n`;
    const s = await createSession(url, users[0]!, {
      members: users.slice(1).map((u) => [u, 'editor'] as [TestUser, string]),
      files,
    });
    const mix = new FaultMix(url, reposDir, users, s.id);
    await mix.connect(url);
    return mix;
  }

  /** (Re)connects every client to `url`, e.g. after the server restarted on a new port. */
  async connect(url: string): Promise<void> {
    for (const c of this.clients) c.rt.close();
    this.url = url;
    this.clients = await Promise.all(
      this.users.map(async (u, i) => new MixClient(i, await connectClient(url, u.token), this)),
    );
    for (const c of this.clients) {
      c.rt.connection.on('error', (err: unknown) => this.note(`client ${c.index} connection`, err));
    }
    await Promise.all(this.clients.map((c) => c.sync()));
  }

  close(): void {
    for (const c of this.clients) c.rt.close();
    this.clients = [];
  }

  note(where: string, err: unknown): void {
    if (this.killing) return;
    const e = err as { code?: string; message?: string };
    this.problems.push(`${where}: ${e.code ?? ''} ${e.message ?? String(err)}`);
  }

  /** Clients type (and drop) for `ms` while the owner runs one or two REST actions. */
  async round(rand: () => number, opts: RoundOptions): Promise<void> {
    const deadline = Date.now() + opts.ms;
    const typing = Promise.all(
      this.clients.map(async (c) => {
        while (Date.now() < deadline && !this.killing) {
          for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) c.edit(rand);
          if (opts.drops && rand() < 0.04) c.drop(rand);
          // Manifest changes (renames, restores) bring new files to subscribe to.
          if (rand() < 0.1) await c.sync().catch((err) => this.note(`client ${c.index} sync`, err));
          await sleep(5 + Math.floor(rand() * 20));
        }
      }),
    );
    const acting = (async () => {
      if (!opts.actions) return;
      for (let k = 1 + Math.floor(rand() * 2); k > 0 && !this.killing; k--) {
        await sleep(Math.floor(rand() * opts.ms * 0.6));
        if (!this.killing) await this.action(rand);
      }
    })();
    await Promise.all([typing, acting]);
  }

  /** The session's files as the server has them now: path → text. */
  async liveFiles(): Promise<Map<string, { id: string; text: string }>> {
    const s = await api(this.url, 'GET', `/api/sessions/${this.sessionId}`, { token: this.owner.token });
    if (s.status !== 200) throw new Error(`GET session: ${s.status} ${JSON.stringify(s.body)}`);
    const live = new Map<string, { id: string; text: string }>();
    for (const f of s.body.files as Array<{ id: string; path: string }>) {
      const r = await api(this.url, 'GET', `/api/sessions/${this.sessionId}/files/${f.id}`, {
        token: this.owner.token,
      });
      if (r.status !== 200) throw new Error(`GET ${f.path}: ${r.status} ${JSON.stringify(r.body)}`);
      live.set(f.path, { id: f.id, text: r.body.content });
    }
    return live;
  }

  /** One REST action by the owner, chosen at random from what the session's state allows. */
  private async action(rand: () => number): Promise<void> {
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await api(this.url, method, `/api/sessions/${this.sessionId}${url}`, {
        token: this.owner.token,
        ...(body === undefined ? {} : { body }),
      }).catch((err: unknown) => {
        this.note(`${method} ${url}`, err);
        return null;
      });
      this.log.push(`${method} ${url} ${JSON.stringify(body ?? '')} → ${res?.status ?? 'failed'}`);
      if (res && res.status >= 500) this.note(`${method} ${url}`, { message: JSON.stringify(res.body) });
      return res;
    };
    const live = await this.liveFiles().catch(() => null);
    if (!live || this.killing) return;
    const files = [...live.entries()];
    const pick = files[Math.floor(rand() * files.length)];
    const r = rand();
    if (r < 0.25 || !pick) {
      await call('POST', '/versions', {});
    } else if (r < 0.45) {
      const to = `dir${++this.renames % 3}/r${this.renames}.txt`;
      await call('PATCH', `/files/${pick[1].id}`, { path: to });
    } else if (r < 0.6 && files.length > 1) {
      const res = await call('DELETE', `/files/${pick[1].id}`);
      if (res?.status === 204) this.deleted.push(pick[0]);
    } else if (r < 0.75 && this.deleted.length > 0) {
      await this.restore(this.deleted.shift()!, call);
    } else if (r < 0.9) {
      const commits = await commitsOf(this.repo);
      if (commits.length > 1) {
        const sha = commits[1 + Math.floor(rand() * (commits.length - 1))]!;
        await call('POST', '/revert', { sha });
      }
    } else {
      const token = this.ledger.mint(0);
      const res = await call('POST', '/files', { path: `new/n${this.renames++}.txt`, content: `${token}\n` });
      if (res?.status === 201) this.ledger.ack(token);
    }
  }

  /** Brings a deleted path back: the restore endpoint where there is one, else re-created from git. */
  private async restore(
    p: string,
    call: (m: string, u: string, b?: unknown) => Promise<{ status: number; body: any } | null>,
  ): Promise<void> {
    const res = await call('POST', '/files/restore', { path: p });
    // No such route yet (404, or 405 from the `files/:fileId` routes): re-create it from git.
    if (!res || ![404, 405].includes(res.status) || res.body?.error?.code !== 'ERR_NOT_FOUND') return;
    const text = await lastCommittedText(this.repo, p);
    if (text !== null) await call('POST', '/files', { path: p, content: text });
  }

  /** Waits until every client is connected, has nothing pending and holds every live file. */
  async quiesce(ms = 15_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.clients.every((c) => c.idle())) return false;
        await Promise.all(this.clients.map((c) => c.sync()));
        return this.clients.every((c) => c.idle());
      },
      ms,
      'every client to reconnect and have its ops acknowledged',
    );
  }

  /** Every client's manifest and texts equal the server's (waiting for ops still on the wire). */
  async expectConverged(ms = 10_000): Promise<Map<string, { id: string; text: string }>> {
    const live = await this.liveFiles();
    const ids = [...live.values()].map((f) => f.id).sort();
    const differs = () => {
      for (const c of this.clients) {
        const listed = Object.keys((c.manifest.data as Manifest).files).sort();
        if (listed.join() !== ids.join()) return `client ${c.index} lists files ${listed} ≠ server ${ids}`;
        for (const [p, f] of live) {
          const doc = c.docs.get(f.id);
          if (!doc?.type) return `client ${c.index} has no ${p}`;
          if (textOf(doc) !== f.text)
            return `client ${c.index} ${p}: ${JSON.stringify(textOf(doc))} ≠ server ${JSON.stringify(f.text)}`;
        }
      }
      return null;
    };
    try {
      await waitFor(
        async () => {
          // A manifest op may land after the quiesce: hold the files it brings.
          await Promise.all(this.clients.map((c) => c.sync()));
          return differs() === null;
        },
        ms,
        'clients to converge',
      );
    } catch {
      expect.fail(`not converged: ${differs()}`);
    }
    for (const [p, f] of live) {
      expect(loneSurrogate(f.text), `${p} holds a split surrogate pair`).to.equal(null);
    }
    return live;
  }

  /** Saves a version and checks that the committed tree (read by real git) is the live files. */
  async expectSaveCommitsLive(): Promise<void> {
    const live = await this.liveFiles();
    const res = await api(this.url, 'POST', `/api/sessions/${this.sessionId}/versions`, {
      token: this.owner.token,
      body: {},
    });
    expect(res.status, `save: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
    const tree = await treeFiles(this.repo, 'main');
    expect([...tree.keys()].sort(), 'committed paths').to.deep.equal([...live.keys()].sort());
    for (const [p, f] of live) expect(tree.get(p), `committed ${p}`).to.equal(f.text);
  }

  /** No acknowledged token vanished: each is in a live file or in a commit reachable from main. */
  async expectNothingLost(): Promise<void> {
    const live = await this.liveFiles();
    const text = [...live.values()].map((f) => f.text).join('\0');
    const lost = await this.ledger.lost(text, () => allCommittedText(this.repo));
    expect(
      lost,
      `acknowledged keystrokes in neither the live text nor git (of ${this.ledger.acked.size}); ` +
        `REST actions so far:\n  ${this.log.join('\n  ')}\n`,
    ).to.be.empty;
  }

  expectNoProblems(): void {
    expect(this.problems, 'unexpected errors').to.deep.equal([]);
  }
}
