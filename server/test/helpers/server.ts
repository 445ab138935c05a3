/** Starts a real Gitpad server on port 0 with temp data and repos dirs, and talks to it over HTTP. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoginThrottleLimits } from '../../src/auth/login-throttle.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/log/index.js';
import { createServer, type GitpadServer } from '../../src/server.js';

export interface TestServer {
  url: string;
  port: number;
  server: GitpadServer;
  dataDir: string;
  reposDir: string;
  /** Stops the server; `keepData` leaves the dirs for a restart test. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse the dirs of an earlier server (restart). */
  dataDir?: string;
  reposDir?: string;
  strictRateLimits?: boolean;
  /** Login throttling; off unless given or `strictRateLimits` (then the defaults). */
  loginThrottle?: Partial<LoginThrottleLimits>;
  /** The server's logger; by default one at `TEST_LOG_LEVEL` (silent) writing to stderr. */
  logger?: Logger;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-data-'));
  const reposDir = opts.reposDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-repos-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REPOS_DIR: reposDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CLIENT_DIR: path.join(dataDir, 'no-client'),
    ...opts.env,
  });
  const unlimited = { perSecond: 1e9, burst: 1e9 };
  const server = await createServer(config, {
    logger: opts.logger ?? createLogger(config.logLevel, { format: config.logFormat }),
    rateLimits: opts.strictRateLimits ? {} : { auth: unlimited, ops: unlimited, chat: unlimited },
    loginThrottle:
      opts.loginThrottle ??
      (opts.strictRateLimits
        ? {}
        : { freeFailures: Number.POSITIVE_INFINITY, perIp: { perSecond: 0, burst: 0 } }),
  });
  const { port } = await server.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    dataDir,
    reposDir,
    async close({ keepData = false } = {}) {
      await server.close();
      if (!keepData) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.rmSync(reposDir, { recursive: true, force: true });
      }
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One HTTP call; `body` objects are sent as JSON, `raw` strings as they are. */
export async function api<T = any>(
  base: string,
  method: string,
  urlPath: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + urlPath, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

let userSeq = 0;

/** Registers a fresh user (unique name unless given). */
export async function registerUser(
  base: string,
  username?: string,
  password = 'correct horse',
): Promise<TestUser> {
  const name = username ?? `user${process.pid % 1000}x${++userSeq}`;
  const res = await api(base, 'POST', '/api/auth/register', { body: { username: name, password } });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, username: name, token: res.body.token };
}

/** Creates a session owned by `owner`, optionally with members in roles, and one file. */
export async function createSession(
  base: string,
  owner: TestUser,
  opts: { name?: string; members?: Array<[TestUser, string]>; files?: Record<string, string> } = {},
) {
  const s = await api(base, 'POST', '/api/sessions', {
    token: owner.token,
    body: { name: opts.name ?? 'Test session' },
  });
  if (s.status !== 201) throw new Error(`create session: ${s.status} ${JSON.stringify(s.body)}`);
  for (const [user, role] of opts.members ?? []) {
    const r = await api(base, 'PUT', `/api/sessions/${s.body.id}/members/${user.username}`, {
      token: owner.token,
      body: { role },
    });
    if (r.status !== 200) throw new Error(`add member: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const files: Record<string, { id: string; doc: { collection: string; id: string } }> = {};
  for (const [p, content] of Object.entries(opts.files ?? {})) {
    const f = await api(base, 'POST', `/api/sessions/${s.body.id}/files`, {
      token: owner.token,
      body: { path: p, content },
    });
    if (f.status !== 201) throw new Error(`create file: ${f.status} ${JSON.stringify(f.body)}`);
    files[p] = f.body;
  }
  return { id: s.body.id as string, files };
}
