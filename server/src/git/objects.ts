/**
 * Git object encoding done here rather than by isomorphic-git: blob and tree ids computed in
 * memory (so an unchanged snapshot is detected without writing anything), tree serialization in
 * git's exact entry order, and commit text with our trailers. Objects are then written with
 * isomorphic-git's `writeObject` in `content` format, through the repo's atomic fs.
 */
import { createHash } from 'node:crypto';
import * as git from 'isomorphic-git';
import { AppError } from '../errors/app-error.js';
import { EXECUTABLE_MODE, type FileMode } from '../protocol/binary.js';
import { splitPath } from './paths.js';
import { type Repo, remember } from './repo.js';

/** The id of the empty tree, which git knows without storing it. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** The id git prints for "no object" (the side of an added or deleted file). */
export const NULL_OID = '0000000000000000000000000000000000000000';

const FILE_MODE = '100644' as const;
const TREE_MODE = '40000';

/** A git object id for `content` of `type`, as git computes it. */
export function hashObject(type: 'blob' | 'tree' | 'commit' | 'tag', content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** One object of a tree being built, waiting to be written. */
export interface PendingObject {
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  content: Uint8Array;
}

/** The result of `buildTree`: the root tree id, every object it needs, and the flat path → blob map. */
export interface BuiltTree {
  oid: string;
  objects: PendingObject[];
  files: Map<string, string>;
}

interface DirNode {
  dirs: Map<string, DirNode>;
  /** name → blob id and git mode. */
  files: Map<string, { oid: string; mode: string }>;
}

/**
 * One file of a tree to build: its text (a blob made here), or a blob already in the repository
 * (a binary file, written when it arrived: protocol/binary.ts). `mode` `100755` marks it executable.
 */
export type TreeInputFile =
  | { path: string; content: string; mode?: FileMode | undefined }
  | { path: string; blob: { oid: string }; mode?: FileMode | undefined };

const OID_RE = /^[0-9a-f]{40}$/;

/**
 * Builds the nested trees for a flat list of files, in memory. Validates every path (ERR_INVALID_PATH
 * for bad names, duplicate paths, or a path that is both a file and a folder). Text becomes blobs
 * among `objects`; a `blob` entry is referenced by id only (the caller checks it exists).
 */
export function buildTree(files: ReadonlyArray<TreeInputFile>): BuiltTree {
  const root: DirNode = { dirs: new Map(), files: new Map() };
  const objects: PendingObject[] = [];
  const flat = new Map<string, string>();
  const seenBlobs = new Set<string>();

  for (const file of files) {
    const isBlob = Boolean(file && 'blob' in file && file.blob && OID_RE.test(file.blob.oid));
    if (!file || (!isBlob && typeof (file as { content?: unknown }).content !== 'string')) {
      throw new AppError('ERR_VALIDATION', 'Each file needs a path and text content or a blob id.');
    }
    if (file.mode !== undefined && file.mode !== FILE_MODE && file.mode !== EXECUTABLE_MODE)
      throw new AppError('ERR_VALIDATION', `"${file.path}": a file's mode is 100644 or 100755.`);
    const segments = splitPath(file.path);
    if (flat.has(file.path)) throw new AppError('ERR_INVALID_PATH', `"${file.path}" appears twice.`);
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const name = segments[i]!;
      if (node.files.has(name)) {
        throw new AppError(
          'ERR_INVALID_PATH',
          `"${file.path}": "${segments.slice(0, i + 1).join('/')}" is a file.`,
        );
      }
      let child = node.dirs.get(name);
      if (!child) {
        child = { dirs: new Map(), files: new Map() };
        node.dirs.set(name, child);
      }
      node = child;
    }
    const leaf = segments[segments.length - 1]!;
    if (node.dirs.has(leaf)) throw new AppError('ERR_INVALID_PATH', `"${file.path}" is also a folder.`);
    let oid: string;
    if ('blob' in file) oid = file.blob.oid;
    else {
      const content = Buffer.from(file.content, 'utf8');
      oid = hashObject('blob', content);
      if (!seenBlobs.has(oid)) {
        seenBlobs.add(oid);
        objects.push({ type: 'blob', oid, content });
      }
    }
    node.files.set(leaf, { oid, mode: file.mode ?? FILE_MODE });
    flat.set(file.path, oid);
  }

  const writeDir = (node: DirNode): string => {
    const entries: Array<{ mode: string; name: string; oid: string; sortKey: Buffer }> = [];
    for (const [name, { oid, mode }] of node.files) {
      entries.push({ mode, name, oid, sortKey: Buffer.from(name, 'utf8') });
    }
    for (const [name, child] of node.dirs) {
      // git orders a folder as if its name ended in "/".
      entries.push({ mode: TREE_MODE, name, oid: writeDir(child), sortKey: Buffer.from(`${name}/`, 'utf8') });
    }
    entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    const content = Buffer.concat(
      entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]),
    );
    const oid = hashObject('tree', content);
    objects.push({ type: 'tree', oid, content });
    return oid;
  };

  return { oid: writeDir(root), objects, files: flat };
}

/** Blobs written at once by `writeObjects`: their fsyncs overlap (a 3,000-file import). */
const BLOB_BATCH = 32;

/**
 * Writes objects (children before parents) through the repo's atomic fs. Call under the writer.
 * Blobs, which point at nothing, go first and a batch at a time; trees and commits then follow one
 * by one in the order given, so no object is ever on disk before what it points at.
 */
export async function writeObjects(repo: Repo, objects: readonly PendingObject[]): Promise<void> {
  const write = async (obj: PendingObject) => {
    const oid = await git.writeObject({
      fs: repo.fs,
      gitdir: repo.dir,
      type: obj.type,
      object: obj.content,
      format: 'content',
    });
    if (oid !== obj.oid)
      throw new Error(`object id mismatch: computed ${obj.oid}, isomorphic-git wrote ${oid}`);
  };
  const blobs = objects.filter((o) => o.type === 'blob');
  for (let i = 0; i < blobs.length; i += BLOB_BATCH)
    await Promise.all(blobs.slice(i, i + BLOB_BATCH).map(write));
  for (const obj of objects) if (obj.type !== 'blob') await write(obj);
}

/**
 * The files of a tree, flattened to path → blob id, in git order. Cached per tree id.
 * Only regular files are expected; other entry kinds (symlinks, submodules) are skipped.
 */
export async function flattenTree(repo: Repo, treeOid: string): Promise<ReadonlyMap<string, string>> {
  if (treeOid === EMPTY_TREE) return new Map();
  const cached = repo.treeCache.get(treeOid);
  if (cached) return remember(repo.treeCache, treeOid, cached, 64);
  const out = new Map<string, string>();
  for (const [path, { oid }] of await flattenTreeModes(repo, treeOid)) out.set(path, oid);
  return remember(repo.treeCache, treeOid, out, 64);
}

/**
 * The files of a tree, flattened to path → blob id and git mode (`100644` or `100755`).
 * Symlinks and submodules are skipped: a session holds neither.
 */
export async function flattenTreeModes(
  repo: Repo,
  treeOid: string,
): Promise<Map<string, { oid: string; mode: FileMode }>> {
  const out = new Map<string, { oid: string; mode: FileMode }>();
  if (treeOid === EMPTY_TREE) return out;
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ ...repo.git, oid });
    // isomorphic-git sorts entries in its own order; re-sorted by the caller when it matters.
    for (const entry of tree) {
      const full = prefix + entry.path;
      if (entry.type === 'tree') await walk(entry.oid, `${full}/`);
      else if (entry.type === 'blob' && entry.mode !== '120000')
        out.set(full, { oid: entry.oid, mode: entry.mode === EXECUTABLE_MODE ? EXECUTABLE_MODE : FILE_MODE });
    }
  };
  await walk(treeOid, '');
  return out;
}

/**
 * Writes `bytes` into the repository as a blob, under its writer, and returns the id: how a
 * binary file's content enters a session (upload, import) before any commit references it.
 * Writing a blob that exists already is harmless (same id, same bytes).
 */
export async function writeBlob(repo: Repo, bytes: Uint8Array): Promise<string> {
  const oid = hashObject('blob', bytes);
  await repo.write(() => writeObjects(repo, [{ type: 'blob', oid, content: bytes }]));
  return oid;
}

/** The bytes of blob `oid`. */
export async function readBlobBytes(repo: Repo, oid: string): Promise<Uint8Array> {
  const { blob } = await git.readBlob({ ...repo.git, oid });
  return blob;
}

/** Whether the repository holds object `oid` (loose or packed). */
export async function hasObject(repo: Repo, oid: string): Promise<boolean> {
  try {
    await git.readObject({ ...repo.git, oid, format: 'deflated' });
    return true;
  } catch {
    return false;
  }
}

/** A commit's author or committer. */
export interface Identity {
  name: string;
  email: string;
}

/**
 * Makes a name and email safe for a git ident line (`Name <email> time zone`): `<`, `>` and
 * control characters would make git fsck reject the commit, and an empty name is replaced.
 */
export function cleanIdentity(who: Identity): Identity {
  if (!who || typeof who !== 'object')
    throw new AppError('ERR_VALIDATION', 'An author needs a name and an email.');
  const strip = (s: unknown) =>
    String(s ?? '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters
      .replace(/[<>\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const email = strip(who.email).replace(/ /g, '');
  const name = strip(who.name) || email.split('@')[0] || 'Unknown';
  return { name, email };
}

/** Formats a git ident: `Name <email> 1700000000 +0000`. */
export function formatIdent(who: Identity, time: Date): string {
  const seconds = Math.floor(time.getTime() / 1000);
  return `${who.name} <${who.email}> ${seconds} +0000`;
}

/** Serializes a commit object's content. `message` must already end in a newline. */
export function serializeCommit(c: {
  tree: string;
  parents: readonly string[];
  author: Identity;
  committer: Identity;
  time: Date;
  message: string;
}): Buffer {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${formatIdent(c.author, c.time)}`, `committer ${formatIdent(c.committer, c.time)}`);
  return Buffer.from(`${lines.join('\n')}\n\n${c.message}`, 'utf8');
}
