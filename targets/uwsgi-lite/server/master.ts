// The uwsgi-lite master, doing what uWSGI's master does for a prefork stack: it owns the listening
// socket, forks N workers (each its own OS process), hands each accepted connection to one idle
// worker (a worker serves one request at a time; the rest wait, as in uWSGI's listen queue, so a
// respawn delays requests instead of refusing them), respawns any worker that dies, and once a second
// SIGKILLs a worker whose request has run past harakiri. SIGTERM/SIGINT stop everything
// (--die-on-term); if the master itself is SIGKILLed its workers see the IPC channel close and exit.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLine, RESPAWN_ENV, WORKER_ID_ENV, type WorkerMessage } from './ipc.ts';
import { serverArgs, type ServerOptions } from './options.ts';

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');
/** The harakiri-late bug's extra margin (ms) on top of H. */
const LATE_MARGIN_MS = 4000;
/** How long the master waits for its first workers before it listens anyway. */
const WORKERS_READY_MS = 30_000;

/** Whether the process is stopped (SIGSTOP): like a stopped uWSGI worker it takes no connection. */
function stopped(pid: number | undefined): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return /^[tT]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

type SlotState = 'starting' | 'idle' | 'busy' | 'retiring' | 'dead';

/** One worker position (uWSGI's worker id 1..N); its process changes on every respawn. */
interface Slot {
  id: number;
  child?: ChildProcess;
  state: SlotState;
  /** When the current request began (harakiri clock), ms. */
  busySince?: number;
  lastFree: number;
}

export class Master {
  private readonly slots: Slot[];
  private readonly queue: net.Socket[] = [];
  private readonly server = net.createServer({ pauseOnConnect: true }, (sock) => this.accept(sock));
  private stopping = false;
  private harakiriTimer?: NodeJS.Timeout;
  /** Worker slots that reported ready at least once; the master listens once all have. */
  private readonly everReady = new Set<number>();
  private onAllReady?: () => void;
  /** Retries waiting connections while every idle worker is stopped. */
  private readonly retryTimer = setInterval(() => this.queue.length && this.dispatch(), 100);

  constructor(private readonly o: ServerOptions) {
    this.slots = Array.from({ length: o.processes }, (_, i) => ({ id: i + 1, state: 'dead' as SlotState, lastFree: 0 }));
  }

  /**
   * Forks the workers, and listens only once all of them are ready: a node worker needs a second or
   * more to start (a forked uWSGI worker a few ms), and a connection accepted before any worker can
   * take it would wait instead of being refused as it is while nothing listens.
   */
  async start(): Promise<void> {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void this.shutdown(sig));
    if (this.o.bug.length) logLine('*** BUGS SWITCHED ON: %s ***', this.o.bug.join(', '));
    if (this.o.pidfile) writeFileSync(this.o.pidfile, `${process.pid}\n`);
    const ready = new Promise<void>((resolve) => (this.onAllReady = resolve));
    for (const slot of this.slots) this.spawn(slot, false);
    const late = await Promise.race([ready.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), WORKERS_READY_MS).unref())]);
    if (late) logLine('not every worker is ready after %d ms; listening anyway', WORKERS_READY_MS);
    const at = this.o.socket.lastIndexOf(':');
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.o.socket.slice(0, at), port: Number(this.o.socket.slice(at + 1)), backlog: 100 }, () => resolve());
    });
    const bound = this.server.address() as net.AddressInfo;
    logLine('uwsgi-lite socket 0 bound to TCP address %s:%d (master pid: %d)', bound.address, bound.port, process.pid);
    if (this.o.harakiri > 0) this.harakiriTimer = setInterval(() => this.checkHarakiri(), 1000);
  }

  private spawn(slot: Slot, respawn: boolean): void {
    const child = fork(WORKER_FILE, serverArgs(this.o), {
      env: { ...process.env, [WORKER_ID_ENV]: String(slot.id), ...(respawn ? { [RESPAWN_ENV]: '1' } : {}) },
      execArgv: process.execArgv,
    });
    Object.assign(slot, { child, state: 'starting', busySince: undefined });
    child.on('message', (m: WorkerMessage) => this.onMessage(slot, child, m));
    child.on('exit', (code, signal) => this.onExit(slot, child, code, signal));
    child.on('error', (err) => logLine('worker %d (pid: %d) IPC error: %s', slot.id, child.pid ?? 0, err.message));
    if (respawn) logLine('Respawned uWSGI worker %d (new pid: %d)', slot.id, child.pid ?? 0);
    else logLine('spawned uWSGI worker %d (pid: %d, cores: 1)', slot.id, child.pid ?? 0);
  }

  private onMessage(slot: Slot, child: ChildProcess, m: WorkerMessage): void {
    if (slot.child !== child) return;
    if (m.t === 'ready' || m.t === 'end') {
      if (slot.state === 'retiring') return;
      Object.assign(slot, { state: 'idle', busySince: undefined, lastFree: performance.now() });
      this.everReady.add(slot.id);
      if (this.everReady.size === this.slots.length) this.onAllReady?.();
      this.dispatch();
    } else if (m.t === 'begin') {
      slot.busySince = this.harakiriNow();
      if (this.o.bug.includes('recycle-cuts') && this.recycleDue(m.served, m.age)) this.recycleNow(slot, child, m.served);
    } else if (m.t === 'retire') {
      slot.state = 'retiring';
      logLine('worker %d (pid: %d) reached max-requests (%d >= %d): it finishes and exits', slot.id, child.pid ?? 0, m.served, this.o.maxRequests);
    }
  }

  private recycleDue(served: number, ageMs: number): boolean {
    return this.o.maxRequests > 0 && served >= this.o.maxRequests && ageMs >= this.o.minWorkerLifetime * 1000;
  }

  /** The recycle-cuts bug: the master recycles a worker as soon as it starts its last request. */
  private recycleNow(slot: Slot, child: ChildProcess, served: number): void {
    slot.state = 'retiring';
    logLine('worker %d (pid: %d) starts request %d of max-requests %d: recycling it now', slot.id, child.pid ?? 0, served, this.o.maxRequests);
    child.kill('SIGKILL');
  }

  private onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    const how = signal ? `killed by signal ${signal}` : `exit code ${code}`;
    if (slot.state === 'retiring' && !signal) logLine('worker %d killed successfully (pid: %d)', slot.id, child.pid ?? 0);
    else if (!this.stopping) logLine('DAMN ! worker %d (pid: %d) died, %s :( trying respawn ...', slot.id, child.pid ?? 0, how);
    Object.assign(slot, { child: undefined, state: 'dead', busySince: undefined });
    if (!this.stopping) this.spawn(slot, true);
  }

  private accept(sock: net.Socket): void {
    if (this.stopping) return void sock.destroy();
    sock.on('error', () => {});
    this.queue.push(sock);
    this.dispatch();
  }

  /** Hands queued connections to idle workers (a stopped one takes none), the longest-idle first. */
  private dispatch(): void {
    while (this.queue.length) {
      const idle = this.slots.filter((s) => s.state === 'idle' && !stopped(s.child?.pid)).sort((a, b) => a.lastFree - b.lastFree)[0];
      if (!idle?.child) return;
      const sock = this.queue.shift()!;
      if (sock.destroyed) continue;
      const child = idle.child;
      idle.state = 'busy';
      child.send({ t: 'conn' }, sock, { keepOpen: false }, (err) => {
        if (!err) return;
        // the worker died between being picked and receiving it: the connection waits for another
        if (idle.child === child && idle.state === 'busy') idle.state = 'dead';
        this.queue.unshift(sock);
        this.dispatch();
      });
    }
  }

  /** The clock harakiri measures requests with: monotonic, or the wall clock with the harakiri-wall-clock bug. */
  private harakiriNow(): number {
    return this.o.bug.includes('harakiri-wall-clock') ? Date.now() : performance.now();
  }

  private checkHarakiri(): void {
    const limit = this.o.harakiri * 1000 + (this.o.bug.includes('harakiri-late') ? LATE_MARGIN_MS : 0);
    const now = this.harakiriNow();
    for (const slot of this.slots) {
      if (slot.busySince === undefined || !slot.child || now - slot.busySince < limit) continue;
      logLine('*** HARAKIRI ON WORKER %d (pid: %d, try: 1) ***', slot.id, slot.child.pid ?? 0);
      logLine('HARAKIRI: request running for %d ms, harakiri %d s', Math.round(now - slot.busySince), this.o.harakiri);
      slot.busySince = undefined;
      slot.child.kill('SIGKILL');
    }
  }

  private async shutdown(sig: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    logLine('%s received: goodbye to uWSGI-lite (master pid %d)', sig, process.pid);
    clearInterval(this.harakiriTimer);
    clearInterval(this.retryTimer);
    this.server.close();
    for (const sock of this.queue.splice(0)) sock.destroy();
    const children = this.slots.map((s) => s.child).filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
    const gone = children.map((c) => new Promise<void>((r) => c.once('exit', () => r())));
    for (const c of children) c.kill('SIGTERM');
    await Promise.race([Promise.all(gone), new Promise((r) => setTimeout(r, 3000))]);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (this.o.pidfile) rmSync(this.o.pidfile, { force: true });
    process.exit(0);
  }
}
