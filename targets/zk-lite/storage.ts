// Durable Raft state in dataDir: the log (one JSON entry per line, appended and fsynced before the
// server acknowledges it) and the hard state (term, vote). A crash leaves at most a torn last line,
// which recovery drops. The no-fsync bug keeps each appended entry in process memory until it is
// `lazyFlushMs` old and then writes it without fsync, so a crash at any moment loses the entries of
// the last `lazyFlushMs` — acknowledged ones included, the failure real fsync prevents. (Merely not
// calling fsync would lose nothing on a SIGKILL: the kernel's page cache outlives the process.)
// A write that fails (a full disk: ENOSPC) changes nothing: the log is cut back to where it was, the
// hard state keeps its old value, and the caller gets a DiskFull to act on (raft.ts stops taking part
// until writes succeed again). The ignore-enospc bug instead keeps the unwritten entries in memory as
// if they were durable.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './tree.ts';

export interface HardState { term: number; votedFor: number | null }

/** A write to the data folder failed for want of room; nothing was changed. */
export class DiskFull extends Error {
  constructor(what: string, readonly code: string) {
    super(`${what}: no space left on the data folder (${code})`);
  }
}

/** writeSync writes less than asked when the disk fills up mid-way, without an error; this writes the
 *  rest, so a full disk always ends in ENOSPC instead of a torn line taken for a written one. */
function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done);
}

const isFull = (err: unknown) => ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException)?.code ?? '');

export class RaftStorage {
  readonly entries: Entry[] = [];
  hard: HardState = { term: 0, votedFor: null };
  private readonly dir: string;
  private fd = -1;
  /** no-fsync: appended lines not written yet, with the time they were appended. */
  private unflushed: { at: number; line: string }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(dataDir: string, private readonly durable: boolean, private readonly lazyFlushMs: number, private readonly ignoreFull = false) {
    this.dir = join(dataDir, 'zk-lite');
    mkdirSync(this.dir, { recursive: true });
  }

  private get logFile(): string { return join(this.dir, 'log.jsonl'); }
  private get stateFile(): string { return join(this.dir, 'state.json'); }

  /** Reads the log and hard state written by an earlier run of this server, if any. */
  load(): void {
    if (existsSync(this.stateFile)) this.hard = JSON.parse(readFileSync(this.stateFile, 'utf8')) as HardState;
    if (existsSync(this.logFile)) {
      for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
        if (line === '') continue;
        let entry: Entry;
        try { entry = JSON.parse(line) as Entry; } catch { break; }
        if (entry.index !== this.entries.length + 1) break;
        this.entries.push(entry);
      }
      this.rewrite(this.entries);
    }
    this.fd = openSync(this.logFile, 'a');
    if (!this.durable) this.flushTimer = setInterval(() => this.flush(Date.now() - this.lazyFlushMs), Math.max(20, this.lazyFlushMs / 10)).unref();
  }

  lastIndex(): number { return this.entries.length; }
  termAt(index: number): number { return index === 0 ? 0 : (this.entries[index - 1]?.term ?? -1); }
  entryAt(index: number): Entry | undefined { return this.entries[index - 1]; }

  /** Appends entries and makes them durable before returning (unless the no-fsync bug is on). */
  append(batch: Entry[]): void {
    if (batch.length === 0) return;
    const text = batch.map((e) => JSON.stringify(e) + '\n');
    if (!this.durable) {
      for (const e of batch) this.entries.push(e);
      const at = Date.now();
      for (const line of text) this.unflushed.push({ at, line });
      return;
    }
    const size = fstatSync(this.fd).size;
    try {
      writeAll(this.fd, text.join(''));
      fsyncSync(this.fd);
    } catch (err) {
      if (!isFull(err)) throw err;
      try { ftruncateSync(this.fd, size); } catch { /* the torn line is dropped on load anyway */ }
      if (!this.ignoreFull) throw new DiskFull(`appending ${batch.length} log entries`, (err as NodeJS.ErrnoException).code!);
    }
    for (const e of batch) this.entries.push(e);
  }

  /** Drops entries from `index` on (a conflicting suffix from an old term). */
  truncateFrom(index: number): void {
    if (index > this.entries.length) return;
    this.flush();
    this.rewrite(this.entries.slice(0, index - 1)); // the file is replaced only once the new one is whole
    this.entries.length = index - 1;
    closeSync(this.fd);
    this.fd = openSync(this.logFile, 'a');
  }

  private rewrite(entries: Entry[]): void {
    const tmp = this.logFile + '.tmp';
    this.replaceFile(tmp, `rewriting the log (${entries.length} entries)`, (fd) => {
      const chunk = 2000;
      for (let i = 0; i < entries.length; i += chunk) writeAll(fd, entries.slice(i, i + chunk).map((e) => JSON.stringify(e) + '\n').join(''));
    });
    renameSync(tmp, this.logFile);
  }

  /** Writes `tmp` whole and fsynced, or removes it and throws (DiskFull when there was no room). */
  private replaceFile(tmp: string, what: string, write: (fd: number) => void): void {
    const fd = openSync(tmp, 'w');
    try {
      write(fd);
      fsyncSync(fd);
    } catch (err) {
      rmSync(tmp, { force: true });
      if (isFull(err)) throw new DiskFull(what, (err as NodeJS.ErrnoException).code!);
      throw err;
    } finally {
      closeSync(fd);
    }
  }

  /** Persists term and vote; the new values count only once they are on disk. */
  saveHardState(hard: HardState): void {
    const tmp = this.stateFile + '.tmp';
    this.replaceFile(tmp, `saving term ${hard.term}`, (fd) => writeAll(fd, JSON.stringify(hard)));
    renameSync(tmp, this.stateFile);
    this.hard = { ...hard };
  }

  /** Writes the lazily buffered entries appended before `olderThan` (all by default; no-fsync mode
   *  only, and still without fsync). */
  flush(olderThan = Infinity): void {
    if (this.unflushed.length === 0 || this.fd < 0) return;
    let n = 0;
    while (n < this.unflushed.length && this.unflushed[n].at < olderThan) n++;
    if (n === 0) return;
    writeSync(this.fd, this.unflushed.slice(0, n).map((u) => u.line).join(''));
    this.unflushed = this.unflushed.slice(n);
  }

  close(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
