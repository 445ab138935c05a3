/**
 * The real editing traces in /work/shared/data/traces (format: that folder's README.md). Patches
 * are `[position, deleteCount, insertText]` in code points; these traces have no astral
 * characters, so code points are UTF-16 offsets and plain string slicing replays them exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { TextOp } from './clients.js';

export const TRACES_DIR = process.env.GITPAD_TRACES_DIR ?? '/work/shared/data/traces';

export type Patch = [pos: number, del: number, ins: string];

export interface SequentialTrace {
  startContent: string;
  endContent: string;
  txns: Array<{ time?: string; patches: Patch[] }>;
}

export interface ConcurrentTrace {
  kind: 'concurrent';
  endContent: string;
  numAgents: number;
  txns: Array<{ parents: number[]; agent: number; patches: Patch[] }>;
}

export function loadTrace<T>(file: string): T {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as T;
}

/** The sequential traces (top level of `sequential/`, not the ascii_only copies), by name. */
export function sequentialTraceFiles(): Array<{ name: string; file: string }> {
  const dir = path.join(TRACES_DIR, 'sequential');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json\.gz$/, ''), file: path.join(dir, f) }));
}

export function concurrentTraceFile(name = 'friendsforever'): string {
  return path.join(TRACES_DIR, 'concurrent', `${name}.json.gz`);
}

/**
 * One txn's patches as one json0 op against `text` (the text before the txn), and the text after.
 * Each patch is a delete (with the exact text deleted, as json0 needs) then an insert; json0
 * applies an op's components one after another, as the trace's patches are meant to be applied.
 */
export function patchesToOp(text: string, patches: Patch[]): { op: TextOp; text: string } {
  const op: TextOp = [];
  for (const [pos, del, ins] of patches) {
    if (del > 0) {
      op.push({ p: ['text', pos], sd: text.slice(pos, pos + del) });
    }
    if (ins.length > 0) op.push({ p: ['text', pos], si: ins });
    text = text.slice(0, pos) + ins + text.slice(pos + del);
  }
  return { op, text };
}

/** The text after applying the first `count` txns of a sequential trace. */
export function replayLocally(trace: SequentialTrace, count: number): string {
  let text = trace.startContent;
  for (let i = 0; i < count && i < trace.txns.length; i++) {
    for (const [pos, del, ins] of trace.txns[i]!.patches)
      text = text.slice(0, pos) + ins + text.slice(pos + del);
  }
  return text;
}
