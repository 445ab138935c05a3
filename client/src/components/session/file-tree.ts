/**
 * The file tree as nested nodes, built from flat file paths plus folders that exist only in this
 * tab (empty ones). Folders first, then files, each by name. Pure: tested without a browser.
 */

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
  emptyFolders: readonly string[] = [],
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

  for (const folder of emptyFolders) if (folder) folderAt(folder);
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
 * A quick check before asking the server (which has the final word): a name is one path
 * segment, not empty, not "." or "..".
 */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a name.';
  if (trimmed.includes('/') || trimmed.includes('\\')) return 'A name cannot contain “/”.';
  if (trimmed === '.' || trimmed === '..') return 'That name is reserved.';
  return null;
}
