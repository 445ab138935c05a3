/**
 * Search across files as the Search panel shows it: the query and its options, the replacement,
 * and the last results grouped by file. Kept while the panel is closed, so reopening it shows
 * where you were. Plain data; the panel runs the requests through `search` and `replaceAll`.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { type ReplaceResponse, type SearchHit, searchApi } from '@/api/search';

export interface FileHits {
  path: string;
  hits: SearchHit[];
}

export const useSearchStore = defineStore('search', () => {
  const sessionId = ref<string | null>(null);
  const q = ref('');
  const regex = ref(false);
  const matchCase = ref(false);
  const word = ref(false);
  const replacement = ref('');
  /** The last answer; null before the first search (or after the query was cleared). */
  const results = ref<SearchHit[] | null>(null);
  const truncated = ref(false);
  const busy = ref(false);
  /** Bumped per request: an older answer arriving late is dropped. */
  let seq = 0;

  const byFile = computed<FileHits[]>(() => {
    const groups: FileHits[] = [];
    for (const hit of results.value ?? []) {
      const last = groups[groups.length - 1];
      if (last?.path === hit.path) last.hits.push(hit);
      else groups.push({ path: hit.path, hits: [hit] });
    }
    return groups;
  });

  const query = () => ({ q: q.value, regex: regex.value, case: matchCase.value, word: word.value });

  /** Switches to another session: what was searched in the last one goes. */
  function forSession(id: string): void {
    if (sessionId.value === id) return;
    sessionId.value = id;
    q.value = '';
    replacement.value = '';
    results.value = null;
    truncated.value = false;
  }

  /** Runs the current query; errors are thrown for the panel to show. */
  async function search(): Promise<void> {
    const id = sessionId.value;
    const mine = ++seq;
    if (!id || !q.value) {
      results.value = null;
      truncated.value = false;
      busy.value = false;
      return;
    }
    busy.value = true;
    try {
      const answer = await searchApi.search(id, query());
      if (mine !== seq) return;
      results.value = answer.results;
      truncated.value = answer.truncated;
    } catch (e) {
      if (mine === seq) results.value = null;
      throw e;
    } finally {
      if (mine === seq) busy.value = false;
    }
  }

  /** Replaces every match (or those in `paths`), then searches again. */
  async function replaceAll(paths?: string[]): Promise<ReplaceResponse> {
    const id = sessionId.value;
    if (!id) throw new Error('no session');
    busy.value = true;
    try {
      return await searchApi.replace(id, query(), replacement.value, paths);
    } finally {
      busy.value = false;
      await search().catch(() => undefined);
    }
  }

  return {
    q,
    regex,
    matchCase,
    word,
    replacement,
    results,
    truncated,
    busy,
    byFile,
    forSession,
    search,
    replaceAll,
  };
});
