/**
 * ShareDB's client `require`s Node's `util` for `inherits` alone (falling back to a package when
 * it is missing). The Vite config points `util` here, so the browser gets just that instead of an
 * externalized module that warns on every access.
 */
// biome-ignore lint/complexity/noBannedTypes: mirrors Node's util.inherits signature
export function inherits(ctor: Function, superCtor: Function): void {
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

export default { inherits };
