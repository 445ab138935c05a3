/**
 * The session screen's commands: one registry that the command palette, the shortcut sheet and
 * the key bindings all read, so every action is reachable from the palette and the shortcut shown
 * is the one bound (issue 15). Components register their commands while mounted (`useCommand`);
 * the workspace installs the one keydown listener (`useCommandKeys`).
 */
import { getCurrentScope, onScopeDispose, shallowReactive } from 'vue';
import { matchesAnyKey } from './keys';

export interface Command {
  /** Stable id, e.g. `search.files`. */
  id: string;
  /** What the palette shows: "Search in files". */
  title: string;
  /** A group for the palette and the sheet: "File", "View", "Version", "People". */
  category: string;
  /** Key binding, `Mod+Shift+F` (see keys.ts), or alternatives (the first is the main one); absent: palette only. */
  keys?: string | readonly string[];
  /**
   * `anywhere` (default): also while typing in the editor or a field (Ctrl+P, Ctrl+S).
   * `outside-text`: only when focus is not in the editor or a field (`?`).
   */
  scope?: 'anywhere' | 'outside-text';
  /** Hidden from the palette and not run while false (a viewer's Save version). */
  enabled?: () => boolean;
  run: () => void;
}

class CommandRegistry {
  private readonly byId = shallowReactive(new Map<string, Command>());

  /** Adds (or replaces) a command; returns its removal. */
  register(command: Command): () => void {
    this.byId.set(command.id, command);
    return () => {
      if (this.byId.get(command.id) === command) this.byId.delete(command.id);
    };
  }

  /** Enabled commands, in registration order (reactive). */
  list(): Command[] {
    return [...this.byId.values()].filter((c) => c.enabled?.() ?? true);
  }

  get(id: string): Command | undefined {
    return this.byId.get(id);
  }

  run(id: string): void {
    const c = this.byId.get(id);
    if (c && (c.enabled?.() ?? true)) c.run();
  }

  /** The command bound to `event` in the context it happened, if any. */
  forEvent(event: KeyboardEvent): Command | undefined {
    const typing = isTextTarget(event.target);
    for (const c of this.byId.values()) {
      if (!c.keys || !matchesAnyKey(c.keys, event)) continue;
      if (c.scope === 'outside-text' && typing) continue;
      if (c.enabled?.() ?? true) return c;
    }
    return undefined;
  }
}

/** The one registry (one session screen at a time). */
export const commands = new CommandRegistry();

/** Whether focus is in the editor or a text field, where plain keys are typing. */
export function isTextTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest('.cm-editor')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/** Registers `command` for as long as the calling component (or effect scope) lives. */
export function useCommand(command: Command): void {
  const remove = commands.register(command);
  if (getCurrentScope()) onScopeDispose(remove);
}

/**
 * Runs bound commands on keydown, before the editor or the browser sees the keys (capture phase):
 * Ctrl+P never reaches the print dialog. While a modal dialog is open (other than `.command-layer`
 * pickers), only commands marked with `inDialogs` run; their keys are still kept from the browser.
 */
export function useCommandKeys(options: { inDialogs?: readonly string[] } = {}): void {
  const allowed = new Set(options.inDialogs ?? []);
  const onKeydown = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing) return;
    const command = commands.forEvent(event);
    if (!command) return;
    event.preventDefault();
    event.stopPropagation();
    const dialog = document.querySelector('dialog[open]:not(.command-layer)');
    if (dialog && !allowed.has(command.id)) return;
    command.run();
  };
  window.addEventListener('keydown', onKeydown, { capture: true });
  if (getCurrentScope())
    onScopeDispose(() => window.removeEventListener('keydown', onKeydown, { capture: true }));
}
