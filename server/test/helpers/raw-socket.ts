/**
 * A socket.io connection spoken frame by frame over a plain WebSocket (engine.io v4 protocol), so
 * a test can send what no well-behaved client library would encode: 5,000-deep objects, a million
 * levels of brackets, broken binary packets.
 */
import WebSocket from 'ws';

export interface RawSocket {
  /** Text frames received after the namespace connect, in order (`42[...]` events, `43n[...]` acks). */
  frames: string[];
  /** Sends one engine.io text frame as it is, e.g. `42["chat:send",{...}]`. */
  send(frame: string): void;
  /** Resolves with the first frame after `from` that `match` accepts, or rejects after `ms`. */
  next(match: (frame: string) => boolean, ms?: number, from?: number): Promise<string>;
  /** Resolves once the server has closed the WebSocket (or rejects after `ms`). */
  closed(ms?: number): Promise<void>;
  readonly isOpen: boolean;
  close(): void;
}

/** Opens a raw connection and completes socket.io's namespace connect with `token`. */
export async function connectRawSocket(port: number, token: string): Promise<RawSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const waiters = new Set<() => void>();
  let closed = false;
  ws.on('message', (data) => {
    const frame = data.toString();
    if (frame === '2')
      ws.send('3'); // engine.io ping → pong
    else frames.push(frame);
    for (const w of waiters) w();
  });
  ws.on('close', () => {
    closed = true;
    for (const w of waiters) w();
  });
  ws.on('error', () => {});
  const wait = (check: () => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`raw socket: timed out waiting for ${what}`));
      }, ms);
      waiters.add(done);
      done();
    });

  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await wait(() => frames.some((f) => f.startsWith('0')), 3000, 'the engine.io open frame');
  frames.length = 0;
  ws.send(`40${JSON.stringify({ token })}`);
  await wait(() => frames.some((f) => f.startsWith('40') || f.startsWith('44')), 3000, 'namespace connect');
  const connect = frames.find((f) => f.startsWith('40') || f.startsWith('44'))!;
  if (connect.startsWith('44')) throw new Error(`raw socket refused: ${connect}`);
  frames.length = 0;

  return {
    frames,
    send: (frame) => ws.send(frame),
    async next(match, ms = 3000, from = 0) {
      let found: string | undefined;
      await wait(
        () => {
          found = frames.slice(from).find(match);
          return found !== undefined;
        },
        ms,
        'a matching frame',
      );
      return found!;
    },
    closed: (ms = 3000) => wait(() => closed, ms, 'the server to close the connection'),
    get isOpen() {
      return !closed;
    },
    close: () => ws.close(),
  };
}

/** `{"a":{"a":…1…}}`, `depth` objects deep, as JSON text (built without recursion). */
export function deepObjectJson(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** `[[[…]]]`, `depth` arrays deep, as JSON text. */
export function deepArrayJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}
