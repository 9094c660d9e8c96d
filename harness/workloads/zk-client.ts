// One ZooKeeper client session, as the workloads (register, and the recipes: locks, elections,
// queues, barriers, membership) need it: every call has its own deadline, every error says whether
// the request may have reached the ensemble (so a workload can record `fail` vs `info`), and session
// events (connected / disconnected / expired) are reported as they happen.
//
// It wraps the native `zookeeper` package (the Apache C client) rather than node-zookeeper-client:
// the C client pings and drops a connection whose server stays silent for 2/3 of the session
// timeout, so it notices an iptables DROP or a SIGSTOPped server; node-zookeeper-client has no ping
// timeout and would wait forever on such a connection. Create modes come from
// `ZooKeeper.constants` — the top-level `ZooKeeper.ZOO_EPHEMERAL_SEQUENTIAL` is undefined, which
// would silently create a persistent node.
//
// Everything the native module calls back (completions, watches, session events) is handed on with
// setImmediate: its callbacks run inside the C client's zookeeper_process(), and promise
// continuations would run there too — a close() or a new call from inside that loop aborts the
// process (libuv: "uv_poll_start: Assertion `!uv__is_closing(handle)' failed"). For the same
// reason close() itself is deferred.
import ZooKeeper from 'zookeeper';
import type { Cluster } from '../target.ts';

const C = ZooKeeper.constants;

/** The targets that speak the ZooKeeper client protocol (zookeeper, zk-lite) expose this. */
export interface ZkCluster extends Cluster {
  /** host:port a client dials to reach `node` (all nodes, comma-separated, when omitted). */
  connectString(node?: string): Promise<string>;
}

export function isZkCluster(c: Cluster): c is ZkCluster {
  return typeof (c as Partial<ZkCluster>).connectString === 'function';
}

/** The node a client process talks to: round-robin over the nodes, so a partition cuts some
 *  clients off and leaves others with the majority. */
export function nodeForProcess(cluster: Cluster, process: number): string {
  return cluster.nodes[process % cluster.nodes.length];
}

export const CreateMode = {
  persistent: C.ZOO_PERSISTENT,
  ephemeral: C.ZOO_EPHEMERAL,
  persistentSequential: C.ZOO_PERSISTENT_SEQUENTIAL,
  ephemeralSequential: C.ZOO_EPHEMERAL_SEQUENTIAL,
} as const;
export type CreateModeName = keyof typeof CreateMode;

const CODE_NAMES: Record<number, string> = {
  [C.ZSYSTEMERROR]: 'SystemError', [C.ZRUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [C.ZCONNECTIONLOSS]: 'ConnectionLoss', [C.ZMARSHALLINGERROR]: 'MarshallingError',
  [C.ZOPERATIONTIMEOUT]: 'OperationTimeout', [C.ZBADARGUMENTS]: 'BadArguments',
  [C.ZINVALIDSTATE]: 'InvalidState', [C.ZNONODE]: 'NoNode', [C.ZNOAUTH]: 'NoAuth',
  [C.ZBADVERSION]: 'BadVersion', [C.ZNOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [C.ZNODEEXISTS]: 'NodeExists', [C.ZNOTEMPTY]: 'NotEmpty', [C.ZSESSIONEXPIRED]: 'SessionExpired',
  [C.ZINVALIDACL]: 'InvalidACL', [C.ZCLOSING]: 'Closing', [C.ZSESSIONMOVED]: 'SessionMoved',
};

/** Answers the server gave: the request certainly had no effect. */
const DEFINITE = new Set<number>([
  C.ZNONODE, C.ZNODEEXISTS, C.ZBADVERSION, C.ZNOTEMPTY, C.ZNOAUTH, C.ZBADARGUMENTS,
  C.ZNOCHILDRENFOREPHEMERALS, C.ZINVALIDACL,
  // returned by the C client before it sends anything (handle expired/closed)
  C.ZINVALIDSTATE,
]);

/** A failed ZooKeeper call. `definite`: the request certainly had no effect (the server refused
 *  it, or it was never sent); otherwise its outcome is unknown (connection lost, timed out). */
export class ZkError extends Error {
  override name = 'ZkError';
  constructor(readonly codeName: string, readonly code: number | undefined, readonly definite: boolean, detail: string) {
    super(`${codeName}: ${detail}`);
  }
}

export const isZkCode = (err: unknown, codeName: string): boolean => err instanceof ZkError && err.codeName === codeName;

/** fail when the call certainly had no effect, info when it may have. */
export function outcomeOf(err: unknown): { type: 'fail' | 'info'; error: string } {
  if (err instanceof ZkError) return { type: err.definite ? 'fail' : 'info', error: err.codeName };
  return { type: 'info', error: err instanceof Error ? err.message : String(err) };
}

export interface Stat {
  czxid: number;
  mzxid: number;
  version: number;
  cversion: number;
  ephemeralOwner: string;
  numChildren: number;
  pzxid: number;
}

export type SessionEvent = 'connected' | 'disconnected' | 'expired' | 'closed';
export type WatchEvent = 'created' | 'deleted' | 'changed' | 'child' | 'session' | 'not-watching';
const WATCH_EVENTS: Record<number, WatchEvent> = { 1: 'created', 2: 'deleted', 3: 'changed', 4: 'child', [-1]: 'session', [-2]: 'not-watching' };

export interface ZkSessionOptions {
  connectString: string;
  /** Session timeout asked from the server (the server clamps it to 2..20 ticks). */
  sessionTimeoutMs?: number;
  /** Deadline for establishing the session. */
  connectTimeoutMs?: number;
  /** Default deadline of each call. */
  callTimeoutMs?: number;
  /** Session state changes after the first connect (reconnects, losses, expiry, close). */
  onEvent?: (event: SessionEvent, sessionId: string) => void;
}

/** How long a call waits for a lost connection to come back before it fails unsent: this also
 *  paces a client cut off from its server, instead of letting it spin on instant failures. */
const RECONNECT_WAIT_MS = 1000;

type Watcher = (event: WatchEvent, path: string) => void;
const toText = (data: unknown): string | null => (data == null ? null : Buffer.isBuffer(data) ? data.toString('utf8') : String(data));

export class ZkSession {
  private closed = false;
  private expired = false;
  private constructor(private readonly zk: ZooKeeper, readonly connectString: string, private readonly callTimeoutMs: number) {}

  /** Opens a session; rejects (after closing the handle) if it is not established in time. */
  static open(o: ZkSessionOptions): Promise<ZkSession> {
    const zk = new ZooKeeper({ connect: o.connectString, timeout: o.sessionTimeoutMs ?? 4000, debug_level: 0, host_order_deterministic: true });
    const session = new ZkSession(zk, o.connectString, o.callTimeoutMs ?? 3000);
    const connectTimeoutMs = o.connectTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      let established = false;
      const timer = setTimeout(() => {
        session.close();
        reject(new ZkError('ConnectionLoss', C.ZCONNECTIONLOSS, true, `no session with ${o.connectString} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      zk.on('connect', () => setImmediate(() => {
        if (!established) {
          established = true;
          clearTimeout(timer);
          resolve(session);
        } else o.onEvent?.('connected', session.sessionId);
      }));
      zk.on('connecting', () => setImmediate(() => {
        if (established) o.onEvent?.('disconnected', session.sessionId);
      }));
      zk.on('close', (_self: unknown, code: number) => {
        if (code === C.ZOO_EXPIRED_SESSION_STATE) session.expired = true;
        session.closed = true;
        setImmediate(() => {
          if (established) o.onEvent?.(code === C.ZOO_EXPIRED_SESSION_STATE ? 'expired' : 'closed', session.sessionId);
        });
      });
      zk.init({});
    });
  }

  /** Resolves once the session is connected again, closed, or `ms` passed (whichever first). */
  awaitConnected(ms: number): Promise<void> {
    if (this.connected || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.zk.off('connect', later);
        this.zk.off('close', later);
        resolve();
      };
      const later = () => setImmediate(done);
      const timer = setTimeout(done, ms);
      this.zk.on('connect', later);
      this.zk.on('close', later);
    });
  }

  /** Session id in hex, as the server logs it. */
  get sessionId(): string {
    return String(this.zk.client_id);
  }
  get connected(): boolean {
    return !this.closed && this.zk.state === C.ZOO_CONNECTED_STATE;
  }
  get isExpired(): boolean {
    return this.expired;
  }
  /** Closed by us or by the server (expired): no call will ever succeed on it again. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Issues one asynchronous C-client call with a deadline. A call is only sent while the session is
   * connected (after waiting up to RECONNECT_WAIT_MS for a reconnect): otherwise the C client would
   * queue it until a reconnect, and a request that was never sent is a definite failure.
   */
  private async call<T>(what: string, issue: (done: (rc: number, result: T) => void) => void, timeoutMs = this.callTimeoutMs): Promise<T> {
    if (!this.connected) await this.awaitConnected(Math.min(timeoutMs, RECONNECT_WAIT_MS));
    if (this.closed) throw new ZkError(this.expired ? 'SessionExpired' : 'Closed', undefined, true, `${what}: session ${this.expired ? 'expired' : 'closed'}`);
    if (!this.connected) throw new ZkError('ConnectionLoss', C.ZCONNECTIONLOSS, true, `${what}: not connected (not sent)`);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZkError('Timeout', undefined, false, `${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
      issue((rc, result) => setImmediate(() => {
        clearTimeout(timer);
        if (rc === C.ZOK) resolve(result);
        else {
          const name = CODE_NAMES[rc] ?? `Error${rc}`;
          reject(new ZkError(name, rc, DEFINITE.has(rc), what));
        }
      }));
    });
  }

  private static watcher(watch: Watcher | undefined) {
    return (type: number, _state: number, path: string) => setImmediate(() => watch?.(WATCH_EVENTS[type] ?? 'session', path));
  }

  get(path: string, watch?: Watcher): Promise<{ data: string | null; stat: Stat }> {
    return this.call(`get ${path}`, (done) => {
      const cb = (rc: number, _e: unknown, stat: Stat, data: unknown) => done(rc, { data: toText(data), stat });
      if (watch) this.zk.aw_get(path, ZkSession.watcher(watch), cb);
      else this.zk.a_get(path, false, cb);
    });
  }

  /** setData; version -1 writes unconditionally, otherwise it is a compare-and-set on the version. */
  set(path: string, data: string, version: number): Promise<Stat> {
    return this.call(`set ${path}`, (done) => this.zk.a_set(path, data, version, (rc: number, _e: unknown, stat: Stat) => done(rc, stat)));
  }

  /** Returns the created path (with the sequential suffix for sequential modes). */
  create(path: string, data: string, mode: CreateModeName = 'persistent'): Promise<string> {
    return this.call(`create ${path}`, (done) => this.zk.a_create(path, data, CreateMode[mode], (rc: number, _e: unknown, created: string) => done(rc, created)));
  }

  delete(path: string, version = -1): Promise<void> {
    return this.call(`delete ${path}`, (done) => this.zk.a_delete_(path, version, (rc: number) => done(rc, undefined)));
  }

  /** Stat of a node, or null when it does not exist (the watch then fires on its creation). */
  async exists(path: string, watch?: Watcher): Promise<Stat | null> {
    try {
      return await this.call<Stat>(`exists ${path}`, (done) => {
        const cb = (rc: number, _e: unknown, stat: Stat) => done(rc, stat);
        if (watch) this.zk.aw_exists(path, ZkSession.watcher(watch), cb);
        else this.zk.a_exists(path, false, cb);
      });
    } catch (err) {
      if (isZkCode(err, 'NoNode')) return null;
      throw err;
    }
  }

  children(path: string, watch?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    return this.call(`children ${path}`, (done) => {
      const cb = (rc: number, _e: unknown, children: string[], stat: Stat) => done(rc, { children: children ?? [], stat });
      if (watch) this.zk.aw_get_children2(path, ZkSession.watcher(watch), cb);
      else this.zk.a_get_children2(path, false, cb);
    });
  }

  /** Asks the connected server to catch up with the leader (does NOT make the next read
   *  linearizable: ZOOKEEPER-1675). */
  sync(path: string): Promise<void> {
    return this.call(`sync ${path}`, (done) => this.zk.a_sync(path, (rc: number) => done(rc, undefined)));
  }

  /** Creates each missing ancestor and the node itself (persistent); existing ones are fine. */
  async ensurePath(path: string, data = ''): Promise<void> {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      try {
        await this.create('/' + parts.slice(0, i).join('/'), i === parts.length ? data : '');
      } catch (err) {
        if (!isZkCode(err, 'NodeExists')) throw err;
      }
    }
  }

  /** Closes the session (its ephemeral nodes go at once). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => this.zk.close());
  }
}
