/**
 * `npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top N] [--grep text]`
 *
 * Summarises a V8 CPU profile (as `npm run bench -- --profile <dir>` writes for each server
 * process): where the time went by function (self and inclusive) and by package or source folder.
 * `--grep` keeps only samples whose stack contains a function or file matching the text.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)', '(root)']);

function where(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.match(/(server|client|scripts)\/(src\/)?[^/]+/);
  return src ? src[0] : url.replace(/^file:\/\//, '');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/work\/main\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export function summarizeProfile(profile: Profile, top = 25, grep?: string) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id)!;
    const stack: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
      stack.push(byId.get(cur)!);
    if (grep && !stack.some((n) => label(n).includes(grep))) return;
    // The profiler's own stop call (node:inspector) is not the server's work.
    if (stack.some((n) => n.callFrame.url === 'node:inspector')) return;
    if (IDLE.has(node.callFrame.functionName)) {
      if (node.callFrame.functionName === '(idle)') idle += dt;
      else {
        total += dt;
        self.set(node.callFrame.functionName, (self.get(node.callFrame.functionName) ?? 0) + dt);
      }
      return;
    }
    total += dt;
    self.set(label(node), (self.get(label(node)) ?? 0) + dt);
    packages.set(where(node.callFrame.url), (packages.get(where(node.callFrame.url)) ?? 0) + dt);
    const seen = new Set<string>();
    for (const n of stack) {
      if (IDLE.has(n.callFrame.functionName)) continue;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    totalMs: total,
    idleMs: idle,
    self: sorted(self),
    inclusive: sorted(inclusive),
    packages: sorted(packages),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, grep: { type: 'string' } },
  });
  if (positionals.length === 0) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [--top N] [--grep text]\n');
    process.exit(2);
  }
  for (const file of positionals) {
    const s = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')), Number(values.top), values.grep);
    const pct = (ms: number) => `${((ms / s.totalMs) * 100).toFixed(1).padStart(5)}%`;
    const out = [`${file}: ${(s.totalMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle`];
    out.push('', 'self time by package / folder:');
    for (const [k, ms] of s.packages) out.push(`  ${pct(ms)}  ${k}`);
    out.push('', 'self time by function:');
    for (const [k, ms] of s.self) out.push(`  ${pct(ms)}  ${k}`);
    out.push('', 'inclusive time by function:');
    for (const [k, ms] of s.inclusive) out.push(`  ${pct(ms)}  ${k}`);
    process.stdout.write(`${out.join('\n')}\n\n`);
  }
}

if (process.argv[1]?.endsWith('profile-summary.ts')) main();
