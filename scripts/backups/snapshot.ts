/**
 * `createBackup`: a consistent snapshot of a running Gitpad, taken from another process.
 *
 * Order matters. The repos are bundled first and the store copied after, so the store is never
 * older than the repos: that is how a running server always is (a commit is made from text the
 * store already holds), and a restored server then commits whatever the store has beyond each
 * repo's head, as after a crash. Every edit acknowledged before the backup started is in the store
 * copy, since the store is read after that moment.
 *
 * - **Store**: SQLite's online backup API (better-sqlite3 `db.backup`) on a connection of our own.
 *   The database is in WAL mode, so reading it blocks no writer; the copy is made in one step
 *   (one read transaction), so it is the database exactly as it was at one commit, never a mix.
 *   (Copied page by page over many steps, every write by the server would restart it.) The server
 *   keeps hot snapshots in memory, but the op log it writes before acknowledging an edit is in the
 *   copy, and the server replays it on start, as after a crash.
 * - **Repos**: `git bundle create --all` per repo. The server's in-process repo lock cannot be
 *   taken from here, and it does not need to be: the server writes every object durably before it
 *   moves a ref and moves refs by rename, so each ref git reads points at complete objects, and the
 *   bundle holds the refs as read plus everything they reach. A bundle is checked with `git bundle
 *   verify`; one that fails because repo maintenance repacked under it is made again.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { git, parseRefs } from './git.js';
import { FORMAT_VERSION, isEmptyDir, MANIFEST_FILE, type Manifest, type RepoEntry } from './manifest.js';

export interface BackupOptions {
  dataDir: string;
  reposDir: string;
  /** Where the backup goes: a missing or empty directory. */
  target: string;
  /** The server's store: with MongoDB only the repos are backed up here. */
  store: 'embedded' | 'mongo';
  log?: (line: string) => void;
}

/** The embedded store's file (server/src/storage/embedded/index.ts EMBEDDED_DB_FILE). */
const DB_FILE = 'gitpad.sqlite';
/** Files of DATA_DIR that are not copied as they are: the database (and its WAL) and probe leftovers. */
const SKIP_DATA = /^gitpad\.sqlite(-wal|-shm|-journal)?$|^\.ready-/;
/** Attempts at one repo's bundle before giving up (a repack may delete a pack being read). */
const BUNDLE_ATTEMPTS = 3;

export async function createBackup(o: BackupOptions): Promise<Manifest> {
  const log = o.log ?? (() => {});
  if (!isEmptyDir(o.target)) throw new Error(`${o.target} is not empty: back up into a new directory.`);
  const startedAt = new Date().toISOString();
  fs.mkdirSync(path.join(o.target, 'repos'), { recursive: true });
  fs.mkdirSync(path.join(o.target, 'data'), { recursive: true });

  const repos: RepoEntry[] = [];
  for (const rel of listRepos(o.reposDir)) {
    repos.push(await bundleRepo(o.reposDir, rel, o.target));
    log(`repo ${rel}: ${Object.keys(repos.at(-1)!.refs).length} refs`);
  }

  if (o.store === 'embedded') {
    const pages = await copyDatabase(path.join(o.dataDir, DB_FILE), path.join(o.target, 'data', DB_FILE));
    log(`store: ${pages} pages`);
  } else {
    log('store: MongoDB, not in this backup: dump it with mongodump right after this');
  }
  const dataFiles: string[] = [];
  for (const name of fs.existsSync(o.dataDir) ? fs.readdirSync(o.dataDir) : []) {
    const from = path.join(o.dataDir, name);
    if (SKIP_DATA.test(name) || !fs.statSync(from).isFile()) continue;
    fs.copyFileSync(from, path.join(o.target, 'data', name));
    fs.chmodSync(path.join(o.target, 'data', name), fs.statSync(from).mode & 0o777);
    dataFiles.push(name);
  }

  const manifest: Manifest = {
    format: FORMAT_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    store: o.store,
    dataFiles,
    repos,
  };
  // Last, and by rename: its presence says the backup is complete.
  const file = path.join(o.target, MANIFEST_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return manifest;
}

/** Repos under `reposDir` (`<id>.git`, and `.archive/<name>.git` of deleted sessions), sorted. */
export function listRepos(reposDir: string): string[] {
  const found: string[] = [];
  const scan = (rel: string) => {
    const dir = path.join(reposDir, rel);
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir)) {
      const sub = path.join(rel, name);
      if (name.endsWith('.git') && fs.existsSync(path.join(reposDir, sub, 'HEAD'))) found.push(sub);
    }
  };
  scan('');
  scan('.archive');
  return found.sort();
}

async function bundleRepo(reposDir: string, rel: string, target: string): Promise<RepoEntry> {
  const gitDir = path.join(reposDir, rel);
  const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8');
  const config = fs.readFileSync(path.join(gitDir, 'config'), 'utf8');
  const bundle = path.join('repos', `${rel}.bundle`);
  const out = path.join(target, bundle);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      await git(['--git-dir', gitDir, 'bundle', 'create', '--quiet', out, '--all']);
    } catch (err) {
      // A session never saved has no refs, and git makes no empty bundle.
      if (/empty bundle/i.test((err as Error).message))
        return { path: rel, bundle: null, head, config, refs: {} };
      if (attempt >= BUNDLE_ATTEMPTS) throw err;
      continue;
    }
    try {
      await git(['--git-dir', gitDir, 'bundle', 'verify', '--quiet', out]);
      // What the bundle holds, not what the repo holds now (it may have moved on).
      const refs = parseRefs(await git(['bundle', 'list-heads', out]));
      delete refs.HEAD;
      return { path: rel, bundle, head, config, refs };
    } catch (err) {
      if (attempt >= BUNDLE_ATTEMPTS) throw err;
    }
  }
}

/** Copies the SQLite database at `from` to `to` in one step of the online backup API. */
async function copyDatabase(from: string, to: string): Promise<number> {
  const db = new BetterSqlite3(from, { fileMustExist: true });
  try {
    // The server may hold the write lock for a moment; wait rather than fail.
    db.pragma('busy_timeout = 10000');
    const { totalPages } = await db.backup(to, {
      // The first step only measures; then everything left goes in one step (see the top).
      progress: () => 0x7fffffff,
    });
    const check = new BetterSqlite3(to);
    try {
      // One self-contained file (no -wal beside it); the server turns WAL back on when it opens it.
      check.pragma('journal_mode = DELETE');
      const result = check.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new Error(`the copy of the store failed its check: ${String(result)}`);
    } finally {
      check.close();
    }
    return totalPages;
  } finally {
    db.close();
  }
}
