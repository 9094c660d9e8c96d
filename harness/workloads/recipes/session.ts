// The ZooKeeper session a recipe client (lock holder, election candidate) lives in: one session to
// the client's own node, every state change recorded into the history as a `session` event (the
// checkers need them to tell a live holder from an expired one), and a fresh session opened on
// demand once the server has expired the old one.
import type { WorkloadContext } from '../../generator/types.ts';
import { ZkSession, type SessionEvent } from '../../clients/zk-client.ts';
import { type ZkEndpoint, nodeForProcess } from '../../target.ts';
import type { SessionOptions } from './common.ts';


export class RecipeSession {
  readonly node: string;
  private session: ZkSession | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly ctx: WorkloadContext<ZkEndpoint>,
    private readonly process: number,
    private readonly o: SessionOptions,
    /** Called after the event is recorded, with the id of the session it concerns. */
    private readonly onState: (state: SessionEvent, session: string) => void = () => {},
  ) {
    this.node = nodeForProcess(ctx.cluster, process);
  }

  private record(state: SessionEvent, session: string): void {
    this.ctx.events(this.process)('session', { state, session }, { node: this.node });
  }

  /** The current session, or a new one if there is none or the server expired it. */
  async live(): Promise<ZkSession> {
    if (this.session && !this.session.isClosed) return this.session;
    if (this.closed) throw new Error('client closed');
    let id = '';
    const session = await ZkSession.open({
      connectString: await this.ctx.cluster.connectString(this.node),
      sessionTimeoutMs: this.o.sessionTimeoutMs, connectTimeoutMs: this.o.callTimeoutMs, callTimeoutMs: this.o.callTimeoutMs,
      onEvent: (state, sid) => {
        if (this.session?.sessionId !== id || state === 'closed') return; // an older session, or our own close (recorded below)
        this.record(state, id || sid);
        this.onState(state, id || sid);
        this.wakeAll();
      },
    });
    if (this.closed) {
      session.close();
      throw new Error('client closed');
    }
    id = session.sessionId;
    this.session = session;
    this.record('connected', id);
    return session;
  }

  /** Opens the session and makes sure the recipe's `path` exists. A client cut off from the quorum
   *  cannot create it and need not: its ops will fail or be unknown, as they should. */
  async openAt(path: string, data = ''): Promise<ZkSession> {
    const s = await this.live();
    try {
      await s.ensurePath(path, data);
    } catch {
      // cut off from the quorum
    }
    return s;
  }

  get current(): ZkSession | undefined {
    return this.session;
  }

  /** Resolves at the next session state change (reconnect, disconnect, expiry). */
  nextStateChange(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((r) => r());
  }

  /** Closes the session (its ephemeral nodes go at once) and records it. Idempotent. */
  close(): void {
    this.closed = true;
    const s = this.session;
    if (s && !s.isClosed) {
      this.record('closed', s.sessionId);
      s.close();
    }
    this.wakeAll();
  }
}
