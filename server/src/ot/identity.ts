/** Who an agent (one ShareDB connection) acts for, kept in `agent.custom` by the connect middleware. */
import type { PublicUser } from '../protocol/events.js';

export type { PublicUser };

export type AgentIdentity = { kind: 'user'; user: PublicUser } | { kind: 'server' } | { kind: 'anonymous' };

/** What our transports pass as `req` to `backend.listen` / `backend.connect`. */
export interface AgentRequest {
  identity: AgentIdentity;
}

export function identityOf(agent: { custom?: unknown }): AgentIdentity {
  const custom = agent.custom as { identity?: AgentIdentity } | undefined;
  return custom?.identity ?? { kind: 'anonymous' };
}
