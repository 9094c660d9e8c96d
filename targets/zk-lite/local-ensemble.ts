// Starts a zk-lite ensemble as child processes on loopback with free ports, for tests and
// measurements: one zoo.cfg + myid per node in an `fl-zk-lite-*` temp dir, pids recorded so only
// our own processes are ever killed, and helpers to kill, restart and find the leader.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const TSX = import.meta.resolve('tsx');
/**
 * Closes every descriptor above stderr, then execs the server. The native ZooKeeper C client opens
 * its sockets without close-on-exec, so a server started while the test holds client connections
 * would inherit them; a socket the test then closes lives on in the child, and its stale readiness
 * events make the client addon shut down unrelated new handles ("no response too many times").
 */
const CLOSE_INHERITED_FDS = 'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@"';

export interface LocalNode { id: number; clientPort: number; peerPort: number; electionPort: number; dataDir: string; configFile: string; process?: ChildProcess }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends a four-letter word to a client port; resolves with the text, or '' if unreachable in time. */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); resolve(text); }, timeoutMs);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => { text += d.toString(); });
    socket.on('error', () => { clearTimeout(timer); resolve(''); });
    socket.on('close', () => { clearTimeout(timer); resolve(text); });
  });
}

const alive = (child?: ChildProcess): child is ChildProcess => child !== undefined && child.exitCode === null && child.signalCode === null;

export interface EnsembleOptions { size?: number; tickTime?: number; bugs?: string[]; extra?: Record<string, string> }

export class LocalEnsemble {
  readonly nodes: LocalNode[] = [];
  readonly root: string;

  private constructor(private readonly opts: Required<EnsembleOptions>) {
    this.root = mkdtempSync(join(tmpdir(), 'fl-zk-lite-'));
  }

  static async create(options: EnsembleOptions = {}): Promise<LocalEnsemble> {
    const e = new LocalEnsemble({ size: 3, tickTime: 300, bugs: [], extra: {}, ...options });
    for (let id = 1; id <= e.opts.size; id++) {
      const dataDir = join(e.root, `node${id}`);
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'myid'), `${id}\n`);
      e.nodes.push({ id, clientPort: await freePort(), peerPort: await freePort(), electionPort: await freePort(), dataDir, configFile: join(dataDir, 'zoo.cfg') });
    }
    for (const n of e.nodes) writeFileSync(n.configFile, e.configText(n));
    return e;
  }

  private configText(n: LocalNode): string {
    const lines = [`tickTime=${this.opts.tickTime}`, 'initLimit=10', 'syncLimit=5', `dataDir=${n.dataDir}`,
      `clientPort=${n.clientPort}`, 'clientPortAddress=127.0.0.1', '4lw.commands.whitelist=*', 'admin.enableServer=false',
      ...this.nodes.map((p) => `server.${p.id}=127.0.0.1:${p.peerPort}:${p.electionPort}`)];
    if (this.opts.bugs.length > 0) lines.push(`bug=${this.opts.bugs.join(',')}`);
    for (const [k, v] of Object.entries(this.opts.extra)) lines.push(`${k}=${v}`);
    return lines.join('\n') + '\n';
  }

  connectString(ids = this.nodes.map((n) => n.id)): string {
    return ids.map((id) => `127.0.0.1:${this.node(id).clientPort}`).join(',');
  }

  node(id: number): LocalNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  pids(): number[] {
    return this.nodes.flatMap((n) => (alive(n.process) && n.process.pid !== undefined ? [n.process.pid] : []));
  }

  start(id: number): void {
    const n = this.node(id);
    if (alive(n.process)) return;
    const out = createWriteStream(join(n.dataDir, 'zk-lite.log'), { flags: 'a' });
    const child = spawn('bash', ['-c', CLOSE_INHERITED_FDS, 'zk-lite', process.execPath, '--import', TSX, MAIN, '--config', n.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    n.process = child;
  }

  startAll(): void {
    for (const n of this.nodes) this.start(n.id);
  }

  /** Kills one node's process (SIGKILL by default: a crash) and waits until it is gone. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.node(id).process;
    if (!alive(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) one node's process: a pause fault. */
  signal(id: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
    const child = this.node(id).process;
    if (alive(child)) child.kill(signal);
  }

  /** Waits until every listed node answers srvr with a mode; returns the leader's id. */
  async waitServing(ids = this.nodes.map((n) => n.id), deadlineMs = 20000): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < deadlineMs) {
      const modes = await Promise.all(ids.map((id) => this.mode(id)));
      const leader = ids.find((_, i) => modes[i] === 'leader' || modes[i] === 'standalone');
      if (modes.every((m) => m !== null) && leader !== undefined) return leader;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`zk-lite nodes ${ids.join(',')} not serving with a leader after ${deadlineMs} ms (logs in ${this.root})`);
  }

  async mode(id: number): Promise<string | null> {
    const text = await fourLetterWord(this.node(id).clientPort, 'srvr', 500);
    return /^Mode: (\w+)/m.exec(text)?.[1] ?? null;
  }

  async leader(ids = this.nodes.map((n) => n.id)): Promise<number | null> {
    for (const id of ids) if ((await this.mode(id)) === 'leader') return id;
    return null;
  }

  /** Stops every node we started (SIGTERM, then SIGKILL after a grace period) and removes the data. */
  async destroy(keepData = false): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      const child = n.process;
      if (!alive(child)) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      child.kill('SIGCONT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }));
    if (!keepData) rmSync(this.root, { recursive: true, force: true });
  }
}
