// One client connection through a proxy: the accepted client socket, the socket to the upstream, and
// a Link for each direction. It ends when both directions have closed, when a socket fails (the other
// side is then closed too, a reset passed on as a reset), or when a toxic or the proxy ends it.
import net, { type Socket } from 'node:net';
import { Link } from './link.ts';
import type { ToxicState } from './toxic-state.ts';
import type { HostPort } from './address.ts';

export class ProxiedConnection {
  private readonly links: Link[] = [];
  private ended = false;
  private readonly upstream: Socket;

  constructor(
    private readonly client: Socket,
    target: HostPort,
    toxics: Iterable<ToxicState>,
    private readonly onEnded: (conn: ProxiedConnection) => void,
  ) {
    client.setNoDelay(true);
    this.upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const control = { close: () => this.close(), reset: () => this.reset() };
    this.links.push(new Link('upstream', client, this.upstream, control));
    this.links.push(new Link('downstream', this.upstream, client, control));
    for (const toxic of toxics) this.attach(toxic);
    this.watch(client, this.upstream);
    this.watch(this.upstream, client);
    this.upstream.once('connect', () => {
      for (const link of this.links) link.start();
      client.resume();
    });
  }

  attach(toxic: ToxicState): void {
    for (const link of this.links) if (link.stream === toxic.stream) link.attach(toxic);
  }

  updated(toxic: ToxicState): void {
    for (const link of this.links) if (link.stream === toxic.stream) link.updated(toxic);
  }

  detach(toxic: ToxicState): void {
    for (const link of this.links) if (link.stream === toxic.stream) link.detach(toxic.name);
  }

  /** Graceful: what was written still goes out, then FIN on both sides. */
  close(): void {
    if (!this.finish()) return;
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      socket.pause();
      socket.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), 2000).unref();
    }
  }

  /** Abort with a TCP RST on both sides. */
  reset(): void {
    if (!this.finish()) return;
    for (const socket of [this.client, this.upstream]) abort(socket);
  }

  /** Immediate teardown, used when the proxy is disabled or deleted. */
  destroy(): void {
    if (!this.finish()) return;
    this.client.destroy();
    this.upstream.destroy();
  }

  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    for (const link of this.links) link.dispose();
    this.onEnded(this);
    return true;
  }

  private watch(socket: Socket, other: Socket): void {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.finish()) {
        if (err.code === 'ECONNRESET') abort(other);
        else other.destroy();
      }
    });
    socket.on('close', () => {
      if (other.destroyed || other.closed) this.finish();
    });
  }
}

function abort(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.pending) socket.destroy();
  else socket.resetAndDestroy();
}
