/** Promise wrappers for the server's own ShareDB document calls (server connection, full rights). */
import type ShareDB from 'sharedb';

/** An in-process ShareDB connection (`backend.connect()`). */
export type Connection = ReturnType<ShareDB['connect']>;
type Doc = ReturnType<Connection['get']>;
/** A ShareDB doc whose data has a known shape. */
export type TypedDoc<T> = Doc & { data: T };

export function createDoc(doc: Doc, data: unknown): Promise<void> {
  return new Promise((resolve, reject) => doc.create(data, (err) => (err ? reject(err) : resolve())));
}

export function submitOp(doc: Doc, op: unknown, source?: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    // biome-ignore lint/suspicious/noExplicitAny: json0 ops are untyped in sharedb's typings
    doc.submitOp(op as any, source === undefined ? {} : { source }, (err) => (err ? reject(err) : resolve())),
  );
}

export function deleteDoc(doc: Doc): Promise<void> {
  return new Promise((resolve, reject) => doc.del({}, (err) => (err ? reject(err) : resolve())));
}

/** Docs held by `withDoc` callers, per connection: a doc is destroyed only when its last user is done. */
const held = new WeakMap<Connection, Map<string, { doc: Doc; users: number }>>();

/**
 * Fetches, runs `fn`, and releases the doc so server docs do not pile up. `connection.get`
 * returns the one Doc object per id, so concurrent callers share it: it is destroyed only when
 * the last of them is done (destroying it under another caller would cut that caller's fetch
 * or submit short).
 */
export async function withDoc<T, R>(
  conn: Connection,
  collection: string,
  id: string,
  fn: (doc: TypedDoc<T>) => Promise<R>,
): Promise<R> {
  let docs = held.get(conn);
  if (!docs) {
    docs = new Map();
    held.set(conn, docs);
  }
  const key = `${collection}\u0000${id}`;
  let entry = docs.get(key);
  if (!entry) {
    entry = { doc: conn.get(collection, id), users: 0 };
    docs.set(key, entry);
  }
  entry.users++;
  try {
    const doc = entry.doc as TypedDoc<T>;
    await new Promise<void>((resolve, reject) =>
      doc.fetch((err: unknown) => (err ? reject(err) : resolve())),
    );
    return await fn(doc);
  } finally {
    if (--entry.users === 0) {
      docs.delete(key);
      entry.doc.destroy();
    }
  }
}
