// One ZooKeeper client session, as the workloads (register, and the recipes: locks, elections,
// queues, barriers, membership) and the ZooKeeper targets' readiness checks need it: every call has its own deadline, every error says whether
// the request may have reached the ensemble (so a workload can record `fail` vs `info`), and session
// events (connected / disconnected / expired / closed) are reported as they happen.
//
// Built on node-zookeeper-client (pure JavaScript), not on the native `zookeeper` package: the
// native binding aborts the whole harness under crash faults ("uv_poll_start: Assertion
// `!uv__is_closing(handle)' failed", or a bare SIGABRT) when one session's C client closes a socket
// while another session opens one and the fd number is reused — reproduced here with kill-leader in
// 3 of 4 runs. node-zookeeper-client has the opposite weakness: no ping timeout, so it would never
// notice a server behind an iptables DROP or a SIGSTOPped one. This wrapper adds that: a liveness
// probe every third of the session timeout, and a connection that stays silent for two thirds of
// it is dropped so the library reconnects (and learns of expiry), as the Java and C clients do.
// Two more repairs of its connection handling (see `repairConnection`): a half-received frame from a
// dropped connection is not glued onto the next connection's first bytes, and a frame it cannot
// parse cuts that connection instead of throwing out of a socket handler (which killed the harness:
// "Unknown code: -257163264" after a kill-leader).
import zookeeper, { type Client, type Exception, type Stat as RawStat } from 'node-zookeeper-client';

const E = zookeeper.Exception;

export const CreateMode = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistentSequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeralSequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
} as const;
export type CreateModeName = keyof typeof CreateMode;

const CODE_NAMES: Record<number, string> = {
  [E.SYSTEM_ERROR]: 'SystemError', [E.CONNECTION_LOSS]: 'ConnectionLoss', [E.OPERATION_TIMEOUT]: 'OperationTimeout',
  [E.BAD_ARGUMENTS]: 'BadArguments', [E.NO_NODE]: 'NoNode', [E.NO_AUTH]: 'NoAuth', [E.BAD_VERSION]: 'BadVersion',
  [E.NO_CHILDREN_FOR_EPHEMERALS]: 'NoChildrenForEphemerals', [E.NODE_EXISTS]: 'NodeExists', [E.NOT_EMPTY]: 'NotEmpty',
  [E.SESSION_EXPIRED]: 'SessionExpired', [E.INVALID_ACL]: 'InvalidACL', [E.AUTH_FAILED]: 'AuthFailed',
};

/** Answers the server gave: the request certainly had no effect. */
const DEFINITE = new Set<number>([
  E.NO_NODE, E.NODE_EXISTS, E.BAD_VERSION, E.NOT_EMPTY, E.NO_AUTH, E.BAD_ARGUMENTS, E.NO_CHILDREN_FOR_EPHEMERALS, E.INVALID_ACL,
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
  /** Session id (hex) owning an ephemeral node, '0' for a persistent one. */
  ephemeralOwner: string;
  numChildren: number;
  pzxid: number;
}

const long = (b: Buffer) => b.readBigInt64BE(0);
function statOf(raw: RawStat): Stat {
  return {
    czxid: Number(long(raw.czxid)), mzxid: Number(long(raw.mzxid)), pzxid: Number(long(raw.pzxid)),
    version: raw.version, cversion: raw.cversion, numChildren: raw.numChildren,
    ephemeralOwner: BigInt.asUintN(64, long(raw.ephemeralOwner)).toString(16),
  };
}

export type SessionEvent = 'connected' | 'disconnected' | 'expired' | 'closed';
export type WatchEvent = 'created' | 'deleted' | 'changed' | 'child';
const WATCH_EVENTS: Record<number, WatchEvent> = { 1: 'created', 2: 'deleted', 3: 'changed', 4: 'child' };

export interface ZkSessionOptions {
  connectString: string;
  /** Session timeout asked from the server (the server clamps it to 2..20 ticks). */
  sessionTimeoutMs?: number;
  /** Deadline for establishing the session. */
  connectTimeoutMs?: number;
  /** Default deadline of each call. */
  callTimeoutMs?: number;
  /** Session state changes after the first connect (reconnects, losses, expiry, close). */
  onEvent?: (event: SessionEvent, sessionId: string, facts: SessionFacts) => void;
}

/** What the client knows at a session event about when the server last heard from the session. */
export interface SessionFacts {
  /** How long before the event the latest request the server answered (a call or a liveness
   *  probe) was sent — the server heard from the session then or later; null if none was. */
  lastAnsweredMsAgo: number | null;
}

/** Patches one client's connection manager (node-zookeeper-client 1.1.3 internals): every new
 *  connection starts with an empty receive buffer, and a parse error drops the connection (the
 *  library then reconnects and fails the pending calls with ConnectionLoss → info). */
function repairConnection(zk: Client): void {
  const cm = zk.connectionManager;
  const connect = cm.connect;
  const onSocketData = cm.onSocketData;
  cm.connect = function (this: typeof cm) {
    this.pendingBuffer = null;
    connect.call(this);
  };
  cm.onSocketData = function (this: typeof cm, buffer: Buffer) {
    try {
      onSocketData.call(this, buffer);
    } catch {
      this.pendingBuffer = null;
      this.socket?.destroy();
    }
  };
}

/** How long a call waits for a lost connection to come back before it fails unsent: this also
 *  paces a client cut off from its server, instead of letting it spin on instant failures. */
const RECONNECT_WAIT_MS = 1000;

type Watcher = (event: WatchEvent, path: string) => void;
const toText = (data: Buffer | null): string | null => (data == null ? null : data.toString('utf8'));

export class ZkSession {
  private closed = false;
  private expired = false;
  private established = false;
  private probe: { sent: number } | undefined;
  private readonly liveness: NodeJS.Timeout;
  /** performance.now() when the latest request the server answered was sent. */
  private lastAnsweredSentAt: number | undefined;

  private constructor(private readonly zk: Client, readonly connectString: string, private readonly callTimeoutMs: number, private readonly sessionTimeoutMs: number, private readonly onEvent?: ZkSessionOptions['onEvent']) {
    this.liveness = setInterval(() => this.checkLiveness(), Math.max(100, Math.floor(sessionTimeoutMs / 6)));
    this.liveness.unref();
  }

  /** Opens a session; rejects (after closing it) if it is not established in time. */
  static open(o: ZkSessionOptions): Promise<ZkSession> {
    const sessionTimeoutMs = o.sessionTimeoutMs ?? 4000;
    // retries 0: the library must never resend a request on its own (a resent write could apply twice)
    const zk = zookeeper.createClient(o.connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 0 });
    repairConnection(zk);
    const session = new ZkSession(zk, o.connectString, o.callTimeoutMs ?? 3000, sessionTimeoutMs, o.onEvent);
    const connectTimeoutMs = o.connectTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        session.close();
        reject(new ZkError('ConnectionLoss', E.CONNECTION_LOSS, true, `no session with ${o.connectString} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      zk.on('connected', () => {
        if (session.established) return session.report('connected');
        session.established = true;
        clearTimeout(timer);
        resolve(session);
      });
      zk.on('disconnected', () => {
        if (!session.closed) session.report('disconnected');
      });
      zk.on('expired', () => {
        session.expired = true;
        session.shutDown();
        session.report('expired');
      });
      zk.connect();
    });
  }

  private report(event: SessionEvent): void {
    if (this.established) this.onEvent?.(event, this.sessionId, { lastAnsweredMsAgo: this.lastAnsweredMsAgo });
  }

  /** A request sent at `sentAt` was answered by the server (not failed by the client library). */
  private answered(sentAt: number): void {
    if (this.lastAnsweredSentAt === undefined || sentAt > this.lastAnsweredSentAt) this.lastAnsweredSentAt = sentAt;
  }

  /** ms since the latest request the server answered was sent (null: none yet). */
  get lastAnsweredMsAgo(): number | null {
    return this.lastAnsweredSentAt === undefined ? null : Math.round(performance.now() - this.lastAnsweredSentAt);
  }

  /** Resolves once the session is connected again, closed, or `ms` passed (whichever first). */
  awaitConnected(ms: number): Promise<void> {
    if (this.connected || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.zk.off('connected', done);
        this.zk.off('expired', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.zk.on('connected', done);
      this.zk.on('expired', done);
    });
  }

  /** Session id in hex, as the server logs it. */
  get sessionId(): string {
    return this.zk.getSessionId().toString('hex');
  }
  /** The session timeout the server granted (it clamps the one asked for to 2..20 ticks). */
  get negotiatedTimeoutMs(): number {
    return this.zk.getSessionTimeout();
  }
  get connected(): boolean {
    return !this.closed && this.zk.getState() === zookeeper.State.SYNC_CONNECTED;
  }
  get isExpired(): boolean {
    return this.expired;
  }
  /** Closed by us or expired by the server: no call will ever succeed on it again. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The ping timeout node-zookeeper-client lacks: a cheap read (checked every sixth of the session
   * timeout, one at a time); if one stays unanswered for two thirds of it, the connection is dead
   * (DROP, SIGSTOP) and is cut, so the library reconnects — and hears "expired" if the server gave up
   * on the session meanwhile.
   */
  private checkLiveness(): void {
    if (!this.connected) return;
    const now = performance.now();
    if (this.probe) {
      if (now - this.probe.sent > (this.sessionTimeoutMs * 2) / 3) {
        this.probe = undefined;
        this.zk.connectionManager.socket?.destroy();
      }
      return;
    }
    const probe = { sent: now };
    this.probe = probe;
    this.zk.exists('/', null, (err) => {
      if (!err) this.answered(probe.sent);
      if (this.probe === probe) this.probe = undefined;
    });
  }

  /**
   * Issues one call with a deadline. A call is only sent while the session is connected (after
   * waiting up to RECONNECT_WAIT_MS for a reconnect): the library would otherwise queue it until a
   * reconnect, and a request that was never sent is a definite failure, not an unknown one.
   */
  private async call<T>(what: string, issue: (done: (err: Exception | null, result: T) => void) => void, timeoutMs = this.callTimeoutMs): Promise<T> {
    if (!this.connected) await this.awaitConnected(Math.min(timeoutMs, RECONNECT_WAIT_MS));
    if (this.closed) throw new ZkError(this.expired ? 'SessionExpired' : 'Closed', undefined, true, `${what}: session ${this.expired ? 'expired' : 'closed'} (not sent)`);
    if (!this.connected) throw new ZkError('ConnectionLoss', E.CONNECTION_LOSS, true, `${what}: not connected (not sent)`);
    return new Promise<T>((resolve, reject) => {
      const sentAt = performance.now();
      const timer = setTimeout(() => reject(new ZkError('Timeout', undefined, false, `${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
      issue((err, result) => {
        clearTimeout(timer);
        if (!err || DEFINITE.has(err.getCode())) this.answered(sentAt); // the server's own answer
        if (!err) return resolve(result);
        const code = err.getCode();
        reject(new ZkError(CODE_NAMES[code] ?? err.getName(), code, DEFINITE.has(code), what));
      });
    });
  }

  private static watcher(watch: Watcher | undefined) {
    return watch ? (event: zookeeper.Event) => watch(WATCH_EVENTS[event.getType()] ?? 'changed', event.getPath()) : null;
  }

  get(path: string, watch?: Watcher): Promise<{ data: string | null; stat: Stat }> {
    return this.call(`get ${path}`, (done) => this.zk.getData(path, ZkSession.watcher(watch), (err, data, stat) => done(err, err ? undefined! : { data: toText(data), stat: statOf(stat) })));
  }

  /** setData; version -1 writes unconditionally, otherwise it is a compare-and-set on the version. */
  set(path: string, data: string, version: number): Promise<Stat> {
    return this.call(`set ${path}`, (done) => this.zk.setData(path, Buffer.from(data), version, (err, stat) => done(err, err ? undefined! : statOf(stat))));
  }

  /** Returns the created path (with the sequential suffix for sequential modes). */
  create(path: string, data: string, mode: CreateModeName = 'persistent'): Promise<string> {
    return this.call(`create ${path}`, (done) => this.zk.create(path, Buffer.from(data), CreateMode[mode], (err, created) => done(err, created)));
  }

  delete(path: string, version = -1): Promise<void> {
    return this.call(`delete ${path}`, (done) => this.zk.remove(path, version, (err) => done(err, undefined)));
  }

  /** Stat of a node, or null when it does not exist (the watch then fires on its creation). */
  exists(path: string, watch?: Watcher): Promise<Stat | null> {
    return this.call(`exists ${path}`, (done) => this.zk.exists(path, ZkSession.watcher(watch), (err, stat) => done(err, stat ? statOf(stat) : null)));
  }

  children(path: string, watch?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    return this.call(`children ${path}`, (done) => this.zk.getChildren(path, ZkSession.watcher(watch), (err, children, stat) => done(err, err ? undefined! : { children, stat: statOf(stat) })));
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

  private shutDown(): void {
    this.closed = true;
    clearInterval(this.liveness);
  }

  /** Closes the session (its ephemeral nodes go at once when the server hears it). Idempotent. A
   *  server that does not answer the close within a second has its connection cut. */
  close(): void {
    if (this.closed) return;
    this.shutDown();
    this.report('closed');
    this.zk.close();
    setTimeout(() => this.zk.connectionManager.socket?.destroy(), 1000).unref();
  }
}
