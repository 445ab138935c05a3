/**
 * The REST calls the bench needs to set up users, sessions and files on a real server
 * (docs/api.md). Each throws with the server's answer on an unexpected status.
 */

export interface BenchUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

export interface BenchFile {
  id: string;
  path: string;
  doc: { collection: string; id: string };
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; expect?: number[] } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  const expect = opts.expect ?? [200, 201, 204];
  if (!expect.includes(res.status)) {
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  }
  return (text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T;
}

let userSeq = 0;

/** Registers `count` users (a few at a time: hashing passwords is the server's slow part). */
export async function registerUsers(base: string, count: number, prefix = 'bench'): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  const password = 'bench-password-1';
  const one = async () => {
    const username = `${prefix}${process.pid % 10000}u${++userSeq}`;
    const res = await api(base, 'POST', '/api/auth/register', { body: { username, password } });
    users.push({ id: res.user.id, username, password, token: res.token });
  };
  for (let i = 0; i < count; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, count - i) }, one));
  }
  return users;
}

/** Creates a session owned by `owner` with `editors` as members (role editor). */
export async function createSession(
  base: string,
  owner: BenchUser,
  editors: BenchUser[] = [],
  name = 'Bench session',
): Promise<string> {
  const s = await api(base, 'POST', '/api/sessions', { token: owner.token, body: { name } });
  for (const u of editors) {
    if (u.id === owner.id) continue;
    await api(base, 'PUT', `/api/sessions/${s.id}/members/${u.username}`, {
      token: owner.token,
      body: { role: 'editor' },
    });
  }
  return s.id as string;
}

export async function createFile(
  base: string,
  owner: BenchUser,
  sessionId: string,
  path: string,
  content: string,
): Promise<BenchFile> {
  return api<BenchFile>(base, 'POST', `/api/sessions/${sessionId}/files`, {
    token: owner.token,
    body: { path, content },
  });
}
