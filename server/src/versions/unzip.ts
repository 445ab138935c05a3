/**
 * Reading an import zip, defensively: entries are
 * read from the central directory one at a time and inflated as streams; every inflated byte is
 * counted against the per-file and the total caps as it arrives, so a zip that lies about its sizes
 * (a zip bomb) is stopped at the cap, not after, and one that inflates past the size it claims is
 * refused as a bomb the moment it does. Absolute and `..` names, symlinks, and too many
 * entries are refused with their codes before anything is written.
 */
import yauzl from 'yauzl';
import { AppError } from '../errors/app-error.js';
import { EXECUTABLE_MODE } from '../protocol/binary.js';

export interface UnzipLimits {
  /** Most bytes one file may inflate to. */
  maxEntryBytes: number;
  /** Most bytes all files together may inflate to (ERR_ZIP_BOMB past it). */
  maxTotalBytes: number;
  /** Most entries, files and folders (ERR_ZIP_BOMB past it). */
  maxEntries: number;
}

export interface UnzippedFile {
  /** `/`-separated, relative, no `.` or `..` segments (not yet checked against the path rule). */
  path: string;
  bytes: Buffer;
  /** Set when the zip (made on Unix) marks the file executable. */
  mode?: typeof EXECUTABLE_MODE;
}

/** Unix file type bits in a zip's external attributes (high 16 bits, zips made on Unix). */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
/** The general purpose flag saying the name is UTF-8 (else CP437, read as Latin-1 here). */
const UTF8_FLAG = 0x800;

/**
 * The name of an entry as a relative `/` path, or an AppError: absolute names (`/x`, `C:\x`,
 * `\\server\x`) and names with a `..` segment are refused (ERR_INVALID_PATH); `\` counts as `/`
 * (zips made on Windows); `.` segments and empty segments are dropped.
 */
export function entryPath(raw: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    throw new AppError('ERR_INVALID_PATH', `"${raw}": an absolute path in the zip is refused.`, {
      entry: raw,
    });
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw new AppError('ERR_INVALID_PATH', `"${raw}": a ".." path in the zip is refused.`, { entry: raw });
  return segments.join('/');
}

function open(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, strictFileNames: false },
      (err, zip) => (err || !zip ? reject(err) : resolve(zip)),
    ),
  );
}

/** Inflates one entry, counting real bytes against `room` (what is left of the caps). */
function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string, limits: UnzipLimits, used: number) {
  return new Promise<Buffer>((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // More than the entry claims is a lie meant to get past the caps: a bomb, whatever its size.
        if (used + size > limits.maxTotalBytes || size > entry.uncompressedSize) {
          stream.destroy();
          reject(bomb(limits));
        } else if (size > limits.maxEntryBytes) {
          stream.destroy();
          reject(tooLarge(path, limits));
        } else chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

function bomb(limits: UnzipLimits): AppError {
  return new AppError(
    'ERR_ZIP_BOMB',
    `The zip expands past ${limits.maxTotalBytes} bytes or ${limits.maxEntries} entries, the most one import may hold.`,
    { maxBytes: limits.maxTotalBytes, maxEntries: limits.maxEntries },
  );
}

function tooLarge(path: string, limits: UnzipLimits): AppError {
  return new AppError('ERR_TOO_LARGE', `"${path}" is larger than ${limits.maxEntryBytes} bytes.`, {
    path,
    maxBytes: limits.maxEntryBytes,
  });
}

/**
 * Every file of the zip in `buffer`, in the zip's order (folders only shape paths). `skip(path)`
 * names files not to inflate at all (ignored ones): their names are still checked. Throws
 * ERR_INVALID_ZIP (unreadable), ERR_INVALID_PATH, ERR_SYMLINK, ERR_TOO_LARGE, ERR_ZIP_BOMB.
 */
export async function unzip(
  buffer: Buffer,
  limits: UnzipLimits,
  skip: (path: string) => boolean = () => false,
): Promise<{ files: UnzippedFile[]; skipped: string[] }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await open(buffer);
  } catch {
    throw new AppError('ERR_INVALID_ZIP', 'The body is not a readable zip archive.');
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw bomb(limits);
  }
  const files: UnzippedFile[] = [];
  const skipped: string[] = [];
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err) =>
        reject(
          err instanceof AppError
            ? err
            : new AppError('ERR_INVALID_ZIP', `The zip is damaged: ${err.message}`),
        ),
      );
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        (async () => {
          const nameBytes = entry.fileName as unknown as Buffer;
          const raw = nameBytes.toString(entry.generalPurposeBitFlag & UTF8_FLAG ? 'utf8' : 'latin1');
          const path = entryPath(raw);
          const unix = entry.versionMadeBy >> 8 === 3;
          const mode = unix ? entry.externalFileAttributes >>> 16 : 0;
          const isDir =
            raw.endsWith('/') || (mode & S_IFMT) === S_IFDIR || (entry.externalFileAttributes & 0x10) !== 0;
          if (!isDir && path !== '') {
            // Left out (ignored): not inflated, so its size and kind do not matter (the links
            // in node_modules/.bin, say); its name was checked all the same.
            if (skip(path)) skipped.push(path);
            else {
              if ((mode & S_IFMT) === S_IFLNK)
                throw new AppError(
                  'ERR_SYMLINK',
                  `"${path}" is a symbolic link: a session holds only regular files.`,
                  {
                    path,
                  },
                );
              if (entry.uncompressedSize > limits.maxEntryBytes) throw tooLarge(path, limits);
              const bytes = await inflate(zip, entry, path, limits, total);
              total += bytes.length;
              files.push({ path, bytes, ...(unix && mode & 0o111 ? { mode: EXECUTABLE_MODE } : {}) });
            }
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('ERR_INVALID_ZIP', 'The zip is damaged and cannot be read.');
  } finally {
    zip.close();
  }
  return { files, skipped };
}
