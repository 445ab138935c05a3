/**
 * The peers bench's smoke test (issue 17): `npm run bench -- --peers --quick` on two small
 * workloads — the closed-loop single writer on 100 KB and a short automerge-paper replay (which
 * deletes as well as inserts) — as a child process, exactly as a person runs it. Every system
 * (Gitpad, Hocuspocus with and without its SQLite extension, y-websocket, stock ShareDB) must run
 * in its own server process, converge (writer, observer and a fresh client hold the same, expected
 * text) and give numeric figures, each as a ratio to the best peer; Gitpad's rows carry the
 * targets. The figures themselves are not judged (the machine is shared).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

const SYSTEMS = ['gitpad', 'hocuspocus', 'hocuspocus-sqlite', 'y-websocket', 'sharedb'];
const WORKLOADS = ['writer-100KB', 'trace'];

interface PeerRow {
  scenario: string;
  case: string;
  p50?: number;
  p99?: number;
  cpuUsPerOp?: number;
  converged: boolean | null;
  checks: Array<{ target: string; pass: boolean }>;
  figures: {
    workload: string;
    system: string;
    value: number;
    ratioToBestPeer: number;
    cpuRatioToBestPeer: number;
    acked: number | null;
    rounds: Array<{ converged: boolean }>;
    details: Array<{ converged: boolean; detail: string }>;
  };
}

describe('npm run bench -- --peers --quick', function () {
  this.timeout(3 * 60_000);
  let dir: string;
  let report: { mode: string; peers: boolean; failed: string[]; scenarios: string[]; rows: PeerRow[] };
  let output = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-peers-smoke-'));
    const json = path.join(dir, 'peers.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/bench/run.ts',
        '--peers',
        '--quick',
        '--only',
        WORKLOADS.join(','),
        '--json',
        json,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, `bench exited with ${code}:\n${output.slice(-4000)}`).to.equal(0);
    report = JSON.parse(fs.readFileSync(json, 'utf8'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs every system on every chosen workload and prints the side-by-side table', () => {
    expect(report.peers).to.equal(true);
    expect(report.mode).to.equal('quick');
    expect(report.failed).to.deep.equal([]);
    expect(report.scenarios).to.deep.equal(WORKLOADS);
    for (const w of WORKLOADS) {
      const systems = report.rows.filter((r) => r.figures.workload === w).map((r) => r.case);
      expect(systems, w).to.deep.equal(SYSTEMS);
    }
    expect(output).to.match(/\| workload +\| system +\| figure +\| ×best peer/);
  });

  it('converges on every system: writer, observer and a fresh client hold the expected text', () => {
    for (const r of report.rows) {
      const where = `${r.figures.workload} ${r.case}: ${r.figures.details.map((d) => d.detail).join('; ')}`;
      expect(r.converged, where).to.equal(true);
      expect(
        r.figures.rounds.every((f) => f.converged),
        where,
      ).to.equal(true);
    }
  });

  it('gives every figure as a number and as a ratio to the best peer', () => {
    for (const r of report.rows) {
      const where = `${r.figures.workload} ${r.case}`;
      expect(r.figures.value, where).to.be.a('number').greaterThan(0);
      expect(r.figures.ratioToBestPeer, where).to.be.a('number').greaterThan(0);
      expect(r.p50, where).to.be.a('number').greaterThan(0);
      expect(r.p99, where).to.be.at.least(r.p50!);
      expect(r.cpuUsPerOp, where).to.be.a('number').greaterThan(0);
      expect(r.figures.cpuRatioToBestPeer, where).to.be.a('number').greaterThan(0);
    }
    // The best peer of a rate is the fastest peer: exactly one peer sits at ratio 1.
    for (const w of WORKLOADS) {
      const peers = report.rows.filter((r) => r.figures.workload === w && r.case !== 'gitpad');
      expect(
        peers.filter((r) => r.figures.ratioToBestPeer === 1),
        w,
      ).to.have.length(1);
      expect(Math.max(...peers.map((r) => r.figures.ratioToBestPeer)), w).to.equal(1);
    }
  });

  it('reports an acknowledged rate where the system acknowledges edits, and none for y-websocket', () => {
    const writer = report.rows.filter((r) => r.figures.workload === 'writer-100KB');
    for (const r of writer) {
      if (r.case === 'y-websocket') expect(r.figures.acked, r.case).to.equal(null);
      else expect(r.figures.acked, r.case).to.be.a('number').greaterThan(0);
    }
  });

  it('judges Gitpad, and only Gitpad, against issue 17’s targets', () => {
    for (const r of report.rows) {
      if (r.case === 'gitpad') {
        expect(r.checks.map((c) => c.target)).to.deep.equal(['≥1.2× best peer rate', '≤0.8× its CPU/op']);
      } else expect(r.checks, r.case).to.deep.equal([]);
    }
  });
});
