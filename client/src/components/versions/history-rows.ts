/**
 * The History list as rows (issue 15, item 3): runs of consecutive automatic snapshots collapse
 * into one row, "12 autosaves, 10:02–10:40", so deliberate versions stand out. An autosave that is
 * tagged stays a row of its own: someone named it.
 */
import type { DeepReadonly } from 'vue';
import type { Identity, Version } from '@/api/versions';

export type HistoryRow =
  | { type: 'version'; version: DeepReadonly<Version> }
  | {
      type: 'autosaves';
      /** The newest version's sha: stable while older pages load below. */
      key: string;
      /** Newest first. */
      versions: DeepReadonly<Version>[];
      /** Everyone who authored or co-authored one of them, first seen first. */
      people: DeepReadonly<Identity>[];
    };

/** Groups of at least this many autosaves collapse. */
export const MIN_GROUP = 2;

const collapsible = (v: DeepReadonly<Version>) => v.kind === 'autosave' && v.tags.length === 0;

/** Rows for `list` (newest first). */
export function historyRows(list: readonly DeepReadonly<Version>[]): HistoryRow[] {
  const rows: HistoryRow[] = [];
  let run: DeepReadonly<Version>[] = [];
  const flush = () => {
    if (run.length >= MIN_GROUP) {
      const people = new Map<string, DeepReadonly<Identity>>();
      for (const v of run)
        for (const p of [v.author, ...v.coAuthors]) if (!people.has(p.email)) people.set(p.email, p);
      rows.push({ type: 'autosaves', key: run[0]!.sha, versions: run, people: [...people.values()] });
    } else for (const version of run) rows.push({ type: 'version', version });
    run = [];
  };
  for (const v of list) {
    if (collapsible(v)) {
      run.push(v);
      continue;
    }
    flush();
    rows.push({ type: 'version', version: v });
  }
  flush();
  return rows;
}

const hm = (d: Date) => d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * "12 autosaves, 10:02–10:40" (oldest to newest), with the date when they span days or are not
 * from today.
 */
export function groupLabel(versions: readonly DeepReadonly<Version>[], now = new Date()): string {
  const newest = new Date(versions[0]!.time);
  const oldest = new Date(versions[versions.length - 1]!.time);
  const sameDay = newest.toDateString() === oldest.toDateString();
  const day = (d: Date) => d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const from = `${sameDay && newest.toDateString() === now.toDateString() ? '' : `${day(oldest)} `}${hm(oldest)}`;
  const to = sameDay ? hm(newest) : `${day(newest)} ${hm(newest)}`;
  return `${versions.length} autosaves, ${from === to ? from : `${from}–${to}`}`;
}

/** What to call a version's kind on its row (an autosave says nothing: it is the usual). */
export const KIND_LABELS: Record<Version['kind'], string> = {
  autosave: '',
  save: 'Saved',
  revert: 'Revert',
  import: 'Import',
  push: 'Push',
  before: 'Safety copy',
  delete: 'Delete',
  move: 'Move',
  replace: 'Replace',
};
