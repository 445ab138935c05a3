/**
 * Bounds on what one socket message or JSON request body may hold, checked before any handler
 * sees it. A message is
 * parsed JSON, so its size in bytes is already capped by engine.io (`maxSocketMessageBytes`);
 * what that cap does not bound is nesting. Every path that serializes a reply (socket.io's
 * encoder, ShareDB echoing a refused request, zod building an error) recurses, so a 5,000-deep
 * object (29 KiB) overflowed the stack and killed the process (issue 19). The walk here is
 * iterative, so it cannot overflow itself, and stops at the first breach.
 */

export interface MessageLimits {
  /** Deepest nesting of objects and arrays; the deepest real message (a ShareDB op) is ~5. */
  maxDepth: number;
  /** Most values (objects, arrays and leaves) in one message; a bulk subscribe of 5,000 files is ~10,000. */
  maxNodes: number;
}

export const MESSAGE_LIMITS: Readonly<MessageLimits> = Object.freeze({ maxDepth: 32, maxNodes: 100_000 });

export type Breach = 'depth' | 'nodes';

/** The first limit `value` breaks, or null when it is within bounds. */
export function breachOf(value: unknown, limits: MessageLimits = MESSAGE_LIMITS): Breach | null {
  if (typeof value !== 'object' || value === null) return null;
  // Pending containers with their depth, as two parallel stacks (no tuple allocation per node).
  const stack: object[] = [value];
  const depths: number[] = [1];
  let nodes = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > limits.maxDepth) return 'depth';
    const children = Array.isArray(node) ? node : Object.values(node);
    nodes += children.length;
    if (nodes > limits.maxNodes) return 'nodes';
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

/** The human sentence for a breach, shared by every transport that refuses one. */
export function breachMessage(breach: Breach, limits: MessageLimits = MESSAGE_LIMITS): string {
  return breach === 'depth'
    ? `The message is nested more than ${limits.maxDepth} levels deep.`
    : `The message holds more than ${limits.maxNodes} values.`;
}
