// The kind of a violation, so a campaign can say "the same bug on seeds 3, 7 and 9" instead of
// listing three failures. Checkers word each violation from a fixed sentence with the run's values
// filled in (processes, elements, pids, times, zxids, values read); the kind is that sentence with
// the values taken out again: numbers, quoted or JSON values and identifiers with digits become
// placeholders, and a listing of like items collapses to one. Same checker + same kind = one group.
import type { CheckResult } from '../checker/result.ts';

const MAX_KIND = 200;
/** Violations per check looked at (checkers cap theirs at 100; the kinds repeat long before). */
const SAMPLE = 50;

/** A violation message with its values taken out. */
export function violationKind(message: string): string {
  const template = message
    .replace(/"(?:[^"\\]|\\.)*"|(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)/g, 'S') // quoted strings and JSON strings (not an apostrophe)
    .replace(/[[{](?:[^[\]{}]|\[[^[\]]*\]|\{[^{}]*\})*[\]}]/g, 'V') // JSON-ish arrays and objects (two levels)
    .replace(/\b0x[0-9a-f]+\b/gi, 'N')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/gi, 'N') // session ids and hashes in hex
    .replace(/\b[A-Za-z_]*\d[\w.:-]*/g, (w) => w.replace(/\d+(?:\.\d+)?/g, 'N')) // 12, 3.5, n1, p1-17, 10.77.0.1
    .replace(/\b([NSV])(?:, \1)+\b/g, '$1') // "processes 3, 4, 5" → "processes N"
    .replace(/\s+/g, ' ')
    .trim()
    .split(', ')
    .filter((item, i, items) => i === 0 || item !== items[i - 1]) // a listing of like items: "N, N, N" → "N"
    .join(', ');
  return template.length > MAX_KIND ? `${template.slice(0, MAX_KIND - 1)}…` : template;
}

/** The kinds a failing check shows (most frequent first), and its first violation's message. */
export function checkKinds(check: Pick<CheckResult, 'summary' | 'violations'>): { kinds: string[]; example: string } {
  const messages = (check.violations ?? []).slice(0, SAMPLE).map((v) => v.message).filter((m) => typeof m === 'string' && m.length > 0);
  if (messages.length === 0) return { kinds: [violationKind(check.summary)], example: check.summary };
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(violationKind(m), (counts.get(violationKind(m)) ?? 0) + 1);
  const kinds = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return { kinds, example: messages[0] };
}
