// Durable Raft state in dataDir: the log (one JSON entry per line, appended and fsynced before the
// server acknowledges it) and the hard state (term, vote). A crash leaves at most a torn last line,
// which recovery drops. The no-fsync bug keeps each appended entry in process memory until it is
// `lazyFlushMs` old and then writes it without fsync, so a crash at any moment loses the entries of
// the last `lazyFlushMs` — acknowledged ones included, the failure real fsync prevents. (Merely not
// calling fsync would lose nothing on a SIGKILL: the kernel's page cache outlives the process.)
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './tree.ts';

export interface HardState { term: number; votedFor: number | null }

export class RaftStorage {
  readonly entries: Entry[] = [];
  hard: HardState = { term: 0, votedFor: null };
  private readonly dir: string;
  private fd = -1;
  /** no-fsync: appended lines not written yet, with the time they were appended. */
  private unflushed: { at: number; line: string }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(dataDir: string, private readonly durable: boolean, private readonly lazyFlushMs: number) {
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
    for (const e of batch) this.entries.push(e);
    const text = batch.map((e) => JSON.stringify(e) + '\n');
    if (!this.durable) {
      const at = Date.now();
      for (const line of text) this.unflushed.push({ at, line });
      return;
    }
    writeSync(this.fd, text.join(''));
    fsyncSync(this.fd);
  }

  /** Drops entries from `index` on (a conflicting suffix from an old term). */
  truncateFrom(index: number): void {
    if (index > this.entries.length) return;
    this.flush();
    this.entries.length = index - 1;
    closeSync(this.fd);
    this.rewrite(this.entries);
    this.fd = openSync(this.logFile, 'a');
  }

  private rewrite(entries: Entry[]): void {
    const tmp = this.logFile + '.tmp';
    const fd = openSync(tmp, 'w');
    const chunk = 2000;
    for (let i = 0; i < entries.length; i += chunk) {
      writeSync(fd, entries.slice(i, i + chunk).map((e) => JSON.stringify(e) + '\n').join(''));
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.logFile);
  }

  saveHardState(hard: HardState): void {
    this.hard = { ...hard };
    const tmp = this.stateFile + '.tmp';
    writeFileSync(tmp, JSON.stringify(this.hard));
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.stateFile);
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
