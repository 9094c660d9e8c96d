// Reads a history file in any supported format, detecting the format from the content unless one is
// given. This is the single entry point `faultline check` and the tests use.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { parseEdn } from './edn.ts';
import { parseEtcdLog } from './etcd-log.ts';
import { parseJsonl } from './jsonl.ts';
import type { HistoryFormat, ParsedHistory } from './parsed.ts';

export type { HistoryFormat, ParsedHistory } from './parsed.ts';
export const FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'etcd-log'];
/** Other names people use for the same formats (MANIFEST.tsv says jepsen-edn). */
const ALIASES: Record<string, HistoryFormat> = { json: 'jsonl', 'jepsen-edn': 'edn', knossos: 'edn', etcd: 'etcd-log' };

export function formatByName(name: string): HistoryFormat {
  const format = (FORMATS as readonly string[]).includes(name) ? (name as HistoryFormat) : ALIASES[name];
  if (!format) throw new UsageError(`unknown history format '${name}' (known: ${FORMATS.join(', ')})`);
  return format;
}

/** Guesses the format from the first meaningful characters of the text. */
export function detectFormat(text: string, file: string): HistoryFormat {
  const head = text.slice(0, 65536);
  if (/^\s*INFO\s+jepsen\.util\s+-/m.test(head)) return 'etcd-log';
  const start = head.replace(/^(\s|;[^\n]*\n)*/, '');
  if (/^\{\s*"/.test(start)) return 'jsonl';
  if (/^(\[|\{\s*:|#[a-zA-Z])/.test(start)) return 'edn';
  if (start === '') throw new UsageError(`${file}: empty history`);
  throw new UsageError(`${file}:1: cannot tell the history format (not JSONL, EDN or a jepsen.util log); pass --format`);
}

export function parseHistory(text: string, file: string, format?: HistoryFormat): ParsedHistory {
  const chosen = format ?? detectFormat(text, file);
  if (chosen === 'jsonl') return parseJsonl(text, file);
  if (chosen === 'edn') return parseEdn(text, file);
  return parseEtcdLog(text, file);
}

export function loadHistory(file: string, format?: HistoryFormat): ParsedHistory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read history (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseHistory(text, file, format);
}
