// The harness's view of the proxy: one Toxiproxy proxy per directed link of a run (`fl-<run>-<from>-
// <to>`), and the link faults the nemeses use — slow-link, flaky-link, stall, cut — plus heal. It
// speaks only through toxiproxy-node-client, so it works the same against faultline's own proxy
// server and against a real Toxiproxy.
import { Toxiproxy, ToxiproxyError, type Proxy } from 'toxiproxy-node-client';

export type StreamChoice = 'upstream' | 'downstream';
export const BOTH: StreamChoice[] = ['upstream', 'downstream'];


export interface LinkSpec {
  run: string;
  from: string;
  to: string;
  /** Where the real peer listens, "host:port". */
  upstream: string;
  /** Where the proxy should listen; default a free loopback port. */
  listen?: string;
}

/** `fl-<run>-<from>-<to>`, with anything but letters, digits, '.', '_' and '-' replaced. */
export function linkName(run: string, from: string, to: string): string {
  return `${runPrefix(run)}${clean(from)}-${clean(to)}`;
}

function runPrefix(run: string): string {
  return `fl-${clean(run)}-`;
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Create the proxy for one link (replacing a stale one of the same name) and return its handle. */
export async function createLink(toxiproxy: Toxiproxy, spec: LinkSpec): Promise<LinkHandle> {
  const body = { name: linkName(spec.run, spec.from, spec.to), listen: spec.listen ?? '127.0.0.1:0', upstream: spec.upstream };
  try {
    return new LinkHandle(toxiproxy, await toxiproxy.createProxy(body));
  } catch (err) {
    if (!(err instanceof ToxiproxyError) || !/409/.test(err.message)) throw err;
    await (await toxiproxy.get(body.name)).remove();
    return new LinkHandle(toxiproxy, await toxiproxy.createProxy(body));
  }
}

/** Delete every proxy of one run (or, with no run, every proxy faultline named). */
export async function removeLinks(toxiproxy: Toxiproxy, run?: string): Promise<string[]> {
  const prefix = run === undefined ? 'fl-' : runPrefix(run);
  const removed: string[] = [];
  for (const [name, proxy] of Object.entries(await toxiproxy.getAll())) {
    if (!name.startsWith(prefix)) continue;
    await proxy.remove();
    removed.push(name);
  }
  return removed;
}

export interface FlakyOptions {
  /** 'reset': connections are reset (RST) `timeoutMs` after they carry data; 'limit': closed after `bytes`. */
  mode: 'reset' | 'limit';
  /** Share of connections affected, 0..1. */
  toxicity: number;
  timeoutMs?: number;
  bytes?: number;
  streams?: StreamChoice[];
}

/** One link's proxy and the faults that can be put on it. */
export class LinkHandle {
  constructor(
    private readonly toxiproxy: Toxiproxy,
    private proxy: Proxy,
  ) {}

  get name(): string {
    return this.proxy.name;
  }

  /** "host:port" clients should dial instead of the upstream. */
  get listen(): string {
    return this.proxy.listen;
  }

  get upstream(): string {
    return this.proxy.upstream;
  }

  /** slow-link: every chunk waits `latencyMs` ± `jitterMs` in each chosen direction. */
  async slow(latencyMs: number, jitterMs = 0, streams: StreamChoice[] = BOTH): Promise<void> {
    for (const stream of streams) {
      await this.addToxic('slow', 'latency', stream, 1, { latency: latencyMs, jitter: jitterMs });
    }
  }

  /** flaky-link: a share of connections is reset or cut short. */
  async flaky(options: FlakyOptions): Promise<void> {
    for (const stream of options.streams ?? ['downstream']) {
      if (options.mode === 'reset') {
        await this.addToxic('flaky', 'reset_peer', stream, options.toxicity, { timeout: options.timeoutMs ?? 0 });
      } else {
        await this.addToxic('flaky', 'limit_data', stream, options.toxicity, { bytes: options.bytes ?? 0 });
      }
    }
  }

  /** stall: nothing gets through and nothing is closed, until heal (which closes the stalled connections). */
  async stall(streams: StreamChoice[] = BOTH): Promise<void> {
    for (const stream of streams) await this.addToxic('stall', 'timeout', stream, 1, { timeout: 0 });
  }

  /** cut: the link is down — live connections are closed and new ones refused. */
  async cut(): Promise<void> {
    this.proxy = await this.proxy.update({ enabled: false, listen: this.proxy.listen, upstream: this.proxy.upstream });
  }

  /** heal: every toxic removed and the link enabled again (on the same listen address). */
  async heal(): Promise<void> {
    const api = this.toxiproxy.getApi();
    const path = `${this.toxiproxy.host}/proxies/${encodeURIComponent(this.name)}`;
    const { data } = await api.get<{ name: string }[]>(`${path}/toxics`);
    for (const toxic of data ?? []) await api.delete(`${path}/toxics/${encodeURIComponent(toxic.name)}`);
    this.proxy = await this.proxy.update({ enabled: true, listen: this.proxy.listen, upstream: this.proxy.upstream });
  }

  async remove(): Promise<void> {
    await this.proxy.remove();
  }

  /** Install a toxic named `fl-<fault>-<type>-<stream>`; the same fault again updates it in place. */
  private async addToxic(fault: string, type: string, stream: StreamChoice, toxicity: number, attributes: Record<string, number>) {
    const body = { name: `fl-${fault}-${type}-${stream}`, type: type as never, stream, toxicity, attributes };
    try {
      await this.proxy.addToxic(body);
    } catch (err) {
      if (!(err instanceof ToxiproxyError) || !/409/.test(err.message)) throw err;
      await (await this.proxy.getToxic(body.name)).update(body);
    }
  }
}
