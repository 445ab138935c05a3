/**
 * The query language of the embedded ShareDB adapter: a small, documented subset of MongoDB's,
 * evaluated in JavaScript over snapshot data, so that a query written for sharedb-mongo means
 * the same here.
 *
 * Supported:
 * - field conditions on `data`, with dotted paths (`'files.a1.path'`):
 *   - a literal: deep equality; an array field also matches when one element equals the literal;
 *   - an operator object: `$eq $ne $gt $gte $lt $lte $in $nin $exists`;
 * - `$and`, `$or`, `$nor` (arrays of such filters);
 * - `$sort: { field: 1 | -1, ... }` (or `[[field, 1 | -1], ...]`), in key order;
 * - `$skip: n`, `$limit: n`;
 * - `$count: true`: no snapshots, the number of matches as the query's `extra`.
 * Anything else throws, rather than silently matching everything.
 *
 * Ordering across types follows MongoDB's: missing/null < numbers < strings < objects < arrays <
 * booleans. `$gt`-style comparisons only match values of the same type, as in MongoDB.
 */

type Filter = Record<string, unknown>;

/** A query split into its filter and its cursor steps. */
export interface ParsedQuery {
  filter: Filter;
  sort: Array<[string, 1 | -1]>;
  skip: number;
  limit: number | null;
  count: boolean;
}

const CURSOR_KEYS = new Set(['$sort', '$skip', '$limit', '$count']);
const LOGICAL_KEYS = new Set(['$and', '$or', '$nor']);

/** Validates and splits a query; throws an Error naming what is not supported. */
export function parseQuery(query: unknown): ParsedQuery {
  const input = query ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('A query must be an object');
  const filter: Filter = {};
  const parsed: ParsedQuery = { filter, sort: [], skip: 0, limit: null, count: false };
  for (const [key, value] of Object.entries(input)) {
    if (key === '$sort') parsed.sort = parseSort(value);
    else if (key === '$skip') parsed.skip = nonNegativeInt(key, value);
    else if (key === '$limit') parsed.limit = nonNegativeInt(key, value);
    else if (key === '$count') {
      if (value !== true) throw new Error('$count must be true');
      parsed.count = true;
    } else filter[key] = value;
  }
  checkFilter(filter);
  return parsed;
}

/** Whether the query can be re-evaluated one document at a time (no ordering or paging). */
export function isDocLocal(query: unknown): boolean {
  if (query == null || typeof query !== 'object') return true;
  return !Object.keys(query).some((key) => CURSOR_KEYS.has(key));
}

/** Runs a parsed query over snapshots that exist (type not null). */
export function runQuery<T extends { data: unknown }>(
  snapshots: T[],
  query: ParsedQuery,
): { snapshots: T[]; extra?: number } {
  let results = snapshots.filter((s) => matchesFilter(s.data, query.filter));
  if (query.sort.length) results.sort((a, b) => compareBySort(a.data, b.data, query.sort));
  if (query.skip) results = results.slice(query.skip);
  if (query.limit != null) results = results.slice(0, query.limit);
  if (query.count) return { snapshots: [], extra: results.length };
  return { snapshots: results };
}

/** Whether `data` satisfies `filter` (a parsed query's filter part). */
export function matchesFilter(data: unknown, filter: Filter): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and') {
      if (!(condition as Filter[]).every((f) => matchesFilter(data, f))) return false;
    } else if (key === '$or') {
      if (!(condition as Filter[]).some((f) => matchesFilter(data, f))) return false;
    } else if (key === '$nor') {
      if ((condition as Filter[]).some((f) => matchesFilter(data, f))) return false;
    } else if (!matchesCondition(getPath(data, key), condition)) {
      return false;
    }
  }
  return true;
}

function checkFilter(filter: Filter): void {
  for (const [key, condition] of Object.entries(filter)) {
    if (LOGICAL_KEYS.has(key)) {
      if (!Array.isArray(condition) || condition.length === 0) {
        throw new Error(`${key} must be a non-empty array of filters`);
      }
      for (const sub of condition) {
        if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) {
          throw new Error(`${key} must be a non-empty array of filters`);
        }
        checkFilter(sub as Filter);
      }
    } else if (key.startsWith('$')) {
      throw new Error(`Unsupported query operator ${key}`);
    } else if (isOperatorObject(condition)) {
      for (const [op, operand] of Object.entries(condition)) {
        if (!OPERATORS.has(op)) throw new Error(`Unsupported query operator ${op} on ${key}`);
        if ((op === '$in' || op === '$nin') && !Array.isArray(operand))
          throw new Error(`${op} needs an array`);
      }
    }
  }
}

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function matchesCondition(actual: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return equalsOrContains(actual, condition);
  for (const [op, operand] of Object.entries(condition)) {
    let ok: boolean;
    switch (op) {
      case '$eq':
        ok = equalsOrContains(actual, operand);
        break;
      case '$ne':
        ok = !equalsOrContains(actual, operand);
        break;
      case '$in':
        ok = (operand as unknown[]).some((v) => equalsOrContains(actual, v));
        break;
      case '$nin':
        ok = !(operand as unknown[]).some((v) => equalsOrContains(actual, v));
        break;
      case '$exists':
        ok = (actual !== undefined) === Boolean(operand);
        break;
      default:
        ok = compareOperator(op, actual, operand);
    }
    if (!ok) return false;
  }
  return true;
}

function compareOperator(op: string, actual: unknown, operand: unknown): boolean {
  // MongoDB compares within one type only: {age: {$gt: 3}} never matches age "10".
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some((value) => {
    if (typeof value !== typeof operand || (typeof value !== 'number' && typeof value !== 'string')) {
      return false;
    }
    const c = compareValues(value, operand);
    if (op === '$gt') return c > 0;
    if (op === '$gte') return c >= 0;
    if (op === '$lt') return c < 0;
    return c <= 0;
  });
}

function equalsOrContains(actual: unknown, expected: unknown): boolean {
  if (deepEqual(actual, expected)) return true;
  // {tags: 'x'} matches tags: ['x', 'y'], and {x: null} matches a missing x, as in MongoDB.
  if (Array.isArray(actual) && !Array.isArray(expected)) return actual.some((v) => deepEqual(v, expected));
  return expected === null && actual === undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Filter)[k], (b as Filter)[k]));
}

function getPath(data: unknown, path: string): unknown {
  let value = data;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Filter)[part];
  }
  return value;
}

function parseSort(value: unknown): Array<[string, 1 | -1]> {
  const entries = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : null;
  if (!entries) throw new Error('$sort must be an object of field: 1 | -1');
  return entries.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || (entry[1] !== 1 && entry[1] !== -1)) {
      throw new Error('$sort must be an object of field: 1 | -1');
    }
    return [entry[0], entry[1]];
  });
}

function nonNegativeInt(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${key} must be a non-negative integer`);
  }
  return value;
}

function compareBySort(a: unknown, b: unknown, sort: Array<[string, 1 | -1]>): number {
  for (const [path, direction] of sort) {
    const c = compareValues(getPath(a, path), getPath(b, path));
    if (c !== 0) return c * direction;
  }
  return 0;
}

function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (Array.isArray(value)) return 4;
  if (typeof value === 'object') return 3;
  if (typeof value === 'boolean') return 5;
  return 6;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 || ra === 2 || ra === 5) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ra === 0) return 0;
  // Objects and arrays: a stable, if arbitrary, order.
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
