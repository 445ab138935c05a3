import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** server/src/README.md's table, from the ground up: rooms on one row share a rank. */
const ROWS = [
  ['protocol'],
  ['errors', 'config', 'log'],
  ['ports'],
  ['storage'],
  ['git'],
  ['auth'],
  ['ot'],
  ['sessions'],
  ['versions'],
  ['chat', 'search', 'admin', 'metrics', 'activity', 'comments'],
  ['realtime'],
  ['http'],
  ['services.ts', 'server.ts', 'main.ts', 'types'],
];
const RANK = new Map(ROWS.flatMap((row, rank) => row.map((room) => [room, rank] as const)));

/** The README's two deliberate exceptions. */
const ALLOWED = new Set(['git -> search', 'http -> services.ts']);

function roomOf(file: string): string {
  const [first] = path.relative(SRC, file).split(path.sep);
  return first!.endsWith('.js') ? first!.replace(/\.js$/, '.ts') : first!;
}

function* sources(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(p);
    else if (entry.name.endsWith('.ts')) yield p;
  }
}

describe('server rooms (server/src/README.md)', () => {
  it('every room imports only rooms on its own row or the rows above it, but for the two listed exceptions', () => {
    const breaches: string[] = [];
    let imports = 0;
    for (const file of sources(SRC)) {
      const from = roomOf(file);
      expect(RANK.has(from), `${from} is in the README's table`).to.equal(true);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^'"]*?from '(\.{1,2}\/[^']+)'/gm)) {
        const to = roomOf(path.resolve(path.dirname(file), m[1]!));
        imports++;
        if (to === from || ALLOWED.has(`${from} -> ${to}`)) continue;
        if (RANK.get(to)! > RANK.get(from)!)
          breaches.push(`${path.relative(SRC, file)} imports ${m[1]} (${to})`);
      }
    }
    expect(imports).to.be.greaterThan(500);
    expect(breaches).to.deep.equal([]);
  });
});
