/**
 * Files dropped or picked for an import, read into `{path, file}` pairs and zipped in the browser
 * (fflate) for `POST /import`. Folders dropped from the OS are walked with the DataTransfer entry
 * API (`webkitGetAsEntry`), keeping their own name as the top folder, as a file manager copies them.
 * A lone `.zip` is sent as it is: its contents are the import.
 */
import { zip as zipAsync } from 'fflate';

export interface PickedFile {
  /** `/`-separated path inside the import. */
  path: string;
  file: File;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ path, file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches (100 in Chromium) until it answers none.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/** Whether a drag carries files from outside the page (the OS), not one of our own rows. */
export function isFileDrag(event: DragEvent): boolean {
  return Boolean(event.dataTransfer?.types.includes('Files'));
}

/** The files of a drop, folders walked. Entries are taken synchronously, before the event ends. */
export async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const files = [...data.files];
  const out: PickedFile[] = [];
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    for (const entry of entries) await walk(entry!, '', out);
    return out;
  }
  return files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Files picked with an `<input type=file>` (with `webkitdirectory`, paths include the folder). */
export function pickedFiles(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** The zip to send: a lone `.zip` as it is, else the files zipped here. */
export async function toZip(files: readonly PickedFile[]): Promise<Blob> {
  if (files.length === 1 && /\.zip$/i.test(files[0]!.path)) return files[0]!.file;
  const tree: Record<string, Uint8Array> = {};
  for (const f of files) tree[f.path] = new Uint8Array(await f.file.arrayBuffer());
  const bytes = await new Promise<Uint8Array>((resolve, reject) =>
    zipAsync(tree, { level: 6 }, (err, data) => (err ? reject(err) : resolve(data))),
  );
  return new Blob([bytes as BlobPart], { type: 'application/zip' });
}
