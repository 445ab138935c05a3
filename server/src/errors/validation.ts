/** Schema validation at the edge: every REST body and socket payload passes through here. */
import type { z } from 'zod';
import { AppError } from './app-error.js';

/** Parses `value` with `schema`, or throws ERR_VALIDATION naming the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = details[0];
  throw new AppError(
    'ERR_VALIDATION',
    first ? `${first.path || 'input'}: ${first.message}` : 'Invalid input.',
    details,
  );
}
