/**
 * `restoreBackup`: brings a backup made by `createBackup` back into DATA_DIR and REPOS_DIR. Both
 * must be missing or empty, unless `force`, which first empties them. The server must be stopped.
 *
 * Each repo is rebuilt in a staging directory (`git init --bare`, Gitpad's config and HEAD back,
 * every ref fetched from the bundle, the refs checked against the manifest) and renamed into
 * place, so a failed restore leaves no half repository under a session's name. The store file is
 * copied under a temporary name and renamed last.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { git, listRefs } from './git.js';
import { isEmptyDir, type Manifest, readManifest } from './manifest.js';

export interface RestoreOptions {
  /** The backup directory. */
  source: string;
  dataDir: string;
  reposDir: string;
  /** The server's store; a backup of the other kind is refused. */
  store: 'embedded' | 'mongo';
  /** Empty non-empty DATA_DIR and REPOS_DIR first instead of refusing. */
  force?: boolean;
  log?: (line: string) => void;
}

const DB_FILE = 'gitpad.sqlite';

export async function restoreBackup(o: RestoreOptions): Promise<Manifest> {
  const log = o.log ?? (() => {});
  const manifest = readManifest(o.source);
  if (manifest.store !== o.store) {
    throw new Error(
      `This backup is of the ${manifest.store} store but the server is configured for the ${o.store} store (MONGODB_URL).`,
    );
  }
  for (const dir of [o.dataDir, o.reposDir]) {
    if (isEmptyDir(dir)) continue;
    if (!o.force) {
      throw new Error(
        `${dir} is not empty: restore into empty directories, or pass --force to replace what is there.`,
      );
    }
    for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    log(`emptied ${dir}`);
  }
  fs.mkdirSync(o.dataDir, { recursive: true });
  fs.mkdirSync(o.reposDir, { recursive: true });

  for (const repo of manifest.repos) {
    const final = path.join(o.reposDir, repo.path);
    const staging = path.join(o.reposDir, `.restore-${crypto.randomBytes(4).toString('hex')}`);
    try {
      await git(['init', '--bare', '--quiet', staging]);
      fs.writeFileSync(path.join(staging, 'config'), repo.config);
      if (repo.bundle) {
        const bundle = path.join(o.source, repo.bundle);
        await git(['--git-dir', staging, 'fetch', '--quiet', '--update-head-ok', bundle, '+refs/*:refs/*']);
      }
      fs.writeFileSync(path.join(staging, 'HEAD'), repo.head);
      const refs = await listRefs(staging);
      if (JSON.stringify(sorted(refs)) !== JSON.stringify(sorted(repo.refs))) {
        throw new Error(`${repo.path}: the restored refs differ from the backup's manifest`);
      }
      fs.mkdirSync(path.dirname(final), { recursive: true });
      fs.renameSync(staging, final);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
    log(`repo ${repo.path}: ${Object.keys(repo.refs).length} refs`);
  }

  for (const name of manifest.dataFiles) {
    const from = path.join(o.source, 'data', name);
    const to = path.join(o.dataDir, name);
    fs.copyFileSync(from, to);
    fs.chmodSync(to, fs.statSync(from).mode & 0o777);
  }
  if (manifest.store === 'embedded') {
    const to = path.join(o.dataDir, DB_FILE);
    fs.copyFileSync(path.join(o.source, 'data', DB_FILE), `${to}.restoring`);
    fs.renameSync(`${to}.restoring`, to);
    log('store: restored');
  } else {
    log('store: MongoDB, not in this backup: restore it with mongorestore');
  }
  return manifest;
}

const sorted = (refs: Record<string, string>) => Object.entries(refs).sort(([a], [b]) => (a < b ? -1 : 1));
