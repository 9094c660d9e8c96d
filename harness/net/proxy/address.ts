// Addresses the proxy may listen on and forward to. faultline only ever talks to loopback or to the
// 10.77.0.0/16 hosts it created itself, so the proxy refuses anything else instead of becoming a way
// to reach the wider network; "host:port" parsing follows Toxiproxy's `listen`/`upstream` fields.
import net from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/** Parse "127.0.0.1:8080", "[::1]:8080", "localhost:8080" or ":8080" (loopback). */
export function parseHostPort(text: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new Error(`address "${text}" is not host:port`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`port ${port} in "${text}" is out of range`);
  const raw = match[1] ?? match[2];
  const host = raw === '' || raw === 'localhost' ? '127.0.0.1' : raw;
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped !== null && mapped[1].startsWith('127.');
}

/** The private range faultline's own namespaces and containers use. */
export function isFaultlineNetwork(host: string): boolean {
  return net.isIPv4(host) && host.startsWith('10.77.');
}

/** Throws unless `host` is loopback or inside faultline's own 10.77.0.0/16. */
export function assertAllowedHost(host: string, role: 'listen' | 'upstream'): void {
  if (isLoopback(host) || isFaultlineNetwork(host)) return;
  throw new Error(`${role} host ${host} is not allowed: only loopback or 10.77.0.0/16`);
}
