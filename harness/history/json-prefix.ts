// Tells a JSON line cut off mid-way (a crash during the write) from a garbled one: the first is a proper
// prefix of some JSON value, the second has a character no continuation can repair. Only a cut-off last
// line may be skipped, so this decides between a warning and an error. A small scanner rather than
// JSON.parse's error text, which differs between engines and versions.

type Expect = 'value' | 'key-or-close' | 'key' | 'colon' | 'comma-or-close' | 'done';

const WS = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];
const NUMBER_PREFIX = /^-?(?:(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][+-]?\d*)?)?$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** True when `text` is not valid JSON but some continuation of it would be. */
export function isJsonPrefix(text: string): boolean {
  const stack: string[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const afterValue = (): Expect => (stack.length === 0 ? 'done' : 'comma-or-close');
  while (i < text.length) {
    const c = text[i];
    if (WS.has(c)) { i++; continue; }
    if (expect === 'done') return false;
    if (expect === 'colon') { if (c !== ':') return false; expect = 'value'; i++; continue; }
    if (expect === 'comma-or-close') {
      const open = stack[stack.length - 1];
      if (c === ',') { expect = open === '{' ? 'key' : 'value'; i++; continue; }
      if ((c === '}' && open === '{') || (c === ']' && open === '[')) { stack.pop(); expect = afterValue(); i++; continue; }
      return false;
    }
    if (expect === 'key-or-close' && c === '}') { stack.pop(); expect = afterValue(); i++; continue; }
    if (expect === 'key' || expect === 'key-or-close') {
      if (c !== '"') return false;
      const end = stringEnd(text, i);
      if (end === -2) return false;
      if (end === -1) return true;
      expect = 'colon';
      i = end;
      continue;
    }
    // a value
    if (c === '{') { stack.push('{'); expect = 'key-or-close'; i++; continue; }
    if (c === '[') {
      stack.push('[');
      i++;
      while (i < text.length && WS.has(text[i])) i++;
      if (text[i] === ']') { stack.pop(); expect = afterValue(); i++; }
      else expect = 'value';
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end === -2) return false;
      if (end === -1) return true;
      expect = afterValue();
      i = end;
      continue;
    }
    let j = i;
    while (j < text.length && !WS.has(text[j]) && !',]}:'.includes(text[j])) j++;
    const token = text.slice(i, j);
    if (j === text.length) {
      const complete = NUMBER.test(token) || LITERALS.includes(token);
      if (complete && stack.length === 0) return false; // a whole value on its own: valid JSON
      return NUMBER_PREFIX.test(token) || LITERALS.some((l) => l.startsWith(token));
    }
    if (!NUMBER.test(token) && !LITERALS.includes(token)) return false;
    expect = afterValue();
    i = j;
  }
  return expect !== 'done';
}

/** Index after the string starting at `start` (a quote); -1 when the text ends inside it, -2 when it
 *  holds something JSON forbids (a raw control character, an unknown escape). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) return i + 1;
    if (code < 32) return -2;
    if (code !== 92) continue;
    const e = text[i + 1];
    if (e === undefined) return -1;
    if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]*$/.test(hex)) return -2;
      if (hex.length < 4) return -1;
      i += 5;
    } else if ('"\\/bfnrt'.includes(e)) i++;
    else return -2;
  }
  return -1;
}
