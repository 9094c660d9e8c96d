// Small TCP peers for exercising a proxy: an echo server, a server that sends N bytes and closes, and
// a client that measures what arrives and when. Used by the proxy's tests and its benchmark.
import net from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

export interface StartedPeer extends AsyncDisposable {
  port: number;
  address: string; // "127.0.0.1:port"
  stop(): Promise<void>;
}

async function listen(server: net.Server): Promise<StartedPeer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { port, address: `127.0.0.1:${port}`, stop, [Symbol.asyncDispose]: stop };
}

/** Echoes every byte back; half-closes when the client half-closes. */
export function startEchoServer(): Promise<StartedPeer> {
  return listen(net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  }));
}

/** Sends `bytes` bytes (a repeating pattern) to each client, then closes. */
export function startByteSource(bytes: number): Promise<StartedPeer> {
  const block = Buffer.alloc(64 * 1024, 'faultline-');
  return listen(net.createServer({ noDelay: true }, (s) => {
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const part = block.subarray(0, Math.min(left, block.length));
        left -= part.length;
        if (!s.write(part)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
  }));
}

export interface Received {
  bytes: number;
  chunks: number;
  /** ms from connect to the first byte, to the end (or error), and how it ended */
  firstByteMs: number | null;
  endMs: number;
  error: string | null;
}

/** Connect, optionally send `payload`, and collect everything until the connection ends or `limitMs`. */
export async function receiveAll(address: string, payload?: Buffer, limitMs = 5000): Promise<Received> {
  const [host, port] = address.split(':');
  const socket = net.connect({ host, port: Number(port) });
  const start = performance.now();
  const got: Received = { bytes: 0, chunks: 0, firstByteMs: null, endMs: 0, error: null };
  await once(socket, 'connect');
  if (payload) socket.write(payload);
  socket.on('data', (d: Buffer) => {
    if (got.firstByteMs === null) got.firstByteMs = performance.now() - start;
    got.bytes += d.length;
    got.chunks += 1;
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      got.error = 'limit';
      socket.destroy();
      resolve();
    }, limitMs);
    socket.on('error', (err: NodeJS.ErrnoException) => (got.error = err.code ?? err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  got.endMs = performance.now() - start;
  return got;
}

/** One open connection to an echo peer that times request/response round trips. */
export class EchoClient {
  private buffered = 0;
  private waiter: (() => void) | null = null;
  private closed: string | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buffered += d.length;
      this.waiter?.();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (this.closed = err.code ?? err.message));
    socket.on('close', () => {
      this.closed ??= 'closed';
      this.waiter?.();
    });
  }

  static async connect(address: string): Promise<EchoClient> {
    const [host, port] = address.split(':');
    const socket = net.connect({ host, port: Number(port) });
    await once(socket, 'connect');
    return new EchoClient(socket);
  }

  /** Send `size` bytes and wait until as many came back; resolves with ms taken. */
  async roundTrip(size = 16, limitMs = 3000): Promise<number> {
    const start = performance.now();
    this.buffered = 0;
    this.socket.write(Buffer.alloc(size, 'x'));
    const deadline = start + limitMs;
    while (this.buffered < size) {
      if (this.closed) throw new Error(`connection ended before the echo came back: ${this.closed}`);
      const wait = deadline - performance.now();
      if (wait <= 0) throw new Error(`no echo within ${limitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return performance.now() - start;
  }

  get endedWith(): string | null {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
