// The ZooKeeper configuration-watch recipe under faults (`zk-config`): one writer keeps publishing
// a new configuration (an increasing number) into /fl-config; every watcher reads it with a data
// watch, and each time the watch fires it records the firing and reads again with a new watch. The
// checker (../../checker/recipes/config.ts) holds this to what ZooKeeper promises: a watch fires at
// most once per registration, a session never sees the configuration go backwards, and after the
// heal every watcher's watch-fed view converges to the last configuration written.
//
// The writer's `write` is getData + a versioned setData of max(seen, own counter) + 1: a write whose
// outcome was unknown and that lands late fails on the version instead of rolling the value back, so
// the znode's value only ever grows. Watcher ops: `read` (a plain getData, no watch — sequentially
// consistent per session), and after the heal a final `view` (the watch-fed view, once it has caught
// up with what the server holds or after a wait). Firings and watch-fed reads are `watch` and
// `config` events in the history, each tagged with its registration id and session.
//
// `variant: 'no-rewatch'` is deliberately wrong: the watcher never registers again after its first
// firing, so its view freezes at the first change and never converges.
import { type SessionOptions, choiceOption, numberOption, sessionOptions } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { configCheckers } from '../../checker/recipes/config.ts';
import { HarnessError } from '../../errors.ts';
import { eachWorkerOnce } from '../../generator/combinators.ts';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { int, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint } from '../../target.ts';
import { isZkCode, outcomeOf, type SessionEvent, type ZkSession } from '../../clients/zk-client.ts';
import { RecipeSession } from './session.ts';

export const CONFIG_PATH = '/fl-config';
/** Written by a final view before it reads: the answer comes only after the server applied every
 *  earlier commit, so the read after it sees the last configuration. */
const SYNC_PATH = '/fl-config-sync';
export type ConfigVariant = 'correct' | 'no-rewatch';
const VARIANTS: readonly ConfigVariant[] = ['correct', 'no-rewatch'];

export interface ConfigOptions extends SessionOptions {
  variant: ConfigVariant;
  /** Worker slots 0..writers-1 write, the others watch. */
  writers: number;
  /** How long the final view waits for the watch-fed view to reach what the server holds. */
  viewWaitMs: number;
  /** Pause between a watcher's plain reads, so watchers do not spin on the ensemble. */
  readPauseMs: number;
}

export function configOptions(o: Record<string, unknown>): ConfigOptions {
  const variant = choiceOption(o, 'config', VARIANTS);
  const int = numberOption(o);
  return { variant, writers: int('writers', 1), ...sessionOptions(o), viewWaitMs: int('viewWaitMs', 6000), readPauseMs: int('readPauseMs', 100) };
}

const decode = (data: string | null): number => (data ? Number(data) : 0);

/** The highest configuration number any writer has tried, shared by the writers of one run. */
class WriterCounter {
  private n = 0;
  next(seen: number): number {
    this.n = Math.max(this.n, seen) + 1;
    return this.n;
  }
}

export class ConfigClient implements Client {
  private readonly zk: RecipeSession;
  private readonly record: ReturnType<WorkloadContext['events']>;
  /** The watch-fed view: the last configuration read through a watch registration. */
  private view: { value: number; session: string } | undefined;
  private registrations = 0;
  /** Numbers every getData in the order it is issued: a session answers in that order, while the
   *  history may record a read's completion after a later watch-fed read (they reach the recorder
   *  through different promise chains). The checker orders a session's sightings by it. */
  private issued = 0;
  /** The registration whose firing (or loss) this watcher is waiting for. */
  private armed: number | undefined;
  private firstFiringSeen = false;
  private closed = false;
  private progress: (() => void)[] = [];

  /** Set by the first `read` or `view`: writers never watch. */
  private watcher = false;

  constructor(ctx: WorkloadContext<ZkEndpoint>, process: number, private readonly o: ConfigOptions, private readonly counter: WriterCounter) {
    this.record = ctx.events(process);
    this.zk = new RecipeSession(ctx, process, o, (state) => this.onSession(state));
  }

  async open(): Promise<void> {
    await this.zk.openAt(CONFIG_PATH, '0');
  }

  /** The first read or view makes this client a watcher and arms its first registration. */
  private startWatching(): void {
    if (this.watcher) return;
    this.watcher = true;
    void this.watchLoop();
  }

  private onSession(state: SessionEvent): void {
    // the registrations of an expired session are gone with it: register again on a new session
    if (state === 'expired' && this.watcher && !this.closed) {
      this.armed = undefined;
      void this.watchLoop();
    }
  }

  /** Registers a data watch (getData + watch) until one succeeds, the client closes, or the broken
   *  variant has had its first firing. Only one registration is armed at a time. */
  private async watchLoop(): Promise<void> {
    for (let attempt = 0; attempt < 200 && !this.closed && this.armed === undefined; attempt++) {
      if (this.o.variant === 'no-rewatch' && this.firstFiringSeen) return; // the bug
      let s: ZkSession;
      try {
        s = await this.zk.live();
      } catch {
        await sleep(500);
        continue;
      }
      const registration = ++this.registrations;
      try {
        this.armed = registration;
        const seq = ++this.issued;
        const { data, stat } = await s.get(CONFIG_PATH, (event) => this.fired(registration, event, s.sessionId));
        this.saw(decode(data), s.sessionId, registration, stat.mzxid, seq);
        return;
      } catch (err) {
        if (this.armed === registration) this.armed = undefined;
        if (!isZkCode(err, 'NoNode')) await s.awaitConnected(1000);
        else await sleep(200);
      }
    }
  }

  /** A watch fired: record it (a second firing of one registration is what the checker looks for),
   *  then read again with a new watch. */
  private fired(registration: number, event: string, session: string): void {
    this.record('watch', { registration, event, session }, { node: this.zk.node });
    this.firstFiringSeen = true;
    if (this.armed !== registration || this.closed) return;
    this.armed = undefined;
    void this.watchLoop();
  }

  private saw(value: number, session: string, registration: number, zxid: number, seq: number): void {
    this.record('config', { value, session, registration, zxid, seq }, { node: this.zk.node });
    this.view = { value, session };
    const w = this.progress;
    this.progress = [];
    w.forEach((r) => r());
  }

  invoke(op: OpSpec): Promise<Completion> {
    if (op.f !== 'write') this.startWatching();
    switch (op.f) {
      case 'write': return this.write();
      case 'read': return this.read();
      case 'view': return this.finalView();
      default: throw new HarnessError(`config has no op '${op.f}'`);
    }
  }

  private async session(): Promise<ZkSession | Completion> {
    try {
      return await this.zk.live();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}` };
    }
  }

  /** getData, then setData(max(seen, counter) + 1, version read). */
  private async write(): Promise<Completion> {
    const s = await this.session();
    if (!('sessionId' in s)) return s;
    let current: { data: string | null; stat: { version: number } };
    try {
      current = await s.get(CONFIG_PATH);
    } catch (err) {
      return { type: 'fail', error: `read before write: ${outcomeOf(err).error}` };
    }
    const value = this.counter.next(decode(current.data));
    try {
      const stat = await s.set(CONFIG_PATH, String(value), current.stat.version);
      return { type: 'ok', value, meta: { zxid: stat.mzxid, session: s.sessionId } };
    } catch (err) {
      return { ...outcomeOf(err), value, meta: { session: s.sessionId } }; // BadVersion → fail; lost → info
    }
  }

  /** A plain getData (no watch): what this session's server holds now. */
  private async read(): Promise<Completion> {
    await sleep(this.o.readPauseMs);
    const s = await this.session();
    if (!('sessionId' in s)) return s;
    try {
      const seq = ++this.issued;
      const { data, stat } = await s.get(CONFIG_PATH);
      return { type: 'ok', value: decode(data), meta: { zxid: stat.mzxid, session: s.sessionId, seq } };
    } catch (err) {
      return { type: 'fail', error: outcomeOf(err).error };
    }
  }

  /** After the heal: the watch-fed view, once it reached what the server holds (read after a
   *  catch-up write to SYNC_PATH), or after viewWaitMs. */
  private async finalView(): Promise<Completion> {
    const s = await this.session();
    if (!('sessionId' in s)) return s;
    let current: number;
    try {
      await s.ensurePath(SYNC_PATH);
      await s.set(SYNC_PATH, '', -1);
      current = decode((await s.get(CONFIG_PATH)).data);
    } catch (err) {
      return { type: 'fail', error: `reading the current configuration: ${outcomeOf(err).error}` };
    }
    const deadline = Date.now() + this.o.viewWaitMs;
    while ((this.view?.value ?? -1) < current && Date.now() < deadline) {
      await Promise.race([new Promise<void>((r) => this.progress.push(r)), sleep(Math.max(0, deadline - Date.now()))]);
    }
    return { type: 'ok', value: this.view?.value ?? null, meta: { serverHolds: current, session: this.view?.session ?? null, registrations: this.registrations } };
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.progress;
    this.progress = [];
    w.forEach((r) => r());
    this.zk.close();
  }
}

/** Writer slots write, watcher slots read. */
export function configGenerator(writers: number): OpGenerator {
  return (ctx: GenContext) => ({ f: ctx.worker < writers ? 'write' : 'read', value: null });
}

/** The options the config workload reads (defaults in configOptions). */
export const ConfigOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  writers: int(1), sessionTimeoutMs: int(1), callTimeoutMs: int(1), viewWaitMs: int(1), readPauseMs: int(0),
}).partial();

export const configWorkload = defineWorkload(ConfigOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = configOptions(options);
  const counter = new WriterCounter();
  const viewOnce = eachWorkerOnce(() => [{ f: 'view', value: null }]); // per run: it remembers who viewed
  return {
    name: `config-${o.variant}`,
    client(ctx, process) {
      return new ConfigClient(withCapability(ctx, isZkEndpoint, 'the config workload needs a ZooKeeper-protocol target'), process, o, counter);
    },
    generator: configGenerator(o.writers),
    final: (ctx) => (ctx.worker < o.writers ? null : viewOnce(ctx)),
    checkers: configCheckers(),
  };
});

