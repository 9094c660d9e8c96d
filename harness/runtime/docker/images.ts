// Which image a host runs and which of its conventional ports are published on loopback. The Host
// interface has no "declare ports" step and the runtime is not told the target, so each image comes
// with the ports its daemons conventionally use; a port outside that list is still reachable by the
// harness at the container's own address on the run's 10.77 network (see ContainerHost.endpoint).
// `RuntimeOptions.images` (host → image) overrides the choice made from the host name.

export interface NodeImage {
  image: string;
  /** Conventional ports published on 127.0.0.1 (random host ports, read back after start). */
  ports: number[];
}

export const ZOOKEEPER_IMAGE: NodeImage = { image: 'fl-zookeeper:1', ports: [2181, 2888, 3888, 8080] };
export const WEB_IMAGE: NodeImage = { image: 'fl-web:1', ports: [80, 3031, 8000, 8080] };

const KNOWN: readonly NodeImage[] = [ZOOKEEPER_IMAGE, WEB_IMAGE];

/** Host names of the web stack (uwsgi-nginx names its hosts nginx and app); anything else is a ZooKeeper node. */
const WEB_HOSTS = /^(nginx|app|web|uwsgi)\d*$/;

export function imageFor(host: string, override?: Record<string, string>): NodeImage {
  const named = override?.[host];
  if (named) return KNOWN.find((k) => k.image === named) ?? { image: named, ports: [] };
  return WEB_HOSTS.test(host) ? WEB_IMAGE : ZOOKEEPER_IMAGE;
}
