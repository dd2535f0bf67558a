/**
 * Objects keyed by input (condition keys, tag keys, context keys) must never reach the prototype:
 * `obj["__proto__"] = v` replaces the prototype and `obj["constructor"]` reads a function. These
 * helpers read and write own properties only.
 */

/** The own property `key` of `obj`, or undefined. */
export function ownGet<V>(obj: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Define `key` as an own, enumerable property (also for `__proto__`). */
export function ownSet<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
