/**
 * The two servers a scenario can run against, each in its own process: the real Gitpad server
 * (server-process.ts, temp data and repos dirs) and the transport floor (floor-server.ts). Both
 * answer `stats` over IPC, and both can prepare a document for N clients, so a scenario is
 * written once and run against each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Child, type ServerStats } from './ipc.js';
import { type BenchUser, createFile, createSession, registerUsers } from './rest.js';

export interface PreparedDoc {
  c: string;
  d: string;
  /** One token per client slot (clients may share a user). */
  tokens: string[];
  /** Gitpad only: the session, its owner and members. */
  sessionId?: string;
  users?: BenchUser[];
}

export interface Endpoint {
  kind: 'gitpad' | 'floor' | 'peer';
  /** Peers only: which system (peers/systems.ts). */
  system?: string;
  url: string;
  child: Child;
  stats(): Promise<ServerStats>;
  /** Stats after a full garbage collection in the server (for memory figures). */
  gcStats(): Promise<ServerStats>;
  /** A file with `text` that `clients` clients may edit, as distinct users up to `maxUsers`. */
  prepareDoc(text: string, clients: number, maxUsers?: number): Promise<PreparedDoc>;
  stop(): Promise<void>;
}

export interface GitpadOptions {
  env?: Record<string, string>;
  /** Reuse the dirs of an earlier server (a restart); they are then not deleted on stop. */
  dataDir?: string;
  reposDir?: string;
  keepDirs?: boolean;
  label?: string;
}

export interface GitpadEndpoint extends Endpoint {
  kind: 'gitpad';
  dataDir: string;
  reposDir: string;
  /** Registered users, reused by later `prepareDoc` calls on this server. */
  users: BenchUser[];
  ensureUsers(n: number): Promise<BenchUser[]>;
}

export async function startGitpad(opts: GitpadOptions = {}): Promise<GitpadEndpoint> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-bench-data-'));
  const reposDir = opts.reposDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-bench-repos-'));
  const nodeArgs = ['--expose-gc'];
  const { child, ready } = await Child.start('./server-process.ts', {
    label: opts.label ?? 'gitpad server',
    readyType: 'listening',
    nodeArgs,
    env: {
      PORT: '0',
      DATA_DIR: dataDir,
      REPOS_DIR: reposDir,
      LOG_LEVEL: 'silent',
      CLIENT_DIR: path.resolve('dist/client'),
      ...opts.env,
    },
  });
  const url = `http://127.0.0.1:${ready.port}`;
  const users: BenchUser[] = [];
  const ensureUsers = async (n: number) => {
    if (users.length < n) users.push(...(await registerUsers(url, n - users.length)));
    return users.slice(0, n);
  };
  let docSeq = 0;
  return {
    kind: 'gitpad',
    url,
    child,
    dataDir,
    reposDir,
    users,
    ensureUsers,
    stats: () => child.call('stats'),
    gcStats: () => child.call('gc'),
    async prepareDoc(text, clients, maxUsers = 200) {
      const pool = await ensureUsers(Math.max(1, Math.min(clients, maxUsers)));
      const owner = pool[0]!;
      const sessionId = await createSession(url, owner, pool, `bench ${++docSeq}`);
      const file = await createFile(url, owner, sessionId, `file${docSeq}.txt`, text);
      return {
        c: file.doc.collection,
        d: file.doc.id,
        tokens: Array.from({ length: clients }, (_, i) => pool[i % pool.length]!.token),
        sessionId,
        users: pool,
      };
    },
    async stop() {
      await child.stop();
      if (!opts.keepDirs && !opts.dataDir) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.rmSync(reposDir, { recursive: true, force: true });
      }
    },
  };
}

export async function startFloor(): Promise<Endpoint> {
  const { child, ready } = await Child.start('./floor-server.ts', {
    label: 'floor server',
    readyType: 'listening',
    nodeArgs: ['--expose-gc'],
  });
  let docSeq = 0;
  return {
    kind: 'floor',
    url: `http://127.0.0.1:${ready.port}`,
    child,
    stats: () => child.call('stats'),
    gcStats: () => child.call('gc'),
    async prepareDoc(text, clients) {
      const d = `floor.doc${++docSeq}`;
      await child.call('createDoc', { c: 'files', d, text });
      return { c: 'files', d, tokens: Array.from({ length: clients }, () => 'floor') };
    },
    stop: () => child.stop(),
  };
}

/** Server-side deltas between two stats readings. */
export function statsDelta(a: ServerStats, b: ServerStats) {
  const wallMs = b.wallMs - a.wallMs;
  const cpuUs = b.cpuUs - a.cpuUs;
  return {
    cpuUs,
    wallMs,
    /** Cores in use on average (1 = one core busy). */
    cores: wallMs > 0 ? cpuUs / 1000 / wallMs : 0,
    submits: b.submits - a.submits,
    retries: b.retries - a.retries,
  };
}
