// All proxies of one server, by name, with Toxiproxy's rules for create, populate, update, delete and
// reset. Changes run one at a time, so two API calls never race on the same listener.
import { TcpProxy } from './proxy.ts';
import { ToxicState } from './toxic-state.ts';
import { ApiError } from './api-error.ts';
import { formatHostPort, parseHostPort } from './address.ts';
import { ATTRIBUTE_SCHEMAS, describeIssues, type Attributes, type ProxyCreate, type ProxyUpdate, type ToxicType, type Stream, type ToxicUpdate } from './schema.ts';

export interface NewToxic {
  name?: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, unknown>;
}

export class ProxyCollection {
  private readonly proxies = new Map<string, TcpProxy>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Run one change after the previous one finished. */
  serial<T>(change: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => undefined);
    return run;
  }

  list(): TcpProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): TcpProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw new ApiError(404, 'proxy not found');
    return proxy;
  }

  async create(spec: ProxyCreate): Promise<TcpProxy> {
    if (this.proxies.has(spec.name)) throw new ApiError(409, 'proxy already exists');
    const proxy = new TcpProxy(spec.name, spec.listen, spec.upstream);
    if (spec.enabled) await proxy.enable();
    this.proxies.set(spec.name, proxy);
    return proxy;
  }

  /** Create or replace each proxy; one whose listen and upstream already match is left as it is. */
  async populate(specs: ProxyCreate[]): Promise<TcpProxy[]> {
    const result: TcpProxy[] = [];
    for (const spec of specs) {
      const existing = this.proxies.get(spec.name);
      if (existing && sameAddresses(existing, spec)) {
        result.push(existing);
        continue;
      }
      if (existing) await this.remove(spec.name);
      result.push(await this.create(spec));
    }
    return result;
  }

  async update(name: string, change: ProxyUpdate): Promise<TcpProxy> {
    const proxy = this.get(name);
    await proxy.update(change);
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    await proxy.disable();
  }

  /** POST /reset: every proxy enabled, every toxic removed. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.enable();
      proxy.removeAllToxics();
    }
  }

  addToxic(proxyName: string, spec: NewToxic): ToxicState {
    const proxy = this.get(proxyName);
    const name = spec.name ?? `${spec.type}_${spec.stream}`;
    const toxic = new ToxicState(name, spec.type, spec.stream, spec.toxicity, attributesOf(spec.type, spec.attributes));
    proxy.addToxic(toxic);
    return toxic;
  }

  updateToxic(proxyName: string, toxicName: string, change: ToxicUpdate): ToxicState {
    const proxy = this.get(proxyName);
    const toxic = proxy.getToxic(toxicName);
    const attributes = change.attributes ? attributesOf(toxic.type, { ...toxic.attributes, ...change.attributes }) : toxic.attributes;
    toxic.attributes = attributes;
    if (change.toxicity !== undefined) toxic.toxicity = change.toxicity;
    proxy.toxicUpdated(toxic);
    return toxic;
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.proxies.keys()]) await this.remove(name);
  }
}

/** Same upstream, and the same listen address (a requested port 0 matches whatever port was picked). */
function sameAddresses(proxy: TcpProxy, spec: ProxyCreate): boolean {
  try {
    const want = parseHostPort(spec.listen);
    const have = parseHostPort(proxy.listen);
    const sameListen = want.host === have.host && (want.port === 0 || want.port === have.port);
    return sameListen && formatHostPort(parseHostPort(spec.upstream)) === proxy.upstream;
  } catch {
    return false;
  }
}

function attributesOf(type: ToxicType, raw: Record<string, unknown>): Attributes {
  const parsed = ATTRIBUTE_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) throw new ApiError(400, `bad attributes for ${type}: ${describeIssues(parsed.error)}`);
  return parsed.data as Attributes;
}
