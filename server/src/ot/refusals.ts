/** The refusals the backend's middleware answers with, as stable codes clients know. */
import { AppError } from '../errors/app-error.js';

export const forbidden = () => new AppError('ERR_FORBIDDEN', 'You do not have access to this document.');

export const fileDeleted = () =>
  new AppError('ERR_FILE_DELETED', 'This file was deleted; your edit was not applied to the shared copy.');

/**
 * ShareDB's own refusals of an edit to a deleted document (transformed through the delete, or
 * submitted after it) as the stable code clients know: the file was deleted, not a server fault.
 */
export function deletedFileError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  return code === 'ERR_DOC_WAS_DELETED' || code === 'ERR_DOC_DOES_NOT_EXIST' ? fileDeleted() : err;
}
