// Reads a history file in any supported format, detecting the format from the content unless one is
// given. The single entry point for everything that reads a history (check, report, compare, the
// importers, tests): the file is streamed in chunks, never held whole; every reader follows the same
// rule for bad lines (parsed.ts); a history with no operations is an error, not an empty verdict; and
// under a memory ceiling the reading stops with a usage error once the history cannot fit.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.ts';
import type { MemoryCeiling } from '../memory.ts';
import { rssBytes } from '../memory.ts';
import { EdnHistoryReader } from './edn-history.ts';
import { EtcdLogReader } from './etcd-log.ts';
import { JsonlReader } from './jsonl.ts';
import { OpCollector, type FormatReader, type HistoryFormat, type ParsedHistory } from './parsed.ts';
import { describeContent, firstLine, sniffContent } from './sniff.ts';

export type { HistoryFormat, ParsedHistory } from './parsed.ts';
export const FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'etcd-log'];
/** Other names people use for the same formats (MANIFEST.tsv says jepsen-edn). */
const ALIASES: Record<string, HistoryFormat> = { json: 'jsonl', 'jepsen-edn': 'edn', knossos: 'edn', etcd: 'etcd-log' };
/** Bytes read per step: small enough that the memory ceiling is asked often. */
const CHUNK_BYTES = 512 * 1024;

export interface ReadOptions {
  /** The format the caller says the file has; checked against what the content looks like. */
  format?: HistoryFormat;
  /** Process-wide ceiling asked after every chunk. */
  memory?: MemoryCeiling;
  /** A run folder's history may hold no ops (the run failed before its first one). */
  allowEmpty?: boolean;
}

export function formatByName(name: string): HistoryFormat {
  const format = (FORMATS as readonly string[]).includes(name) ? (name as HistoryFormat) : ALIASES[name];
  if (!format) throw new UsageError(`unknown history format '${name}' (known: ${FORMATS.join(', ')})`);
  return format;
}

/** The format to read `head` (the start of the file) with: the given one, when the content does not
 *  look like another; else the detected one. */
export function detectFormat(head: string, file: string, given?: HistoryFormat): HistoryFormat {
  const kind = sniffContent(head);
  if (kind === 'empty') throw new UsageError(`${file}: empty history (no operations)`);
  if (given) {
    if (kind === given || kind === 'other') return given;
    const advice = kind === 'jsonl' || kind === 'edn' || kind === 'etcd-log' ? `; pass --format ${kind} or leave --format out` : '';
    throw new UsageError(`${file}: --format ${given} does not match the content, which looks like ${describeContent(kind)}${advice}`);
  }
  if (kind === 'other' || kind === 'json-array') {
    throw new UsageError(`${file}:1: cannot tell the history format: the content looks like ${describeContent(kind)} ("${firstLine(head)}"); pass --format`);
  }
  return kind;
}

/** Parses a history held in a string (tests, small inputs); same rules as loadHistory. */
export function parseHistory(text: string, file: string, format?: HistoryFormat, opts: Omit<ReadOptions, 'format' | 'memory'> = {}): ParsedHistory {
  return readAll([text], file, { ...opts, format });
}

/** Streams a history file; `format` (or opts.format) is checked against the content. */
export function loadHistory(file: string, formatOrOpts?: HistoryFormat | ReadOptions): ParsedHistory {
  const opts = typeof formatOrOpts === 'string' ? { format: formatOrOpts } : formatOrOpts ?? {};
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new UsageError(`${file}: cannot read history (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new UsageError(`${file}: cannot read history (it is a directory)`);
    return readAll(fileChunks(fd, file, opts.memory), file, opts);
  } finally {
    closeSync(fd);
  }
}

function readAll(chunks: Iterable<string>, file: string, opts: ReadOptions): ParsedHistory {
  let reader: FormatReader | undefined, out: OpCollector | undefined;
  for (const chunk of chunks) {
    if (!reader) {
      if (chunk.trim() === '' && !opts.allowEmpty) continue; // blank lines before the content
      const format = opts.allowEmpty && sniffContent(chunk) === 'empty' ? opts.format ?? 'jsonl' : detectFormat(chunk, file, opts.format);
      out = new OpCollector(file, format);
      reader = readerFor(format, out);
    }
    reader.feed(chunk);
  }
  if (!reader || !out) {
    if (opts.allowEmpty) return new OpCollector(file, opts.format ?? 'jsonl').result();
    throw new UsageError(`${file}: empty history (no operations)`);
  }
  reader.end();
  if (out.ops.length === 0 && !opts.allowEmpty) {
    const why = out.cutOff !== undefined ? `its only op, on line ${out.cutOff}, is cut off` : `nothing in it is a ${out.format} op`;
    throw new UsageError(`${file}: no operations in the history (${why})`);
  }
  return out.result();
}

function readerFor(format: HistoryFormat, out: OpCollector): FormatReader {
  if (format === 'jsonl') return new JsonlReader(out);
  if (format === 'edn') return new EdnHistoryReader(out);
  return new EtcdLogReader(out);
}

/** The file's text, chunk by chunk (UTF-8 sequences split between chunks are joined). The memory
 *  ceiling is asked after each chunk, with how far the reading got. */
function* fileChunks(fd: number, file: string, memory?: MemoryCeiling): Generator<string> {
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const decoder = new StringDecoder('utf8');
  const before = rssBytes();
  let read = 0;
  for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
    read += n;
    yield decoder.write(buf.subarray(0, n));
    memory?.assertFits(
      () => `reading ${file} stopped after ${mb(read)} of ${mb(size)} MB;`,
      // extrapolated only once a fifth is read: before that, the heap's own start-up growth dominates
      () => (read >= size / 5 ? before + ((rssBytes() - before) * size) / read : undefined),
    );
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0);
