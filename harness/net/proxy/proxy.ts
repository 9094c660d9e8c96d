// One named proxy: a TCP listener that forwards every accepted connection to its upstream through the
// proxy's toxics. Disabling it closes the listener and every live connection; enabling it listens
// again on the same address, so clients can reconnect to the port they already know.
import net from 'node:net';
import { once } from 'node:events';
import { ProxiedConnection } from './connection.ts';
import { ToxicState } from './toxic-state.ts';
import { assertAllowedHost, formatHostPort, parseHostPort, type HostPort } from './address.ts';
import { ApiError } from './api-error.ts';
import type { ProxyJson, ToxicJson } from './schema.ts';

export class TcpProxy {
  private listenAt: HostPort;
  private target: HostPort;
  private server: net.Server | null = null;
  private readonly connections = new Set<ProxiedConnection>();
  private readonly toxics = new Map<string, ToxicState>();

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
  ) {
    this.listenAt = checkedAddress(listen, 'listen');
    this.target = checkedAddress(upstream, 'upstream');
  }

  get enabled(): boolean {
    return this.server !== null;
  }

  get listen(): string {
    return formatHostPort(this.listenAt);
  }

  get upstream(): string {
    return formatHostPort(this.target);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async enable(): Promise<void> {
    if (this.server) return;
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    server.listen({ host: this.listenAt.host, port: this.listenAt.port, exclusive: true });
    try {
      await once(server, 'listening');
    } catch (err) {
      throw listenError(this.name, this.listen, err as NodeJS.ErrnoException);
    }
    server.on('error', () => {}); // errors after listening surface on the connections instead
    const address = server.address() as net.AddressInfo;
    this.listenAt = { host: this.listenAt.host, port: address.port };
    this.server = server;
  }

  async disable(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of [...this.connections]) conn.destroy();
    await closed;
  }

  /** Change listen/upstream (restarts the listener, dropping connections) and/or enabled. */
  async update(change: { listen?: string; upstream?: string; enabled?: boolean }): Promise<void> {
    const listen = change.listen !== undefined ? checkedAddress(change.listen, 'listen') : this.listenAt;
    const target = change.upstream !== undefined ? checkedAddress(change.upstream, 'upstream') : this.target;
    const moved = formatHostPort(listen) !== this.listen || formatHostPort(target) !== this.upstream;
    const wantEnabled = change.enabled ?? this.enabled;
    if (moved || !wantEnabled) await this.disable();
    this.listenAt = listen;
    this.target = target;
    if (wantEnabled) await this.enable();
  }

  toxicList(): ToxicJson[] {
    return [...this.toxics.values()].map((t) => t.toJSON());
  }

  getToxic(name: string): ToxicState {
    const toxic = this.toxics.get(name);
    if (!toxic) throw new ApiError(404, 'toxic not found');
    return toxic;
  }

  addToxic(toxic: ToxicState): void {
    if (this.toxics.has(toxic.name)) throw new ApiError(409, 'toxic already exists');
    this.toxics.set(toxic.name, toxic);
    for (const conn of this.connections) conn.attach(toxic);
  }

  toxicUpdated(toxic: ToxicState): void {
    for (const conn of this.connections) conn.updated(toxic);
  }

  removeToxic(name: string): void {
    const toxic = this.getToxic(name);
    this.toxics.delete(name);
    for (const conn of [...this.connections]) conn.detach(toxic);
  }

  removeAllToxics(): void {
    for (const name of [...this.toxics.keys()]) this.removeToxic(name);
  }

  toJSON(): ProxyJson {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxicList() };
  }

  private accept(client: net.Socket): void {
    client.on('error', () => {}); // a failure before the connection is wired must not crash the server
    const conn = new ProxiedConnection(client, this.target, this.toxics.values(), (c) => this.connections.delete(c));
    this.connections.add(conn);
  }
}

/** A listen address in use is a conflict (409), one this machine does not have or cannot bind a bad
 *  request (400), a privileged port without the right 403; only the unexpected is a 500. */
function listenError(name: string, listen: string, err: NodeJS.ErrnoException): ApiError {
  const why: Record<string, [number, string]> = {
    EADDRINUSE: [409, 'the address is already in use'],
    EADDRNOTAVAIL: [400, 'no interface of this machine has that address'],
    EAFNOSUPPORT: [400, 'this machine does not support that address family'],
    EINVAL: [400, 'the address cannot be bound'],
    EACCES: [403, 'permission denied (a privileged port?)'],
  };
  const [status, text] = why[err.code ?? ''] ?? [500, err.message];
  return new ApiError(status, `proxy ${name}: cannot listen on ${listen}: ${text}`);
}

function checkedAddress(text: string, role: 'listen' | 'upstream'): HostPort {
  try {
    const address = parseHostPort(text);
    assertAllowedHost(address.host, role);
    return address;
  } catch (err) {
    throw new ApiError(400, `${role}: ${(err as Error).message}`);
  }
}
