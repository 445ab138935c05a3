/**
 * A small zip writer for the live state of a session (`GET /api/sessions/:id/archive.zip`): the
 * live text is not a git tree, and building one would write objects into the repository for a
 * mere download, so the zip is written here, entry by entry (deflate from node:zlib, CRC-32 from
 * zlib.crc32). Plain zip (no zip64): entries and the whole archive stay far below 4 GiB, as files
 * are capped by MAX_FILE_CHARS and sessions by MAX_FILES_PER_SESSION. Names are UTF-8 (flag bit
 * 11); folders are `name/` entries, so empty folders come out too.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

export type ZipEntry = { path: string; content: Buffer } | { path: string; folder: true };

/** MS-DOS date and time of `at` (local time, 2 s precision), as zip headers hold them. */
function dosTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date: (Math.max(0, at.getFullYear() - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}

/** Streams a zip of `entries`, in order; file entries' paths have no trailing `/`. */
export function zipStream(entries: readonly ZipEntry[], at = new Date()): Readable {
  return Readable.from(zipChunks(entries, at), { objectMode: false });
}

async function* zipChunks(entries: readonly ZipEntry[], at: Date): AsyncGenerator<Buffer> {
  const { time, date } = dosTime(at);
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const folder = 'folder' in entry;
    const name = Buffer.from(folder ? `${entry.path}/` : entry.path, 'utf8');
    const raw = folder ? Buffer.alloc(0) : entry.content;
    const data = folder ? raw : await deflateRaw(raw);
    const crc = folder ? 0 : zlib.crc32(raw);
    const method = folder ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate, folders)
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, so the mode below counts
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(method, 10);
    head.writeUInt16LE(time, 12);
    head.writeUInt16LE(date, 14);
    head.writeUInt32LE(crc >>> 0, 16);
    head.writeUInt32LE(data.length, 20);
    head.writeUInt32LE(raw.length, 24);
    head.writeUInt16LE(name.length, 28);
    // extra, comment, disk, internal attributes: 0
    const mode = folder ? 0o40755 : 0o100644;
    head.writeUInt32LE(((mode << 16) | (folder ? 0x10 : 0)) >>> 0, 38);
    head.writeUInt32LE(offset, 42);
    central.push(head, name);
    yield Buffer.concat([local, name]);
    if (data.length > 0) yield data;
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  yield directory;
  yield end;
}
