/**
 * Browser test harness: builds the client once, starts a real Gitpad server serving it (port 0,
 * temp dirs), and drives headless Chromium through playwright-core. Suites skip themselves when
 * no Chromium is installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../../../server/test/helpers/server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Browser tests run wherever Chromium is installed, and always under CI (failing loudly without it). */
export const hasChromium = fs.existsSync(CHROMIUM) || process.env.CI === 'true';

/** Where the browser tests leave their screenshots. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

const clientRoot = fileURLToPath(new URL('../..', import.meta.url));
let built: string | null = null;

/** Builds the client into a temp dir (once per run). */
async function buildClient(): Promise<string> {
  if (built) return built;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-client-'));
  const { build } = await import('vite');
  await build({
    configFile: path.join(clientRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  built = outDir;
  return outDir;
}

export interface Harness {
  server: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

/** `env`: extra server settings (e.g. `COMMIT_IDLE_MS`, so only the test decides when versions are made). */
export async function startHarness(options: { env?: Record<string, string> } = {}): Promise<Harness> {
  const clientDir = await buildClient();
  const server = await startServer({ env: { ...options.env, CLIENT_DIR: clientDir } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

export interface Person {
  context: BrowserContext;
  page: Page;
  username: string;
  /** Errors the page logged (console errors and uncaught exceptions). */
  errors: string[];
}

let counter = 0;

/** Registers a fresh account through the UI and lands on the session list. */
export async function register(
  h: Harness,
  name: string,
  viewport = { width: 1280, height: 800 },
): Promise<Person> {
  const context = await h.browser.newContext({ viewport, baseURL: h.server.url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Refused WebSocket connections while offline are expected noise.
    if (m.type() === 'error' && !/WebSocket|ERR_INTERNET_DISCONNECTED|status of 40[134]/.test(m.text())) {
      errors.push(m.text());
    }
  });
  const username = `${name}${++counter}${Date.now() % 1000}`;
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return { context, page, username, errors };
}

export interface BrowserSuite {
  /** The suite's harness, once its `before` hook has started it. */
  readonly h: Harness;
  /** Registers a fresh person for the running test (see `browserSuite` for what happens after it). */
  person(name: string, viewport?: { width: number; height: number }): Promise<Person>;
}

/**
 * Mocha hooks for one browser suite; call it inside the suite's `describe`. Starts a harness
 * before the suite (`env` as for `startHarness`) and closes it after. After each test, the people
 * registered through `person` must have logged no page errors (except those `expectedErrors`
 * matches), and their browser contexts are closed.
 */
export function browserSuite(
  options: { env?: Record<string, string>; expectedErrors?: RegExp } = {},
): BrowserSuite {
  let harness: Harness | undefined;
  const people: Person[] = [];
  const h = () => {
    if (!harness) throw new Error('the browser suite has not started yet');
    return harness;
  };

  before(async function () {
    this.timeout(180_000);
    harness = await startHarness({ env: options.env });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await harness?.close();
  });

  afterEach(async () => {
    for (const p of people.splice(0)) {
      const errors = p.errors.filter((e) => !options.expectedErrors?.test(e));
      expect(errors, `${p.username} page errors`).to.deep.equal([]);
      await p.context.close();
    }
  });

  return {
    get h() {
      return h();
    },
    async person(name, viewport) {
      const p = await register(h(), name, viewport);
      people.push(p);
      return p;
    },
  };
}

/** Calls the API as the signed-in person of `page`. */
export function api(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ([method, url, body]) => {
      const response = await fetch(url as string, {
        method: method as string,
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${localStorage.getItem('gitpad.token')}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.text() };
    },
    [method, url, body] as const,
  );
}

/** The editor's text as shown, without other people's cursor flags. */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.cm-content .cm-line')]
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        for (const widget of copy.querySelectorAll('.cm-remote-caret')) widget.remove();
        return copy.textContent ?? '';
      })
      .join('\n'),
  );
}

/** Polls until `check` holds (or fails with what it last saw). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 8000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** axe-core's script, read once; injected into pages by `expectNoSeriousA11yViolations`. */
let axeSource: string | null = null;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string; html: string }[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules, plus best practices) on what `page` shows now and fails
 * when it finds a `serious` or `critical` violation, listing each with the elements it found, so
 * the failure says what to fix. `screen` names the screen in that message. `exclude`: selectors
 * left out (e.g. something another test owns).
 */
export async function expectNoSeriousA11yViolations(
  page: Page,
  screen: string,
  options: { exclude?: string[] } = {},
): Promise<void> {
  if (!axeSource) {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  // Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline scripts.
  // Once per document; a reload or navigation brings a fresh one.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(async (exclude) => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(
      { include: [['html']], exclude: exclude.map((s) => [s]) },
      { resultTypes: ['violations'] },
    );
    return result.violations;
  }, options.exclude ?? [])) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length === 0) return;
  const report = serious
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map(
          (n) =>
            `    at ${n.target.join(' ')}\n      ${n.html.slice(0, 160)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`,
        )
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
    })
    .join('\n');
  throw new Error(`${screen}: ${serious.length} serious or critical accessibility violation(s)\n${report}`);
}
