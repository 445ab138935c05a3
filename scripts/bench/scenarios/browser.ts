/**
 * Browser: the built client's JavaScript (gzip sizes of what `index.html` loads before anything
 * else: the entry and its static imports; and of all the JavaScript a browser actually fetched by
 * the time the editor was ready), and the time from navigation to a ready editor (a 1 MB file
 * shown and editable) in headless Chromium with a fresh profile each time. Skips with a message
 * when dist/client or Chromium is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { BenchContext, Row, Scenario } from '../context.js';
import { fmt, fmtBytes, summarize } from '../stats.js';
import { codeText } from './common.js';

const CLIENT_DIR = path.resolve('dist/client');
const KB = 1024;
const MB = 1024 * 1024;
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(file)).length;

/** The entry scripts of index.html and everything they import statically, as asset paths. */
export function initialScripts(clientDir: string): string[] {
  const html = fs.readFileSync(path.join(clientDir, 'index.html'), 'utf8');
  const queue = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const file = path.join(clientDir, url);
    if (!fs.existsSync(file)) continue;
    const code = fs.readFileSync(file, 'utf8');
    // Static `import … from "./x.js"` / `import "./x.js"` / `export … from`, not dynamic `import("…")`.
    for (const m of code.matchAll(
      /(?:^|[;\s}])(?:import|export)\s*(?:[^'"();]*?\sfrom\s*|[^'"();]*?from)?\s*["'](\.{1,2}\/[^"']+\.js)["']/g,
    )) {
      queue.push(path.posix.join(path.posix.dirname(url), m[1]!));
    }
  }
  return [...seen];
}

function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH && fs.existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export const browserScenario: Scenario = {
  name: 'browser',
  title: 'browser: initial JS size; time to a ready editor on a 1 MB file (headless Chromium)',
  async run(ctx: BenchContext): Promise<Row[]> {
    if (!fs.existsSync(path.join(CLIENT_DIR, 'index.html'))) {
      return [skipped('no built client in dist/client (run `npm run build:client`)')];
    }
    const rows: Row[] = [];
    const initial = initialScripts(CLIENT_DIR);
    const initialGzip = initial.reduce((s, u) => s + gzipSize(path.join(CLIENT_DIR, u)), 0);
    const initialRaw = initial.reduce((s, u) => s + fs.statSync(path.join(CLIENT_DIR, u)).size, 0);

    const chromium = chromiumPath();
    if (!chromium) {
      rows.push(bundleRow(initialGzip, initialRaw, initial.length, null));
      rows.push(skipped('no Chromium (`which chromium` found nothing; set CHROMIUM_PATH)'));
      return rows;
    }
    const { chromium: pw } = await import('playwright-core');
    const gitpad = await ctx.gitpad({ env: { CLIENT_DIR } });
    const profiles: string[] = [];
    try {
      const text = codeText(MB);
      const doc = await gitpad.prepareDoc(text, 1);
      const firstLine = text.slice(0, text.indexOf('\n'));
      const page = `${gitpad.url}/s/${doc.sessionId}?file=${encodeURIComponent(`file1.txt`)}`;
      const runs = ctx.quick ? 1 : 3;
      const times: number[] = [];
      let loadedJs = new Set<string>();
      for (let i = 0; i < runs; i++) {
        const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-bench-chromium-'));
        profiles.push(profile);
        const context = await pw.launchPersistentContext(profile, {
          executablePath: chromium,
          headless: true,
          args: FLAGS,
          viewport: { width: 1280, height: 800 },
        });
        try {
          const tab = context.pages()[0] ?? (await context.newPage());
          // Signed in before the first script runs: the measured load is the editor, not the login form.
          await tab.addInitScript(
            (token: string) => (globalThis as any).localStorage.setItem('gitpad.token', token),
            doc.tokens[0]!,
          );
          const js = new Set<string>();
          tab.on('response', (r) => {
            const u = new URL(r.url());
            if (u.pathname.endsWith('.js')) js.add(u.pathname);
          });
          await tab.goto(page, { waitUntil: 'commit' });
          // performance.now() in the page counts from the start of this navigation.
          const readyAt = await tab.waitForFunction(
            ({ first, length }) => {
              const page = globalThis as any;
              const host = page.document.querySelector('[data-testid="editor"]');
              if (!host || page.getComputedStyle(host).display === 'none') return false;
              const content = host.querySelector('.cm-content');
              if (content?.getAttribute('contenteditable') !== 'true') return false;
              if (!content.querySelector('.cm-line')?.textContent?.startsWith(first)) return false;
              // CodeMirror's view hangs off its content element; when present, check the whole text is in.
              const view = content.cmView?.view;
              if (view && view.state.doc.length !== length) return false;
              return performance.now();
            },
            { first: firstLine, length: text.length },
            { polling: 'raf', timeout: 60_000 },
          );
          times.push((await readyAt.jsonValue()) as number);
          loadedJs = js;
        } finally {
          await context.close();
        }
      }
      const editorGzip = [...loadedJs].reduce((s, u) => {
        const f = path.join(CLIENT_DIR, u);
        return s + (fs.existsSync(f) ? gzipSize(f) : 0);
      }, 0);
      rows.push(
        bundleRow(initialGzip, initialRaw, initial.length, { gzip: editorGzip, files: loadedJs.size }),
      );
      const s = summarize(times);
      rows.push({
        scenario: 'browser',
        case: 'ready editor, 1 MB file',
        result: `${fmt(s.p50)} ms from navigation (median of ${runs}, fresh profile each)`,
        p50: s.p50,
        p99: s.max,
        converged: null,
        checks: [{ target: '≤1.5 s', pass: s.p50 <= 1500 }],
        figures: { runs: times, ...s, chromium, flags: FLAGS },
      });
    } finally {
      await gitpad.stop();
      for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
    }
    return rows;
  },
};

function bundleRow(
  gzip: number,
  raw: number,
  files: number,
  editor: { gzip: number; files: number } | null,
): Row {
  return {
    scenario: 'browser',
    case: 'initial JS (gzip)',
    result:
      `${fmtBytes(gzip)} entry + static imports (${files} files, ${fmtBytes(raw)} raw)` +
      (editor ? `; ${fmtBytes(editor.gzip)} loaded by a ready editor (${editor.files} files)` : ''),
    converged: null,
    checks: [{ target: '≤400 KB gzip', pass: Math.max(gzip, editor?.gzip ?? 0) <= 400 * KB }],
    figures: {
      initialGzip: gzip,
      initialRaw: raw,
      initialFiles: files,
      editorGzip: editor?.gzip ?? null,
      editorFiles: editor?.files ?? null,
    },
    note: 'the target is checked on the larger of the two: what a browser needs before it can type',
  };
}

function skipped(reason: string): Row {
  return {
    scenario: 'browser',
    case: 'skipped',
    result: `skipped: ${reason}`,
    converged: null,
    checks: [],
    figures: { skipped: reason },
  };
}
