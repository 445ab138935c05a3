/**
 * Binary files: what counts as one, and how the session manifest lists it. Shared with the
 * client (no Node imports).
 *
 * A binary file is a git blob the manifest names by id (`ManifestBlob`); it never becomes a
 * ShareDB text document. Its bytes are written into the session's repository when they arrive
 * (upload, import, push), so a commit only references the blob, and it travels through commit,
 * clone, revert, delete/restore and download byte for byte (docs/protocol.md, "Binary files").
 */

/** The `language` of every binary file in the manifest. */
export const BINARY_LANGUAGE = 'binary';

/** Git file modes a session keeps: a regular file, or one with its executable bit set. */
export type FileMode = '100644' | '100755';

/** An executable file's mode: kept from imports and pushes (the manifest's `mode`). */
export const EXECUTABLE_MODE = '100755' as const;

/** The manifest's record of a binary file's content: its git blob. */
export interface ManifestBlob {
  /** The blob's git object id (40 hex digits), already written into the session's repository. */
  oid: string;
  /** Its length in bytes. */
  size: number;
}

/** Bytes scanned for a NUL, as git does (`buffer_is_binary` looks at the first 8000). */
const NUL_SCAN_BYTES = 8000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Whether `bytes` are a binary file rather than text: a NUL among the first 8000 bytes (git's
 * own rule, so `git diff` agrees with us), or not valid UTF-8 anywhere (a text document holds
 * Unicode text; decoding anything else would change the bytes). Size plays no part: text past
 * the text limit is refused as too large, never turned into a blob.
 */
export function isBinaryContent(bytes: Uint8Array): boolean {
  const scan = Math.min(bytes.length, NUL_SCAN_BYTES);
  for (let i = 0; i < scan; i++) if (bytes[i] === 0) return true;
  try {
    strictUtf8.decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/** Image types a binary file may be previewed as, by extension: served with this Content-Type. */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
  avif: 'image/avif',
};

/** The image Content-Type for `path` by its extension, or null when it is not a previewable image. */
export function imageTypeForPath(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return null;
  return IMAGE_TYPES[path.slice(dot + 1).toLowerCase()] ?? null;
}
