/**
 * ShareDB types as the client uses them: json0 with cursor presence, exactly as the server
 * registers it (one shared implementation, server/src/protocol/text-ops.ts), so both sides move
 * cursors through ops identically.
 */
import { registerTextType } from '@protocol/text-ops';
import { types } from 'sharedb/lib/client';

/** Registers the presence-aware json0; idempotent. Call before opening a connection. */
export function registerOtTypes(): void {
  registerTextType(types as unknown as Parameters<typeof registerTextType>[0]);
}
