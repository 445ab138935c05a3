/**
 * Disk use for the admin page: what a directory tree takes (allocated blocks, as `du` counts) and
 * how much room its file system has left. Walks with lstat, so a symlink never leads outside.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface TreeUsage {
  /** Bytes allocated on disk (st_blocks × 512), what `du -s` reports. */
  bytes: number;
  /** Regular files in the tree. */
  files: number;
  /** The newest modification time of anything in the tree, ms; 0 for an empty or missing tree. */
  newestMtimeMs: number;
}

/** Sums the tree under `dir`; a missing directory is empty, and entries vanishing mid-walk are skipped. */
export async function treeUsage(dir: string): Promise<TreeUsage> {
  const usage: TreeUsage = { bytes: 0, files: 0, newestMtimeMs: 0 };
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      let st: import('node:fs').Stats;
      try {
        st = await fs.lstat(full);
      } catch {
        continue;
      }
      usage.bytes += st.blocks * 512;
      usage.newestMtimeMs = Math.max(usage.newestMtimeMs, st.mtimeMs);
      if (st.isDirectory()) pending.push(full);
      else if (st.isFile()) usage.files++;
    }
  }
  return usage;
}

export interface FileSystemSpace {
  /** Bytes an unprivileged process may still write. */
  freeBytes: number;
  totalBytes: number;
}

export async function fileSystemSpace(dir: string): Promise<FileSystemSpace | null> {
  try {
    const s = await fs.statfs(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}
