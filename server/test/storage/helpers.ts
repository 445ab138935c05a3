/** Shared by the storage tests: temp dirs, the generic→Mongo-style query mapping, test databases. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp dir; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'gitpad-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * ShareDB's conformance suite speaks a "generic" query ({query, sort}); both of our document
 * stores take MongoDB-style queries, so map it the way sharedb-mongo's own tests do.
 */
export function mongoStyleQuery(generic: { query: Record<string, unknown>; sort?: Array<[string, 1 | -1]> }) {
  const query: Record<string, unknown> = { ...generic.query };
  if (generic.sort) query.$sort = Object.fromEntries(generic.sort);
  return query;
}

/**
 * The MongoDB URL from the environment with its database replaced by a fresh, throwaway one,
 * so a test run never touches real data (the tests drop it).
 */
export function throwawayMongoUrl(base: string, label: string): string {
  const url = new URL(base);
  url.pathname = `/gitpad_test_${label}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}
