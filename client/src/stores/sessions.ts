/**
 * Sessions: the list on the home page, and the one open session (its name, my role, members,
 * and the file tree, kept live from the manifest document). Folders come from file paths and from
 * the manifest's `folders` (made on their own, kept while empty, seen by everyone).
 */
import type { Role } from '@protocol/roles';
import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import {
  fileDocRef,
  filesApi,
  foldersApi,
  type Manifest,
  type Member,
  type SessionFile,
  type SessionSummary,
  sessionsApi,
} from '@/api/sessions';

export interface OpenSession {
  id: string;
  name: string;
  role: Role;
  members: Member[];
}

const byPath = (a: SessionFile, b: SessionFile) => a.path.localeCompare(b.path);

export const useSessionsStore = defineStore('sessions', () => {
  const list = ref<SessionSummary[]>([]);
  const listLoaded = ref(false);
  const current = ref<OpenSession | null>(null);
  const files = ref<SessionFile[]>([]);
  /** Folders kept in the manifest (paths without trailing slash), whether or not they hold files. */
  const folders = ref<string[]>([]);
  /** Files this tab deleted (their open tabs close; a file deleted by someone else stays open). */
  const deletedHere = ref<string[]>([]);

  const fileById = computed(() => new Map(files.value.map((f) => [f.id, f])));
  const fileByPath = computed(() => new Map(files.value.map((f) => [f.path, f])));

  async function fetchList(): Promise<void> {
    list.value = (await sessionsApi.list()).sessions;
    listLoaded.value = true;
  }

  async function createSession(name: string): Promise<SessionSummary> {
    const session = await sessionsApi.create(name);
    list.value = [session, ...list.value.filter((s) => s.id !== session.id)];
    return session;
  }

  /** Deletes a session (an owner's; used to take back a new session whose import failed). */
  async function deleteSession(sessionId: string): Promise<void> {
    await sessionsApi.remove(sessionId);
    forget(sessionId);
  }

  /** Loads a session over REST (throws ERR_SESSION_NOT_FOUND for non-members). */
  async function open(sessionId: string): Promise<void> {
    const detail = await sessionsApi.get(sessionId);
    current.value = { id: detail.id, name: detail.name, role: detail.role, members: detail.members };
    files.value = [...detail.files].sort(byPath);
    folders.value = [...(detail.folders ?? [])];
  }

  function close(): void {
    current.value = null;
    files.value = [];
    folders.value = [];
  }

  /** Takes the file tree (and name) from the live manifest document. */
  function applyManifest(sessionId: string, manifest: Manifest): void {
    if (current.value?.id !== sessionId) return;
    const known = fileById.value;
    files.value = Object.entries(manifest.files ?? {})
      .map(([id, entry]) => ({
        id,
        path: entry.path,
        language: entry.language ?? null,
        doc: known.get(id)?.doc ?? fileDocRef(sessionId, id),
        ...(entry.blob ? { blob: entry.blob } : {}),
      }))
      .sort(byPath);
    folders.value = Object.keys(manifest.folders ?? {}).sort();
    if (typeof manifest.name === 'string') current.value = { ...current.value, name: manifest.name };
  }

  function setRole(sessionId: string, role: Role): void {
    if (current.value?.id === sessionId) current.value = { ...current.value, role };
    list.value = list.value.map((s) => (s.id === sessionId ? { ...s, role } : s));
  }

  function forget(sessionId: string): void {
    list.value = list.value.filter((s) => s.id !== sessionId);
    if (current.value?.id === sessionId) close();
  }

  /** Keeps the local copy right at once; the manifest confirms it moments later. */
  function upsertFile(file: SessionFile): void {
    files.value = [...files.value.filter((f) => f.id !== file.id), file].sort(byPath);
  }

  async function createFile(path: string, content?: string): Promise<SessionFile> {
    const sessionId = current.value!.id;
    const file = await filesApi.create(sessionId, path, content);
    upsertFile(file);
    return file;
  }

  async function renameFile(fileId: string, path: string): Promise<void> {
    const sessionId = current.value!.id;
    const file = await filesApi.rename(sessionId, fileId, path);
    upsertFile({ ...fileById.value.get(fileId)!, ...file });
  }

  async function deleteFile(fileId: string): Promise<void> {
    deletedHere.value = [...deletedHere.value.slice(-99), fileId];
    try {
      await filesApi.remove(current.value!.id, fileId);
    } catch (e) {
      deletedHere.value = deletedHere.value.filter((id) => id !== fileId);
      throw e;
    }
    files.value = files.value.filter((f) => f.id !== fileId);
  }

  /** Brings a deleted file back (see filesApi.restore); the manifest confirms it moments later. */
  async function restoreFile(input: { path: string; content?: string; sha?: string }): Promise<SessionFile> {
    const { sha: _from, ...file } = await filesApi.restore(current.value!.id, input);
    upsertFile(file);
    return file;
  }

  /** Makes a folder for everyone (kept while empty); the manifest confirms it moments later. */
  async function addFolder(path: string): Promise<void> {
    const made = await foldersApi.create(current.value!.id, path);
    if (!folders.value.includes(made.path)) folders.value = [...folders.value, made.path].sort();
  }

  /** Renames (or moves) a folder with everything under it: one request, one version. */
  async function renameFolder(from: string, to: string): Promise<void> {
    const moved = await foldersApi.move(current.value!.id, from, to);
    for (const file of moved.files) upsertFile({ ...fileById.value.get(file.id)!, ...file });
    folders.value = folders.value
      .map((f) => (f === from || f.startsWith(`${from}/`) ? moved.to + f.slice(from.length) : f))
      .sort();
  }

  /** Deletes every file under `path` (each keeping its text in a version), then the folder itself. */
  async function deleteFolder(path: string): Promise<void> {
    const inside = files.value.filter((f) => f.path.startsWith(`${path}/`));
    for (const file of inside) await deleteFile(file.id);
    const kept = folders.value.some((f) => f === path || f.startsWith(`${path}/`));
    if (kept) await foldersApi.remove(current.value!.id, path);
    folders.value = folders.value.filter((f) => f !== path && !f.startsWith(`${path}/`));
  }

  return {
    list: readonly(list),
    listLoaded: readonly(listLoaded),
    current: readonly(current),
    files: readonly(files),
    folders: readonly(folders),
    deletedHere: readonly(deletedHere),
    fileById,
    fileByPath,
    fetchList,
    createSession,
    deleteSession,
    open,
    close,
    applyManifest,
    setRole,
    forget,
    createFile,
    renameFile,
    deleteFile,
    restoreFile,
    addFolder,
    renameFolder,
    deleteFolder,
  };
});
