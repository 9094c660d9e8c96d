// Who stops hearing whom. A grudge maps a node to the nodes whose traffic it drops (directed, as
// Jepsen's); these pure helpers build the classic partition shapes from the ordered node list and a
// schedule's `pick`, so the same schedule always cuts the same nodes. Dropping at the receiver is
// enough to break TCP both ways (the SYN or its answer is lost), so most shapes are symmetric anyway.
import { Rng } from '../rng.ts';

export type Grudge = Record<string, string[]>;

/** The nodes in an order drawn from `pick` (a float in [0,1)): the same pick, the same order. */
export function shuffled(nodes: readonly string[], pick: number): string[] {
  const rng = new Rng(Math.floor(pick * 2 ** 31));
  const out = [...nodes];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The node `pick` chooses from the ordered list. */
export const chooseNode = (nodes: readonly string[], pick: number): string => nodes[Math.min(nodes.length - 1, Math.floor(pick * nodes.length))];

/** Components that hear only themselves: every node drops every node outside its component. */
export function complete(components: readonly (readonly string[])[]): Grudge {
  const grudge: Grudge = {};
  const all = components.flat();
  for (const component of components) {
    const others = all.filter((n) => !component.includes(n));
    for (const n of component) grudge[n] = others;
  }
  return grudge;
}

/** One node alone, the rest together. */
export function isolate(nodes: readonly string[], node: string): Grudge {
  return complete([[node], nodes.filter((n) => n !== node)]);
}

/** [minority, majority]: a random ⌊n/2⌋ nodes and the rest. */
export function splitHalves(nodes: readonly string[], pick: number): [string[], string[]] {
  const order = shuffled(nodes, pick);
  const cut = Math.floor(order.length / 2);
  return [order.slice(0, cut), order.slice(cut)];
}

/** A random minority (⌊n/2⌋ nodes) against the majority. */
export function halves(nodes: readonly string[], pick: number): Grudge {
  return complete(splitHalves(nodes, pick));
}

/** Every node sees a majority, but no two see the same one: on a random ring each node keeps the
 *  window of ⌊n/2⌋+1 consecutive nodes it sits in the middle of, and drops the rest. */
export function majoritiesRing(nodes: readonly string[], pick: number): Grudge {
  const ring = shuffled(nodes, pick);
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const grudge: Grudge = {};
  for (let i = 0; i < n; i++) {
    const window = Array.from({ length: m }, (_, j) => ring[(i + j) % n]);
    grudge[window[Math.floor(m / 2)]] = ring.filter((x) => !window.includes(x));
  }
  return grudge;
}

/** Two halves that share one bridge node: the bridge hears everyone, the halves not each other. */
export function bridge(nodes: readonly string[], pick: number): Grudge {
  const order = shuffled(nodes, pick);
  const mid = Math.floor(order.length / 2);
  const left = order.slice(0, mid);
  const right = order.slice(mid + 1);
  const grudge: Grudge = { [order[mid]]: [] };
  for (const n of left) grudge[n] = right;
  for (const n of right) grudge[n] = left;
  return grudge;
}

/** Readable form for logs and fault details: "n1 drops n2,n3; n2 drops n1". */
export function describeGrudge(grudge: Grudge): string {
  const parts = Object.entries(grudge).filter(([, v]) => v.length).map(([k, v]) => `${k} drops ${v.join(',')}`);
  return parts.length ? parts.join('; ') : 'no cuts';
}
