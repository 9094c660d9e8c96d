// faultline's Toxiproxy-compatible proxy server, started in-process by the harness (or on its own by
// `faultline proxy`). The API listens on loopback only: whoever reaches it can cut and slow links.
import http from 'node:http';
import { Toxiproxy } from 'toxiproxy-node-client';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../errors.ts';
import { ProxyCollection } from './collection.ts';
import { createApi } from './api.ts';
import { formatHostPort, isLoopback } from './address.ts';

export interface ProxyServerOptions {
  /** Loopback address for the API (default 127.0.0.1). */
  host?: string;
  /** API port; default 0 = a free one (the `faultline proxy` command defaults to Toxiproxy's 8474). */
  port?: number;
  /** Receives one short line per API call. */
  log?: (line: string) => void;
}

export class StartedProxyServer implements AsyncDisposable {
  private stopped = false;

  constructor(
    private readonly http: http.Server,
    readonly proxies: ProxyCollection,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Base URL for toxiproxy-node-client: `new Toxiproxy(server.url)`. */
  get url(): string {
    return `http://${formatHostPort({ host: this.host, port: this.port })}`;
  }

  /** A toxiproxy-node-client for this server. */
  client(): Toxiproxy {
    return new Toxiproxy(this.url);
  }

  /** Close every proxy (listeners and live connections), then the API. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.proxies.serial(() => this.proxies.closeAll());
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export class ProxyServer {
  static async start(options: ProxyServerOptions = {}): Promise<StartedProxyServer> {
    const requested = options.host ?? '127.0.0.1';
    const host = requested === 'localhost' ? '127.0.0.1' : requested;
    if (!isLoopback(host)) throw new UsageError(`proxy API host ${requested} is not a loopback address; it only listens on loopback`);
    const proxies = new ProxyCollection();
    const server = http.createServer(createApi(proxies, options.log ?? (() => {})));
    server.keepAliveTimeout = 5000;
    server.listen({ host, port: options.port ?? 0, exclusive: true });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new StartedProxyServer(server, proxies, host, port);
  }
}
