/**
 * The `git clone` command for a session, built for an address other machines can reach: the
 * server's configured public URL when it has one, else the page's own host when it was opened by
 * a LAN name or address, otherwise (localhost) one of the server's LAN addresses from
 * `GET /api/server-info`.
 */
import type { ServerInfo } from '@/api/server-info';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether a host (without port) only works on the server's own machine. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127\./.test(hostname) || hostname.endsWith('.localhost');
}

/** `host:port` choices for the command, best first. */
export function cloneHosts(
  page: { hostname: string; host: string; port: string },
  info: ServerInfo | null,
): string[] {
  if (info?.publicUrl) return [new URL(info.publicUrl).host];
  if (!isLoopback(page.hostname)) return [page.host];
  const port = page.port || info?.port || '';
  const lan = (info?.lanAddresses ?? []).map((address) => (port ? `${address}:${port}` : address));
  // Nothing else to offer (the server listens on loopback only): the page's own address works here.
  return lan.length > 0 ? [...lan, page.host] : [page.host];
}

/** The scheme for the command (`http:`/`https:`): the public URL's when there is one, else the page's. */
export function cloneProtocol(pageProtocol: string, info: ServerInfo | null): string {
  return info?.publicUrl ? new URL(info.publicUrl).protocol : pageProtocol;
}

/** `git clone http://alice@192.168.1.20:3000/git/<id>.git` */
export function cloneCommand(protocol: string, username: string, host: string, sessionId: string): string {
  return `git clone ${repoUrl(protocol, username, host, sessionId)}`;
}

/**
 * The `git push` command for the same address, for a folder that is not a clone of this session
 * (an existing project: pushing into an empty session imports it). Inside a clone, `git push`
 * alone does it.
 */
export function pushCommand(protocol: string, username: string, host: string, sessionId: string): string {
  return `git push ${repoUrl(protocol, username, host, sessionId)} HEAD:main`;
}

function repoUrl(protocol: string, username: string, host: string, sessionId: string): string {
  const scheme = protocol.replace(/:$/, '');
  return `${scheme}://${encodeURIComponent(username)}@${host}/git/${sessionId}.git`;
}
