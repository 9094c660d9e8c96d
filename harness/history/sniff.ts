// Tells what a history file holds from its first characters: which format to read it with when none is
// given, and — when one is given — whether the content is something else, so that `--format etcd-log`
// on a JSONL file is an error saying what the file looks like instead of "no ops, all valid".
import type { HistoryFormat } from './parsed.ts';

export type ContentKind = HistoryFormat | 'json-array' | 'empty' | 'other';

const DESCRIPTIONS: Record<ContentKind, string> = {
  jsonl: 'native JSONL (one JSON op object per line)',
  edn: 'Jepsen/Knossos EDN',
  'etcd-log': 'a Jepsen jepsen.util log',
  'json-array': 'a JSON array (faultline reads JSONL: one JSON op object per line, no enclosing [ ])',
  empty: 'empty',
  other: 'none of JSONL, EDN or a jepsen.util log',
};

export const describeContent = (kind: ContentKind): string => DESCRIPTIONS[kind];

const ETCD_LINE = /^\s*INFO\s+jepsen\.util\s+-/m;

/** The kind of content `head` (the first chunk of a file) starts with. */
export function sniffContent(head: string): ContentKind {
  const text = head.replace(/^\uFEFF/, '');
  const first = /[^\s,]/.exec(text);
  if (!first) return 'empty';
  const rest = text.slice(first.index);
  const c = rest[0];
  if (c === '{') {
    if (/^\{\s*"/.test(rest)) return 'jsonl';
    if (/^\{\s*[:}#]/.test(rest)) return 'edn';
    return 'other';
  }
  if (c === '[') return /^\[\s*(\{\s*"|")/.test(rest) ? 'json-array' : 'edn';
  if (c === '(' || c === '#' || c === ';') return 'edn';
  return ETCD_LINE.test(text) ? 'etcd-log' : 'other';
}

/** The first line of `head` worth quoting in an error message, shortened. */
export function firstLine(head: string): string {
  const line = head.split('\n').find((l) => l.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
}
