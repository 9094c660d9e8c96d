// Test helper, not a test: echo servers standing in for nodes on a runtime's hosts (plain processes
// on each host's own port), and a line-echo client that measures round trips through endpoints.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Host } from '../harness/runtime/types.ts';

export const ECHO_PORT = 7000;
export const ECHO = `require('net').createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(Number(process.argv[1]), '127.0.0.1')`;

type Endpoint = { host: string; port: number };

/** A connection that sends one line at a time and waits (bounded) for its echo. */
export class EchoConn {
  private buf = '';
  private waiter: (() => void) | undefined;
  closed: string | undefined;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf += d.toString();
      this.waiter?.();
    });
    socket.on('error', (e) => (this.closed = `error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    socket.on('close', () => {
      this.closed ??= 'closed';
      this.waiter?.();
    });
  }

  static open(ep: Endpoint, timeoutMs = 2000): Promise<EchoConn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(ep);
      const timer = setTimeout(() => (socket.destroy(), reject(new Error(`connect to ${ep.port} timed out`))), timeoutMs);
      socket.once('connect', () => (clearTimeout(timer), resolve(new EchoConn(socket))));
      socket.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
  }

  /** Round trip of one line in ms, or undefined when no echo came within timeoutMs. */
  async roundTrip(text: string, timeoutMs: number): Promise<number | undefined> {
    this.buf = '';
    const t0 = performance.now();
    this.socket.write(text + '\n');
    const got = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiter = () => {
        if (this.buf.includes('\n') || this.closed) (clearTimeout(timer), resolve(this.buf.includes('\n')));
      };
    });
    this.waiter = undefined;
    return got ? performance.now() - t0 : undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function waitListening(h: Host, port = ECHO_PORT): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((r) => net.connect({ host: '127.0.0.1', port: h.port(port) }).once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`echo server on ${h.name} did not listen within 10 s`);
}

/** Median round trip over n lines on a fresh connection. */
export async function medianRtt(ep: Endpoint, n = 5): Promise<number> {
  const c = await EchoConn.open(ep);
  try {
    const rtts: number[] = [];
    for (let i = 0; i < n; i++) {
      const rtt = await c.roundTrip(`ping ${i}`, 5000);
      assert.ok(rtt !== undefined, 'no echo within 5 s');
      rtts.push(rtt);
    }
    return rtts.sort((a, b) => a - b)[Math.floor(n / 2)];
  } finally {
    c.close();
  }
}

/** One echo process per host on its own port; resolves once all of them listen. */
export async function startEchoServers(hosts: readonly Host[]): Promise<void> {
  for (const h of hosts) await h.spawn({ name: 'echo', command: process.execPath, args: ['-e', ECHO, String(h.port(ECHO_PORT))] });
  for (const h of hosts) await waitListening(h);
}
