// Value helpers shared by the models: history values arrive as arbitrary JSON, the search wants
// primitives it can compare with === and hash to integers cheaply.

/** Turns a JSON value into a primitive that compares with ===: null, number, string or boolean stay,
 *  arrays and objects become their JSON text. */
export function canonical(value: unknown): null | number | string | boolean {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** FNV-1a over the UTF-16 code units of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Integer hash of a canonical primitive. */
export function hashValue(v: null | number | string | boolean): number {
  if (v === null) return 0x2545f491;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? Math.imul(v | 0, 0x9e3779b1) ^ 0x51ed27 : hashString(String(v));
  if (typeof v === 'boolean') return v ? 0x68e31da4 : 0x1b56c4e9;
  return hashString(v);
}

/** Short human text for a value in tables. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  const text = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function expectFunction(op: { f: string }, allowed: readonly string[], model: string): void {
  if (!allowed.includes(op.f)) throw new Error(`model ${model} has no operation '${op.f}' (expected ${allowed.join(', ')})`);
}
