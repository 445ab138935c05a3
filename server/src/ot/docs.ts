/** Promise wrappers for the server's own ShareDB document calls (server connection, full rights). */
import type ShareDB from 'sharedb';

/** An in-process ShareDB connection (`backend.connect()`). */
export type Connection = ReturnType<ShareDB['connect']>;
type Doc = ReturnType<Connection['get']>;
/** A ShareDB doc whose data has a known shape. */
export type TypedDoc<T> = Doc & { data: T };

export function fetchDoc<T = unknown>(
  conn: Connection,
  collection: string,
  id: string,
): Promise<TypedDoc<T>> {
  const doc = conn.get(collection, id) as TypedDoc<T>;
  return new Promise((resolve, reject) => doc.fetch((err: unknown) => (err ? reject(err) : resolve(doc))));
}

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

/** Fetches, runs `fn`, and releases the doc from the connection so server docs do not pile up. */
export async function withDoc<T, R>(
  conn: Connection,
  collection: string,
  id: string,
  fn: (doc: TypedDoc<T>) => Promise<R>,
): Promise<R> {
  const doc = await fetchDoc<T>(conn, collection, id);
  try {
    return await fn(doc);
  } finally {
    doc.destroy();
  }
}
