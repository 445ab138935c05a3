/** Pieces several scenarios share: file contents, timing of a measured window, stats sampling. */

import { now } from '../clients.js';
import type { Child, ServerStats } from '../ipc.js';
import { sleep } from '../stats.js';
import type { Endpoint } from '../targets.js';

/** Code-like ASCII text of exactly `chars` characters. */
export function codeText(chars: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const line = `export function handler${i}(input: number): number { return input * ${i % 97} + ${i}; }\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('').slice(0, chars);
}

/** `n` short lines, one per typist, so each starts typing at the end of its own line. */
export function crowdText(n: number, filler = 8 * 1024): { text: string; carets: number[] } {
  let text = codeText(filler);
  text = text.slice(0, text.lastIndexOf('\n') + 1);
  const carets: number[] = [];
  for (let i = 0; i < n; i++) {
    text += `// typist ${i}: `;
    carets.push(text.length);
    text += '\n';
  }
  return { text, carets };
}

export interface Window {
  at: number;
  from: number;
  to: number;
}

/** A measurement window starting `leadMs` from now, after `warmMs` of warm-up, lasting `measureMs`. */
export function windowFrom(leadMs: number, warmMs: number, measureMs: number): Window {
  const at = now() + leadMs;
  return { at, from: at + warmMs, to: at + warmMs + measureMs };
}

/**
 * Reads server and generator CPU at the window's start and end (and server memory every second
 * in between, for the peak). Resolves after the window closes.
 */
export async function sampleWindow(ep: Endpoint, gens: Child[], w: Window) {
  await sleep(Math.max(0, w.from - now()));
  const s0 = await ep.stats();
  const g0 = await Promise.all(gens.map((g) => g.call('cpu')));
  let peakRss = s0.rss;
  let last: ServerStats = s0;
  // Worst event-loop stall of the server in the window (delay p99 of each ~1 s slice, and max).
  const loop = { p99: 0, max: 0 };
  const track = (s: ServerStats) => {
    peakRss = Math.max(peakRss, s.rss);
    if (s.loopDelay) {
      loop.p99 = Math.max(loop.p99, s.loopDelay.p99);
      loop.max = Math.max(loop.max, s.loopDelay.max);
    }
  };
  while (now() < w.to - 1000) {
    await sleep(Math.min(1000, w.to - now() - 1000));
    last = await ep.stats();
    track(last);
  }
  await sleep(Math.max(0, w.to - now()));
  const s1 = await ep.stats();
  const g1 = await Promise.all(gens.map((g) => g.call('cpu')));
  track(s1);
  return { s0, s1, g0, g1, peakRss, loop };
}

/** Round-robin split of `items` over `n` buckets. */
export function spread<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => {
    out[i % n]!.push(item);
  });
  return out;
}
