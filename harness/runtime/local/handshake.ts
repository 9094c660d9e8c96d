// A relay in front of each link's proxy. It listens only while told to (links.ts opens it while the
// upstream service listens, so a dial to a dead service is refused as it would be without a proxy),
// and it keeps ZooKeeper's leader election on the proxied links.
// When a server dials a peer's election port it first sends its own election address; a peer with a
// higher id drops that connection and dials back to the address it was sent. On the local runtime
// that address is the server's real port on 127.0.0.1, so the dial-back would go around every proxy
// and a partition would leave the election connections up (measured: an isolated leader kept
// exchanging votes with the majority and stalled its re-election). The relay rewrites the advertised
// address to the proxy of the reverse link, so the dial-back is a proxied link like any other. Any
// other traffic is passed through untouched: only a first message that starts with ZooKeeper's
// election protocol version (-65536 or -65535 as a big-endian int64) is rewritten.
import net from 'node:net';
import { once } from 'node:events';

const ELECTION_VERSIONS = new Set([-65536n, -65535n]);
/** The first six bytes both versions share: a first message that does not start so is passed on at once. */
const ELECTION_PREFIX = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** protocol version (8) + server id (8) + address length (4). */
const HEADER = 20;
/** An election address is "host:port" (or a few of them joined by '|'); anything longer is not one. */
const MAX_ADDRESS = 512;

export interface RelayOptions {
  listen: { host: string; port: number };
  /** Where the link's proxy listens. */
  target: () => { host: string; port: number };
  /** The "host:port" the dialled peer should dial back to instead of the advertised one; absent:
   *  nothing is rewritten (links from the harness). */
  dialBack?: () => Promise<string>;
}

/** A relay; close() stops it and drops its connections. */
export interface Relay {
  readonly address: { host: string; port: number };
  /** Whether it takes new connections. Not accepting, a dial is refused (ECONNREFUSED) as it would
   *  be by a host whose service is down; connections already made are kept. */
  readonly accepting: boolean;
  setAccepting(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Rewrites the first message if it is an election handshake; returns what to forward, or undefined
 *  while more bytes are needed. */
export async function rewriteHandshake(first: Buffer, dialBack: () => Promise<string>): Promise<Buffer | undefined> {
  if (first.length < 8) return ELECTION_PREFIX.subarray(0, Math.min(6, first.length)).equals(first.subarray(0, 6)) ? undefined : first;
  if (!ELECTION_VERSIONS.has(first.readBigInt64BE(0))) return first;
  if (first.length < HEADER) return undefined;
  const length = first.readInt32BE(16);
  if (length < 0 || length > MAX_ADDRESS) return first;
  if (first.length < HEADER + length) return undefined;
  const address = Buffer.from(await dialBack(), 'utf8');
  const header = Buffer.from(first.subarray(0, HEADER));
  header.writeInt32BE(address.length, 16);
  return Buffer.concat([header, address, first.subarray(HEADER + length)]);
}

function relayConnection(inbound: net.Socket, o: RelayOptions, live: Set<net.Socket>): void {
  const outbound = net.connect({ ...o.target(), allowHalfOpen: true });
  for (const s of [inbound, outbound]) {
    live.add(s);
    s.on('close', () => live.delete(s));
  }
  // a reset on one side is passed on as a reset, a close as a close
  inbound.on('error', () => outbound.resetAndDestroy());
  outbound.on('error', () => inbound.resetAndDestroy());
  inbound.on('close', () => outbound.destroy());
  outbound.on('close', () => inbound.destroy());
  outbound.pipe(inbound);
  const dialBack = o.dialBack;
  if (!dialBack) {
    inbound.pipe(outbound);
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  let forwarding = false;
  const onData = (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    inbound.pause();
    void rewriteHandshake(pending, dialBack).then(
      (forward) => {
        if (!forward) return inbound.resume();
        forwarding = true;
        inbound.off('data', onData);
        outbound.write(forward);
        inbound.pipe(outbound);
      },
      () => inbound.resetAndDestroy(),
    );
  };
  inbound.on('data', onData);
  // the peer finished before a whole first message arrived: pass on what there is
  inbound.once('end', () => {
    if (!forwarding) outbound.end(pending);
  });
}

export async function startRelay(o: RelayOptions): Promise<Relay> {
  const live = new Set<net.Socket>();
  const listen = async (at: { host: string; port: number }) => {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => relayConnection(socket, o, live));
    server.listen({ ...at, exclusive: true });
    await once(server, 'listening');
    server.on('error', () => {});
    return server;
  };
  let server: net.Server | null = await listen(o.listen);
  const address = { host: o.listen.host, port: (server.address() as net.AddressInfo).port };
  /** Stops taking connections at once; the ones already made go on (their end is not awaited). */
  const stopListening = () => {
    const s = server;
    server = null;
    return new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  };
  let closed = false;
  return {
    address,
    get accepting() {
      return server !== null;
    },
    async setAccepting(on) {
      if (closed || on === (server !== null)) return;
      if (!on) {
        void stopListening();
        return;
      }
      server = await listen(address);
    },
    async close() {
      closed = true;
      const done = stopListening();
      for (const s of live) s.destroy();
      await done;
    },
  };
}
