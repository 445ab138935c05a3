/**
 * A browser reduced to what an OpenID Connect sign-in needs: a cookie jar (cookies are per host,
 * not per port, as in a browser, so the provider's and Gitpad's cookies share 127.0.0.1), and
 * redirects followed by hand so a test can stop at, read or alter any hop.
 */

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export interface Hop {
  url: string;
  status: number;
  location: string | null;
  body: string;
}

export class CookieBrowser {
  private cookies: Cookie[] = [];

  /** Copies this browser's cookies into a new one (someone who stole them). */
  clone(): CookieBrowser {
    const other = new CookieBrowser();
    other.cookies = this.cookies.map((c) => ({ ...c }));
    return other;
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  private header(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private remember(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = '/';
      let gone = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.toLowerCase();
        if (key === 'path') path = v;
        if (key === 'max-age' && Number(v) <= 0) gone = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) gone = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!gone) this.cookies.push({ name, value, path });
    }
  }

  /** One request, no redirect followed. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Hop> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.header(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(u, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.remember(res.headers.getSetCookie());
    const location = res.headers.get('location');
    return {
      url: u.href,
      status: res.status,
      location: location === null ? null : new URL(location, u).href,
      body: await res.text(),
    };
  }

  /**
   * Follows redirects from `url` until a page that is not a redirect, or until the next URL
   * satisfies `stopAt` (returned unvisited as `location` of the last hop).
   */
  async walk(url: string, stopAt: (url: string) => boolean = () => false): Promise<Hop> {
    let hop = await this.request(url);
    for (let i = 0; i < 20 && hop.location && hop.status >= 300 && hop.status < 400; i++) {
      if (stopAt(hop.location)) return hop;
      hop = await this.request(hop.location);
    }
    return hop;
  }
}
