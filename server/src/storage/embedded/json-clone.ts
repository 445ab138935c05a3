/**
 * A deep copy of JSON-shaped data that shares strings instead of copying them.
 *
 * ShareDB's OT types mutate snapshot data in place (json0's `apply`), so the adapter must never
 * hand out an object its cache still holds. `JSON.parse(JSON.stringify(x))` would do, but it
 * copies every character of a document's text: ~1 ms per op on a 1 MB file. Strings are
 * immutable in JavaScript, so sharing them is safe and the copy costs O(structure), which for a
 * Gitpad file (`{ text }`) is one object.
 */
import { CLONE } from './chunked-text.js';

export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  // Values that know how to copy themselves cheaply (the server's chunked document text).
  const own = (value as { [CLONE]?: () => T })[CLONE];
  if (typeof own === 'function') return own.call(value);
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  // Like JSON: own enumerable keys only, into a plain object (a class instance such as a
  // rich-text Delta becomes plain data, which its type accepts back).
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = cloneJson(item);
  }
  return out as T;
}
