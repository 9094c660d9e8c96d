// The local runtime's network: all hosts share 127.0.0.1, so the only place a link between two of
// them can be cut is a proxy in the middle. Every directed link (the harness or a node dialling a
// node's service port) is its own proxy `fl-<run>-<from>-<to>-<base>` in the run's in-process
// Toxiproxy-compatible server, and partitions and link faults are toxics on chosen proxies.
//
// A partition stalls links with a `timeout` toxic of 0 ms instead of disabling the proxy, because
// that is what an iptables DROP does: established connections stay open and simply stop carrying
// data (no FIN, no RST), and the peer notices only through its own timeouts. Disabling would close
// every connection at once — a clean, instant signal no real partition gives. One difference
// remains: healing closes the connections the partition stalled (their bytes are lost, as Toxiproxy
// does), where TCP would have resumed them by retransmission. Another: a proxy accepts a connection
// before it knows whether the upstream does, so "connection refused" shows up as an accepted
// connection that is closed at once (ZooKeeper's follower then gives up following and starts a new
// election instead of retrying its connect: a leader failover took ~9 s instead of ~3 s). So the
// relay in front of each proxy (handshake.ts) listens only while the real upstream port has a
// listener (read from /proc/net/tcp every 100 ms, no connection made) or the link is stalled on
// purpose: a dial to a dead service is refused, a dial into a partition hangs (failover measured
// again: 3.2 s, as on netns). A relay's state always follows the newest read: its first decision is
// made before its address is handed out (a relay that let a readiness probe through and closed on
// an older read a moment later refused the very next request), and a read older than the one behind
// a relay's state is never applied to it. The relay also keeps ZooKeeper's election dial-back on the
// proxied links.
import { readFile } from 'node:fs/promises';
import type { Toxiproxy, Proxy, Toxic } from 'toxiproxy-node-client';
import { createLink } from '../../net/proxy/index.ts';
import type { Grudge } from '../../net/grudge.ts';
import { HarnessError } from '../../errors.ts';
import { CLIENT_HOST } from '../types.ts';
import { startRelay, type Relay } from './handshake.ts';
import type { ActiveLinkFault, LinkFault, LinkSelector, Network } from '../types.ts';

type Stream = 'upstream' | 'downstream';

interface ToxicSpec {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

/** One proxied link and the toxics installed on it right now (by name). */
interface LinkState {
  from: string;
  to: string;
  base: number;
  proxy: Proxy;
  /** Where the dialler connects: the relay in front of the proxy (handshake.ts). */
  listen: { host: string; port: number };
  relay: Relay;
  installed: Map<string, Toxic<unknown>>;
  /** When the read of the socket tables behind the relay's current state began (performance.now()). */
  sampledAt: number;
}

export interface ProxiedNetworkOptions {
  toxiproxy: Toxiproxy;
  runId: string;
  hosts: readonly string[];
  /** "127.0.0.1:port" where `to` really serves `base`. */
  upstream(to: string, base: number): string;
  /** "127.0.0.1:port" for a new proxy to listen on. */
  listenAddress(): string;
}

/** How often the relays' listeners are matched to their upstreams' listeners. */
const WATCH_MS = 100;

/** The ports something listened on (any address) according to the kernel's socket tables, read
 *  from `at` (performance.now() when the read began) on. */
interface ListenerSample { at: number; ports: Set<number> }

/** Reads the listening ports; undefined where there are no socket tables to read (not Linux). */
async function listeningPorts(): Promise<ListenerSample | undefined> {
  const at = performance.now();
  const ports = new Set<number>();
  let read = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    read++;
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local) ports.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return read > 0 ? { at, ports } : undefined;
}

function parseAddress(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

const both = (make: (stream: Stream) => ToxicSpec): ToxicSpec[] => [make('upstream'), make('downstream')];

/** The toxics one link fault puts on one link; names carry the fault id so faults come off singly. */
function faultToxics(id: number, fault: LinkFault): ToxicSpec[] {
  const name = (type: string, stream: Stream) => `fl-f${id}-${type}-${stream}`;
  switch (fault.type) {
    case 'latency':
      return both((s) => ({ name: name('latency', s), type: 'latency', stream: s, toxicity: 1, attributes: { latency: fault.latencyMs, jitter: fault.jitterMs ?? 0 } }));
    case 'bandwidth':
      return both((s) => ({ name: name('bandwidth', s), type: 'bandwidth', stream: s, toxicity: 1, attributes: { rate: fault.kbPerSec } }));
    case 'reset':
      return [{ name: name('reset_peer', 'downstream'), type: 'reset_peer', stream: 'downstream', toxicity: fault.toxicity, attributes: { timeout: fault.afterMs ?? 0 } }];
    case 'limit':
      return [{ name: name('limit_data', 'downstream'), type: 'limit_data', stream: 'downstream', toxicity: fault.toxicity, attributes: { bytes: fault.bytes } }];
    case 'stall':
      return both((s) => ({ name: name('timeout', s), type: 'timeout', stream: s, toxicity: 1, attributes: { timeout: 0 } }));
  }
}

/** A partition's stalls on link from→to: `to` dropping `from` loses what `from` sends (upstream);
 *  `from` dropping `to` loses the replies (downstream). Either way a request/response stalls. */
function partitionToxics(grudge: Grudge, from: string, to: string): ToxicSpec[] {
  const stall = (stream: Stream): ToxicSpec => ({ name: `fl-partition-${stream}`, type: 'timeout', stream, toxicity: 1, attributes: { timeout: 0 } });
  const out: ToxicSpec[] = [];
  if (grudge[to]?.includes(from)) out.push(stall('upstream'));
  if (grudge[from]?.includes(to)) out.push(stall('downstream'));
  return out;
}

const matches = (s: LinkSelector, l: { from: string; to: string }) =>
  (s.from === undefined || s.from === l.from) && (s.to === undefined || s.to === l.to) && (s.touching === undefined || s.touching === l.from || s.touching === l.to);

export class ProxiedNetwork implements Network {
  private readonly links = new Map<string, Promise<LinkState>>();
  /** Links whose proxy exists (creation runs inside the queue, so syncs see every finished one). */
  private readonly created: LinkState[] = [];
  private grudge: Grudge = {};
  private readonly faults = new Map<number, { select: LinkSelector; fault: LinkFault }>();
  private nextFault = 1;
  /** Every change of toxics runs in this chain, so a link created mid-partition cannot miss it. */
  private queue: Promise<unknown> = Promise.resolve();
  private watch: NodeJS.Timeout | undefined;
  private watching = false;
  private closed = false;

  constructor(private readonly o: ProxiedNetworkOptions) {}

  /** Where `from` dials `to`'s service `base` (the proxy is created on first use). */
  async endpoint(from: string, to: string, base: number): Promise<{ host: string; port: number }> {
    const key = `${from}>${to}:${base}`;
    let link = this.links.get(key);
    if (!link) {
      link = this.serial(() => this.createLinkState(from, to, base));
      this.links.set(key, link);
      link.catch(() => this.links.delete(key));
    }
    return (await link).listen;
  }

  async partition(grudge: Grudge): Promise<void> {
    for (const [node, dropped] of Object.entries(grudge)) {
      for (const n of [node, ...dropped]) if (!this.o.hosts.includes(n)) throw new HarnessError(`partition names unknown host '${n}' (hosts: ${this.o.hosts.join(', ')})`);
    }
    await this.serial(async () => {
      this.grudge = grudge;
      await this.syncAll();
    });
  }

  async heal(): Promise<void> {
    await this.serial(async () => {
      this.grudge = {};
      this.faults.clear();
      await this.syncAll();
    });
  }

  async linkFault(select: LinkSelector, fault: LinkFault): Promise<ActiveLinkFault> {
    const id = this.nextFault++;
    const names = await this.serial(async () => {
      this.faults.set(id, { select, fault });
      await this.syncAll();
      return this.created.filter((l) => matches(select, l)).map((l) => l.proxy.name);
    });
    let ended: Promise<void> | undefined;
    const end = () => (ended ??= this.serial(async () => {
      this.faults.delete(id);
      await this.syncAll();
    }));
    return { links: names, end };
  }

  /** Names and listen addresses of the links made so far (for logs and tests). */
  async describe(): Promise<{ name: string; from: string; to: string; base: number; listen: string; toxics: string[] }[]> {
    return (await this.allLinks()).map((l) => ({ name: l.proxy.name, from: l.from, to: l.to, base: l.base, listen: `${l.listen.host}:${l.listen.port}`, toxics: [...l.installed.keys()] }));
  }

  /** Stops the relays (the proxies stop with their server). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watch);
    this.watch = undefined;
    await Promise.all(this.created.map((l) => l.relay.close()));
  }

  /** Opens or closes each relay's listener after its upstream's (see the top of this file). */
  private async matchListeners(): Promise<void> {
    if (this.watching || this.closed) return;
    this.watching = true;
    try {
      const sample = await listeningPorts();
      if (!sample) return clearInterval(this.watch);
      for (const link of this.created) await this.follow(link, sample);
    } finally {
      this.watching = false;
    }
  }

  /** Makes `link`'s relay accept while its upstream listens (or the link is stalled on purpose), as
   *  `sample` says — unless a newer read already decided it. */
  private async follow(link: LinkState, sample: ListenerSample): Promise<void> {
    if (sample.at < link.sampledAt) return;
    link.sampledAt = sample.at;
    const stalled = [...link.installed.keys()].some((n) => n.startsWith('fl-partition-') || n.includes('-timeout-'));
    const up = sample.ports.has(parseAddress(this.o.upstream(link.to, link.base)).port);
    await link.relay.setAccepting(up || stalled).catch(() => {}); // port taken meanwhile: the next read retries
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async createLinkState(from: string, to: string, base: number): Promise<LinkState> {
    const spec = { run: this.o.runId, from, to: `${to}-${base}`, upstream: this.o.upstream(to, base) };
    // the planned port may have been taken since the block was probed: then any free one will do
    const handle = await createLink(this.o.toxiproxy, { ...spec, listen: this.o.listenAddress() })
      .catch(() => createLink(this.o.toxiproxy, { ...spec, listen: '127.0.0.1:0' }));
    const proxy = await this.o.toxiproxy.get(handle.name);
    const proxyAt = parseAddress(handle.listen);
    const dialBack = from === CLIENT_HOST ? undefined : async () => {
      const back = await this.endpoint(to, from, base);
      return `${back.host}:${back.port}`;
    };
    const relay = await startRelay({ listen: parseAddress(this.o.listenAddress()), target: () => proxyAt, dialBack })
      .catch(() => startRelay({ listen: { host: '127.0.0.1', port: 0 }, target: () => proxyAt, dialBack }));
    const state: LinkState = { from, to, base, proxy, listen: relay.address, relay, installed: new Map(), sampledAt: -Infinity };
    await this.sync(state);
    // decided before anyone is told where to dial: a relay accepts only once a read saw its upstream
    const sample = await listeningPorts();
    if (sample) await this.follow(state, sample);
    this.created.push(state);
    if (!this.closed && sample) this.watch ??= setInterval(() => void this.matchListeners(), WATCH_MS).unref();
    return state;
  }

  private async allLinks(): Promise<LinkState[]> {
    return this.serial(async () => [...this.created]);
  }

  private async syncAll(): Promise<void> {
    for (const link of this.created) await this.sync(link);
  }

  /** Makes the toxics on `link` exactly what the partition and the active faults want. */
  private async sync(link: LinkState): Promise<void> {
    const wanted = partitionToxics(this.grudge, link.from, link.to);
    for (const [id, { select, fault }] of this.faults) if (matches(select, link)) wanted.push(...faultToxics(id, fault));
    const names = new Set(wanted.map((t) => t.name));
    for (const [name, toxic] of [...link.installed]) {
      if (names.has(name)) continue;
      await toxic.remove();
      link.installed.delete(name);
    }
    for (const spec of wanted) {
      if (link.installed.has(spec.name)) continue;
      link.installed.set(spec.name, await link.proxy.addToxic(spec as never));
    }
  }
}
