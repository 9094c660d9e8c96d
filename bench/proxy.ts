// Benchmark of the proxy with no toxics: how fast it moves bulk data and how much it adds to a small
// request/response round trip, each compared with the same peer dialled directly.
import { Toxiproxy } from 'toxiproxy-node-client';
import { ProxyServer } from '../harness/net/proxy/server.ts';
import { EchoClient, receiveAll, startByteSource, startEchoServer } from '../harness/net/proxy/probes.ts';

const BULK_BYTES = 64 * 1024 * 1024;
const ROUND_TRIPS = 2000;

interface Row {
  measure: string;
  direct: string;
  proxied: string;
  note: string;
}

/** Best of three transfers, so a neighbour's burst on the shared machine does not decide the number. */
async function throughput(address: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await oneTransfer(address));
  return Math.max(...runs);
}

async function oneTransfer(address: string): Promise<number> {
  const got = await receiveAll(address, undefined, 30_000);
  if (got.bytes !== BULK_BYTES) throw new Error(`bulk transfer via ${address} got ${got.bytes} of ${BULK_BYTES} bytes (${got.error})`);
  return BULK_BYTES / 1e6 / (got.endMs / 1000);
}

async function roundTrips(address: string): Promise<number[]> {
  const client = await EchoClient.connect(address);
  try {
    for (let i = 0; i < 100; i++) await client.roundTrip(16); // warm-up
    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) times.push(await client.roundTrip(16));
    return times.sort((a, b) => a - b);
  } finally {
    client.close();
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
const added = (proxied: number, direct: number) => `${proxied >= direct ? '+' : '−'}${us(Math.abs(proxied - direct))}`;

export async function bench(): Promise<void> {
  const server = await ProxyServer.start({ port: 0 });
  const source = await startByteSource(BULK_BYTES);
  const echo = await startEchoServer();
  try {
    const toxiproxy = new Toxiproxy(server.url);
    const bulk = await toxiproxy.createProxy({ name: 'fl-bench-bulk', listen: '127.0.0.1:0', upstream: source.address });
    const ping = await toxiproxy.createProxy({ name: 'fl-bench-ping', listen: '127.0.0.1:0', upstream: echo.address });
    const direct = await throughput(source.address);
    const proxied = await throughput(bulk.listen);
    const rttDirect = await roundTrips(echo.address);
    const rttProxied = await roundTrips(ping.listen);
    const rows: Row[] = [
      { measure: 'throughput, 64 MB (best of 3)', direct: `${direct.toFixed(0)} MB/s`, proxied: `${proxied.toFixed(0)} MB/s`, note: `${((proxied / direct) * 100).toFixed(0)}% of direct` },
      { measure: 'round trip p50 (16 B)', direct: us(pct(rttDirect, 0.5)), proxied: us(pct(rttProxied, 0.5)), note: `${added(pct(rttProxied, 0.5), pct(rttDirect, 0.5))} (same process: peers, proxy, client share one thread)` },
      { measure: 'round trip p99 (16 B)', direct: us(pct(rttDirect, 0.99)), proxied: us(pct(rttProxied, 0.99)), note: added(pct(rttProxied, 0.99), pct(rttDirect, 0.99)) },
    ];
    console.log(`proxy (no toxics, ${ROUND_TRIPS} round trips)`);
    console.table(rows);
  } finally {
    await server.stop();
    await source.stop();
    await echo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
