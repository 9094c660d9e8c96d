// Watches are local to the server a client is connected to, as in ZooKeeper: one-shot
// registrations per path and connection, fired from the events of applied entries.
import { EventType } from './protocol.ts';
import type { WatchEvent } from './tree.ts';

export interface WatchTarget { notify(eventType: number, path: string, zxid: bigint): void; readonly open: boolean }

export class WatchTable {
  private readonly dataWatches = new Map<string, Set<WatchTarget>>();
  private readonly childWatches = new Map<string, Set<WatchTarget>>();

  private static add(map: Map<string, Set<WatchTarget>>, path: string, target: WatchTarget): void {
    let set = map.get(path);
    if (!set) map.set(path, (set = new Set()));
    set.add(target);
  }

  /** A data watch: set by getData and exists (also on a missing node, where it awaits creation). */
  watchData(path: string, target: WatchTarget): void { WatchTable.add(this.dataWatches, path, target); }
  watchChildren(path: string, target: WatchTarget): void { WatchTable.add(this.childWatches, path, target); }

  private take(map: Map<string, Set<WatchTarget>>, path: string, into: Set<WatchTarget>): void {
    const set = map.get(path);
    if (!set) return;
    map.delete(path);
    for (const t of set) into.add(t);
  }

  /** Fires and removes every watch the event triggers; each connection hears of it once. */
  fire(event: WatchEvent, zxid: bigint, deliver: (target: WatchTarget, eventType: number, path: string, zxid: bigint) => void): void {
    const targets = new Set<WatchTarget>();
    if (event.type !== EventType.nodeChildrenChanged) this.take(this.dataWatches, event.path, targets);
    if (event.type === EventType.nodeChildrenChanged || event.type === EventType.nodeDeleted) this.take(this.childWatches, event.path, targets);
    for (const t of targets) if (t.open) deliver(t, event.type, event.path, zxid);
  }

  /** Forgets every registration of a closed connection. */
  drop(target: WatchTarget): void {
    for (const map of [this.dataWatches, this.childWatches]) {
      for (const [path, set] of map) {
        set.delete(target);
        if (set.size === 0) map.delete(path);
      }
    }
  }

  clear(): void {
    this.dataWatches.clear();
    this.childWatches.clear();
  }

  count(): number {
    let n = 0;
    for (const map of [this.dataWatches, this.childWatches]) for (const set of map.values()) n += set.size;
    return n;
  }
}
