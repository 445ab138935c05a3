/**
 * Trace replay, run inside a load generator process.
 *
 * - Sequential: one ShareDB client replays a trace txn by txn, each txn one op, submitted and
 *   acknowledged before the next (closed loop).
 * - Concurrent (friendsforever): one ShareDB client per agent, each replaying its own txns while
 *   the other's arrive through the server. See `replayConcurrent` for how each agent is made to
 *   see exactly what the trace says it saw.
 */
import {
  type ClientDoc,
  FullClient,
  fetchText,
  json0,
  now,
  submitOp,
  subscribeDoc,
  type TextOp,
} from '../clients.js';
import { summarize } from '../stats.js';
import {
  type ConcurrentTrace,
  loadTrace,
  patchesToOp,
  replayLocally,
  type SequentialTrace,
} from '../traces.js';

export interface SequentialJob {
  url: string;
  token: string;
  c: string;
  d: string;
  file: string;
  /** Replay only the first `limit` txns (quick mode); the expected text is then replayed locally. */
  limit?: number;
  /** Check the text a fresh connection fetches too (not on the floor, which keeps no text). */
  fetchCheck: boolean;
}

export interface SequentialResult {
  edits: number;
  ms: number;
  editsPerSec: number;
  ack: ReturnType<typeof summarize>;
  textOk: boolean;
  fetchedOk: boolean | null;
  finalLength: number;
}

export async function replaySequential(job: SequentialJob): Promise<SequentialResult> {
  const trace = loadTrace<SequentialTrace>(job.file);
  const count = Math.min(job.limit ?? trace.txns.length, trace.txns.length);
  const expected = count === trace.txns.length ? trace.endContent : replayLocally(trace, count);
  const client = await FullClient.connect(job.url, job.token);
  try {
    const doc = client.doc(job.c, job.d);
    await subscribeDoc(doc);
    const latencies = new Float64Array(count);
    const start = now();
    for (let i = 0; i < count; i++) {
      const { op } = patchesToOp((doc.data as { text: string }).text, trace.txns[i]!.patches);
      const t = now();
      await submitOp(doc, op);
      latencies[i] = now() - t;
    }
    const ms = now() - start;
    const text = (doc.data as { text: string }).text;
    const fetched = job.fetchCheck ? await fetchText(job.url, job.token, job.c, job.d) : null;
    return {
      edits: count,
      ms,
      editsPerSec: (count / ms) * 1000,
      ack: summarize(latencies),
      textOk: text === expected,
      fetchedOk: fetched === null ? null : fetched === expected,
      finalLength: text.length,
    };
  } finally {
    client.close();
  }
}

export interface ConcurrentJob {
  url: string;
  tokens: string[];
  c: string;
  d: string;
  file: string;
}

export interface ConcurrentResult {
  txns: number;
  ms: number;
  txnsPerSec: number;
  /** Server text (fresh fetch) equals the trace's endContent. */
  textOk: boolean;
  /** Every agent's document equals the fresh fetch, and each agent's own view matches it. */
  converged: boolean;
  /** Ops that reached an agent while the trace said it could not see them yet (kept hidden). */
  maxHidden: number;
  ack: ReturnType<typeof summarize>;
}

const applyText = (text: string, op: TextOp): string => (json0.apply({ text }, op) as { text: string }).text;

/** Ancestor counts per agent for each txn: `seen[i][a]` = how many of agent a's txns txn i saw. */
function visibility(trace: ConcurrentTrace): { seen: Int32Array[]; ownIndex: Int32Array } {
  const n = trace.numAgents;
  const counts = new Int32Array(n);
  const ownIndex = new Int32Array(trace.txns.length);
  const seen: Int32Array[] = [];
  trace.txns.forEach((txn, i) => {
    const vc = new Int32Array(n);
    for (const p of txn.parents) {
      if (p >= i) throw new Error(`txn ${i} has a later parent ${p}`);
      const pv = seen[p]!;
      for (let a = 0; a < n; a++) vc[a] = Math.max(vc[a]!, pv[a]!);
      const pa = trace.txns[p]!.agent;
      vc[pa] = Math.max(vc[pa]!, ownIndex[p]! + 1);
    }
    ownIndex[i] = counts[txn.agent]!++;
    // Each agent's txns must form a chain (an agent sees all its own earlier edits), so that what an
    // agent has seen of another is a prefix of that agent's txns.
    if (vc[txn.agent] !== ownIndex[i]) {
      throw new Error(`txn ${i}: agent ${txn.agent} did not see its own earlier txns`);
    }
    seen.push(vc);
  });
  return { seen, ownIndex };
}

/**
 * Replays a concurrent trace with one real ShareDB client per agent, concurrently, through the
 * server. A txn's positions are relative to what its agent had seen (the merge of its
 * ancestors), but a live client receives the other agent's ops as soon as the server sends them.
 * So each agent keeps a *view* (the text of its ancestors) apart from its ShareDB document
 * (everything received), plus the list of received-but-unseen ops, H, such that
 * document = view ∘ H. Before txn i the agent waits until the other agent's ancestor ops have
 * arrived, moves them from H into its view, writes the txn's op against the view, transforms it
 * through H (json0's own transform) and submits the result through its ShareDB client; the
 * server then transforms it against whatever the other agent committed concurrently. Every
 * agent's txns are one op each (`preventCompose`), so the k-th op an agent receives is the other
 * agent's k-th txn (ShareDB commits even an op transformed to nothing).
 */
export async function replayConcurrent(job: ConcurrentJob): Promise<ConcurrentResult> {
  const trace = loadTrace<ConcurrentTrace>(job.file);
  const { seen } = visibility(trace);
  const n = trace.numAgents;
  if (n !== 2) throw new Error('the concurrent replay handles two agents');

  interface Agent {
    client: FullClient;
    doc: ClientDoc;
    view: string;
    hidden: TextOp[];
    /** Ops of the other agent received so far / moved into the view. */
    received: number;
    released: number;
    waiter: { need: number; resolve(): void } | null;
    pending: Array<Promise<void>>;
  }
  const agents: Agent[] = [];
  for (let a = 0; a < n; a++) {
    const client = await FullClient.connect(job.url, job.tokens[a % job.tokens.length]!);
    const doc = client.doc(job.c, job.d);
    await subscribeDoc(doc);
    (doc as unknown as { preventCompose: boolean }).preventCompose = true;
    const agent: Agent = {
      client,
      doc,
      view: (doc.data as { text: string }).text,
      hidden: [],
      received: 0,
      released: 0,
      waiter: null,
      pending: [],
    };
    doc.on('op batch', (op: unknown, source: unknown) => {
      if (source) return; // our own op, already in the view
      agent.hidden.push(structuredClone(op) as TextOp);
      agent.received++;
      if (agent.waiter && agent.received >= agent.waiter.need) {
        const w = agent.waiter;
        agent.waiter = null;
        w.resolve();
      }
    });
    agents.push(agent);
  }

  const latencies: number[] = [];
  let maxHidden = 0;
  const start = now();
  const runAgent = async (a: number) => {
    const agent = agents[a]!;
    const other = 1 - a;
    for (let i = 0; i < trace.txns.length; i++) {
      const txn = trace.txns[i]!;
      if (txn.agent !== a) continue;
      const need = seen[i]![other]!;
      if (agent.received < need) {
        await new Promise<void>((resolve) => {
          agent.waiter = { need, resolve };
        });
      }
      while (agent.released < need) {
        agent.view = applyText(agent.view, agent.hidden.shift()!);
        agent.released++;
      }
      maxHidden = Math.max(maxHidden, agent.hidden.length);
      const { op, text } = patchesToOp(agent.view, txn.patches);
      agent.view = text;
      let full = op as unknown;
      for (let h = 0; h < agent.hidden.length; h++) {
        const hop = agent.hidden[h]!;
        const nextFull = json0.transform(full, hop, 'left');
        agent.hidden[h] = json0.transform(hop, full, 'right') as TextOp;
        full = nextFull;
      }
      const t = now();
      agent.pending.push(submitOp(agent.doc, full).then(() => void latencies.push(now() - t)));
    }
    await Promise.all(agent.pending);
  };
  await Promise.all(agents.map((_, a) => runAgent(a)));
  const ms = now() - start;

  // Let every op reach every agent, then show each agent everything.
  const totals = [0, 0];
  for (const txn of trace.txns) totals[txn.agent]!++;
  await Promise.all(
    agents.map(
      (agent, a) =>
        new Promise<void>((resolve) => {
          const need = totals[1 - a]!;
          if (agent.received >= need) resolve();
          else agent.waiter = { need, resolve };
        }),
    ),
  );
  for (const agent of agents) {
    for (const h of agent.hidden.splice(0)) agent.view = applyText(agent.view, h);
  }
  const fetched = await fetchText(job.url, job.tokens[0]!, job.c, job.d);
  const converged = agents.every(
    (agent) => (agent.doc.data as { text: string }).text === fetched && agent.view === fetched,
  );
  for (const agent of agents) agent.client.close();
  return {
    txns: trace.txns.length,
    ms,
    txnsPerSec: (trace.txns.length / ms) * 1000,
    textOk: fetched === trace.endContent,
    converged,
    maxHidden,
    ack: summarize(latencies),
  };
}
