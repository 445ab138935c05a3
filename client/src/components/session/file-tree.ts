/**
 * The file tree as nested nodes, built from flat file paths plus the folders the manifest keeps
 * (which may be empty). Folders first, then files, each by name. Pure: tested without a browser.
 */
// Relative, not `@protocol/paths`: this module is also tested under plain Node, which knows no alias.
import {
  checkPath,
  folderClash,
  newEntryNameProblem,
  type PathCheck,
  pathClash,
  resolvePath,
} from '../../../../server/src/protocol/paths';

export interface TreeFile {
  kind: 'file';
  id: string;
  name: string;
  path: string;
}

export interface TreeFolder {
  kind: 'folder';
  name: string;
  /** Full path without trailing slash; '' for the root. */
  path: string;
  children: TreeNode[];
}

export type TreeNode = TreeFile | TreeFolder;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function sortNodes(nodes: TreeNode[]): void {
  nodes.sort((a, b) => (a.kind === b.kind ? collator.compare(a.name, b.name) : a.kind === 'folder' ? -1 : 1));
  for (const node of nodes) if (node.kind === 'folder') sortNodes(node.children);
}

export function buildTree(
  files: readonly { id: string; path: string }[],
  keptFolders: readonly string[] = [],
): TreeFolder {
  const root: TreeFolder = { kind: 'folder', name: '', path: '', children: [] };
  const folders = new Map<string, TreeFolder>([['', root]]);

  const folderAt = (path: string): TreeFolder => {
    const existing = folders.get(path);
    if (existing) return existing;
    const slash = path.lastIndexOf('/');
    const parent = folderAt(slash < 0 ? '' : path.slice(0, slash));
    const folder: TreeFolder = { kind: 'folder', name: path.slice(slash + 1), path, children: [] };
    parent.children.push(folder);
    folders.set(path, folder);
    return folder;
  };

  for (const folder of keptFolders) if (folder) folderAt(folder);
  for (const file of files) {
    const slash = file.path.lastIndexOf('/');
    const parent = folderAt(slash < 0 ? '' : file.path.slice(0, slash));
    parent.children.push({ kind: 'file', id: file.id, name: file.path.slice(slash + 1), path: file.path });
  }
  sortNodes(root.children);
  return root;
}

/** The folder part of a path ('' at the root). */
export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `name` inside `folder`. */
export function joinPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/**
 * Why `name` cannot be one file or folder name, or null: the server's own rule for a new name
 * (protocol/paths.ts), checked before asking it (it still has the final word).
 */
export function nameProblem(name: string): string | null {
  if (!name.trim()) return 'Enter a name.';
  if (name.includes('/')) return 'A name cannot contain “/”.';
  return newEntryNameProblem(name.normalize('NFC'));
}

/**
 * Why a file or folder cannot be made (or moved) at `path` beside `files`, or null: the server's
 * path rule, then its clash rule (taken, a file where a folder is, or differing only in case).
 * `moving` holds the paths being moved away, which do not count.
 */
export function pathProblem(
  path: string,
  files: readonly { path: string }[],
  moving: (path: string) => boolean = () => false,
  folders: readonly string[] = [],
): string | null {
  const checked = checkPath(path);
  if (!checked.ok) return checked.reason;
  for (const file of files) {
    if (moving(file.path)) continue;
    const clash = pathClash(checked.path, file.path);
    if (clash) return clash;
  }
  for (const folder of folders) {
    const clash = folderClash(folder, checked.path, false);
    if (clash) return clash;
  }
  return null;
}

/**
 * Why a new folder cannot be made at `path`, or null: the path rule, then the server's clash rule
 * for folders (it exists, a file has its name, or differs only in case).
 */
export function folderProblem(
  path: string,
  files: readonly { path: string }[],
  folders: readonly string[],
): string | null {
  const checked = checkPath(path);
  if (!checked.ok) return checked.reason;
  if (files.some((f) => f.path.startsWith(`${checked.path}/`))) return `"${checked.path}" already exists.`;
  for (const file of files) {
    const clash = folderClash(checked.path, file.path, false);
    if (clash) return clash;
  }
  for (const folder of folders) {
    const clash = folderClash(checked.path, folder, true);
    if (clash) return clash;
  }
  return null;
}

/**
 * What someone typed as a name or a path, resolved from `folder`: `main.py`, `src/main.py` and
 * `../web/lib.rs` are relative to it, `/web/lib.rs` starts at the top (protocol/paths.ts
 * resolvePath). The result still goes through `pathProblem` / `folderProblem`.
 */
export function typedPath(folder: string, typed: string): PathCheck {
  const text = typed.trim();
  if (!text) return { ok: false, reason: 'Enter a name.' };
  return resolvePath(folder, text.normalize('NFC'));
}
