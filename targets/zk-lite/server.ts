// A zk-lite server: the client port (ZooKeeper wire protocol and four-letter words), the replicated
// data tree and session table, and the glue to consensus. Writes, syncs and session changes become
// log entries; the server that holds the client's connection answers once it applies the entry.
// Reads are answered from the local tree, so they are sequentially consistent, as in ZooKeeper.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { ClientConnection, type ConnectionHost, type RequestSlot } from './client-conn.ts';
import type { ZkLiteConfig } from './config.ts';
import { leaseClock } from './clock.ts';
import { fourLetterWordText } from './four-letter.ts';
import { JuteWriter } from './jute.ts';
import { PeerNet, type PeerMessage } from './peer-net.ts';
import {
  ErrorCode, EventType, isSequentialMode, OpCode, replyHeader, writeConnectResponse, writeOpenAcl, writeStat,
  type ClientRequest, type ConnectRequest, type WriteOp,
} from './protocol.ts';
import { RaftNode, timingFor, type Role } from './raft.ts';
import { RaftStorage } from './storage.ts';
import { DataTree, parentOf, validPath, type ApplyResult, type Command, type Entry, type LoggedOp, type Origin } from './tree.ts';
import { WatchTable, type WatchTarget } from './watches.ts';

const toLogged = (w: WriteOp): LoggedOp => {
  switch (w.op) {
    case 'create': return { op: 'create', path: w.path, data: w.data.toString('base64'), flags: w.flags };
    case 'setData': return { op: 'setData', path: w.path, data: w.data.toString('base64'), version: w.version };
    default: return { ...w };
  }
};

const hasStatInCreateReply = (type: number): boolean => type === OpCode.create2 || type === OpCode.createContainer || type === OpCode.createTTL;

export class ZkLiteServer implements ConnectionHost {
  tree: DataTree;
  readonly watches = new WatchTable();
  readonly conns = new Set<ClientConnection>();
  private readonly connBySid = new Map<string, ClientConnection>();
  private readonly pendingHandshakes = new Map<string, ClientConnection>();
  private readonly sessionSeen = new Map<string, number>();
  private readonly expiring = new Set<string>();
  private readonly touched = new Set<string>();
  private readonly seqCounters = new Map<string, number>();
  private leaderSince = 0;
  private leaderReadyIndex = Number.POSITIVE_INFINITY;
  private sessionCounter = 0n;
  private revalidationCounter = 0;
  private readonly pendingRevalidations = new Map<number, { conn: ClientConnection; sid: string; passwd: Buffer }>();
  private sessionTimer: NodeJS.Timeout | undefined;
  private clientServer: Server | undefined;
  readonly storage: RaftStorage;
  readonly net: PeerNet;
  readonly raft: RaftNode;
  readonly startedAt = Date.now();
  /** When a session was last heard of, and the leader's session expiry, read this clock (clock.ts). */
  private readonly sessionNow: () => number;
  /** Set ZK_LITE_DEBUG=1 to log every handshake and client connection. */
  private readonly debug = process.env.ZK_LITE_DEBUG === '1';
  /** Distinguishes this process's requests from those of an earlier run replayed from the log. */
  private readonly boot = randomBytes(4).toString('hex');

  constructor(readonly cfg: ZkLiteConfig, private readonly log: (msg: string) => void) {
    this.tree = new DataTree(cfg.bugs);
    this.sessionNow = leaseClock(cfg.bugs);
    this.storage = new RaftStorage(cfg.dataDir, !cfg.bugs.has('no-fsync'), 10 * cfg.tickTime, cfg.bugs.has('ignore-enospc'));
    this.net = new PeerNet(cfg.servers, 2 * cfg.tickTime, (m, reply) => this.onPeerMessage(m, reply), log);
    this.raft = new RaftNode(cfg, this.storage, this.net, timingFor(cfg), {
      apply: (e) => this.applyEntry(e),
      resetState: () => this.resetState(),
      roleChanged: (role) => this.onRoleChanged(role),
      leaderTick: () => this.expireSessions(),
      log,
    });
  }

  async start(): Promise<void> {
    this.storage.load();
    const me = this.cfg.servers.find((s) => s.id === this.cfg.myid)!;
    if (this.cfg.servers.length > 1) await this.net.listen(this.cfg.quorumListenOnAllIPs ? '0.0.0.0' : me.host, me.peerPort);
    this.clientServer = createServer((socket) => this.conns.add(new ClientConnection(socket, this)));
    await new Promise<void>((resolve, reject) => {
      this.clientServer!.once('error', reject);
      this.clientServer!.listen(this.cfg.clientPort, this.cfg.clientPortAddress, () => resolve());
    });
    this.raft.start();
    this.sessionTimer = setInterval(() => this.sessionTick(), Math.max(50, Math.round(this.cfg.tickTime / 2)));
    this.log(`serving clients on ${this.cfg.clientPortAddress}:${this.cfg.clientPort}, log has ${this.storage.lastIndex()} entries, bugs: ${[...this.cfg.bugs].join(',') || 'none'}`);
  }

  async stop(): Promise<void> {
    this.raft.stop();
    if (this.sessionTimer) clearInterval(this.sessionTimer);
    for (const c of [...this.conns]) c.close();
    this.net.close();
    this.storage.close();
    await new Promise<void>((resolve) => (this.clientServer ? this.clientServer.close(() => resolve()) : resolve()));
  }

  /** Whether clients may connect: a leader once its own term's first entry committed, a follower while it has a leader. */
  serving(): boolean {
    if (this.raft.role === 'leader') return this.raft.commitIndex >= this.leaderReadyIndex;
    return this.raft.hasLeader();
  }

  mode(): string {
    if (this.cfg.servers.length === 1) return 'standalone';
    return this.raft.role === 'leader' ? 'leader' : 'follower';
  }

  private bug(name: string): boolean {
    return this.cfg.bugs.has(name as never);
  }

  // ---- consensus glue -------------------------------------------------------------------------

  private onRoleChanged(role: Role): void {
    for (const c of [...this.conns]) c.close();
    this.pendingHandshakes.clear();
    this.pendingRevalidations.clear();
    if (role === 'leader') {
      this.leaderSince = this.sessionNow();
      this.sessionSeen.clear();
      this.expiring.clear();
      this.seqCounters.clear();
      this.leaderReadyIndex = this.raft.lastIndex() + 1;
    }
  }

  private resetState(): void {
    this.tree = new DataTree(this.cfg.bugs);
    this.watches.clear();
    for (const c of [...this.conns]) c.close();
  }

  private onPeerMessage(msg: PeerMessage, reply: (m: PeerMessage) => void): void {
    if (this.raft.handle(msg, reply)) return;
    if (msg.type === 'propose' && this.raft.role === 'leader') this.proposeAsLeader(msg.cmd as Command, msg.origin as Origin | undefined);
    if (msg.type === 'touch' && this.raft.role === 'leader') {
      const now = this.sessionNow();
      for (const sid of msg.sessions as string[]) this.sessionSeen.set(sid, now);
    }
  }

  private proposeAsLeader(cmd: Command, origin?: Origin): boolean {
    if (this.bug('seq-reuse') && cmd.t === 'write') this.assignSequenceNames(cmd.ops);
    return this.raft.propose(cmd, origin);
  }

  /**
   * The seq-reuse bug: the leader hands out sequence suffixes from an in-memory counter that a new
   * leader starts at the parent's current child count, so suffixes of deleted children come back.
   */
  private assignSequenceNames(ops: LoggedOp[]): void {
    for (const op of ops) {
      if (op.op !== 'create' || !isSequentialMode(op.flags)) continue;
      const parent = parentOf(op.path);
      let n = this.seqCounters.get(parent) ?? this.tree.get(parent)?.children.size ?? 0;
      while (this.tree.get(op.path + String(n).padStart(10, '0'))) n++;
      op.assignedPath = op.path + String(n).padStart(10, '0');
      this.seqCounters.set(parent, n + 1);
    }
  }

  /** Sends a command to the leader (or proposes it here); false if there is no leader to take it. */
  private submitCommand(cmd: Command, origin: Origin): boolean {
    if (this.raft.role === 'leader') return this.proposeAsLeader(cmd, origin);
    if (this.raft.leaderId === null || !this.raft.hasLeader()) return false;
    return this.net.send(this.raft.leaderId, { type: 'propose', from: this.cfg.myid, cmd, origin });
  }

  private applyEntry(entry: Entry): void {
    const result = this.tree.apply(entry);
    for (const ev of result.events) this.watches.fire(ev, result.zxid, (t, type, path, zxid) => this.deliverWatch(t, type, path, zxid));
    const cmd = entry.cmd;
    const mine = entry.origin?.server === this.cfg.myid && entry.origin.boot === this.boot ? entry.origin : undefined;
    if (cmd.t === 'createSession') {
      if (this.raft.role === 'leader') this.sessionSeen.set(cmd.sid, this.sessionNow());
      if (mine) this.finishHandshake(cmd.sid, cmd.timeout, Buffer.from(cmd.passwd, 'base64'));
    } else if (cmd.t === 'closeSession') {
      this.onSessionClosed(cmd.sid, result, mine);
    } else if (mine && cmd.t === 'sync' && mine.sid === 'revalidate') {
      const pending = this.pendingRevalidations.get(mine.xid);
      this.pendingRevalidations.delete(mine.xid);
      if (pending && this.conns.has(pending.conn)) this.resume(pending.conn, pending.sid, pending.passwd);
    } else if (mine && (cmd.t === 'write' || cmd.t === 'sync')) {
      const conn = this.connBySid.get(mine.sid);
      const slot = conn?.findSlot(mine.xid);
      if (conn && slot) conn.complete(slot, this.encodeAsyncReply(slot.req, result));
    }
  }

  /**
   * Sends a watch notification. The double-watch bug sends it again a tick later: by then a client
   * that re-registered its watch (the usual pattern) gets a second event for a single change.
   */
  private deliverWatch(target: WatchTarget, type: number, path: string, zxid: bigint): void {
    target.notify(type, path, zxid);
    if (this.bug('double-watch')) setTimeout(() => { if (target.open) target.notify(type, path, zxid); }, this.cfg.tickTime).unref();
  }

  private onSessionClosed(sid: string, result: ApplyResult, mine?: Origin): void {
    this.expiring.delete(sid);
    this.sessionSeen.delete(sid);
    const conn = this.connBySid.get(sid);
    if (!conn) return;
    this.connBySid.delete(sid);
    const slot = mine ? conn.findSlot(mine.xid) : undefined;
    if (slot) conn.complete(slot, replyHeader(slot.req.xid, result.zxid, 0).frame(), true);
    else conn.close();
  }

  // ---- sessions ---------------------------------------------------------------------------------

  private newSessionId(): string {
    const base = (BigInt(this.cfg.myid & 0x7f) << 56n) | ((BigInt(Date.now()) << 16n) & ((1n << 56n) - 1n));
    this.sessionCounter++;
    return String(base + this.sessionCounter);
  }

  private connectResponse(timeOut: number, sid: string, passwd: Buffer): Buffer {
    return writeConnectResponse(new JuteWriter(), { protocolVersion: 0, timeOut, sessionId: BigInt(sid), passwd, readOnly: false }).frame();
  }

  handshake(conn: ClientConnection, req: ConnectRequest): void {
    if (this.debug) this.log(`handshake from ${conn.remote} session 0x${req.sessionId.toString(16)} serving ${this.serving()} zxid 0x${req.lastZxidSeen.toString(16)}`);
    if (!this.serving()) { conn.close(); return; }
    if (!this.bug('stale-read') && req.lastZxidSeen > this.tree.lastZxid) {
      this.log(`refusing client ${conn.remote}: it has seen zxid 0x${req.lastZxidSeen.toString(16)}, ours is 0x${this.tree.lastZxid.toString(16)}`);
      conn.close();
      return;
    }
    const timeout = Math.min(this.cfg.maxSessionTimeout, Math.max(this.cfg.minSessionTimeout, req.timeOut));
    if (req.sessionId === 0n) {
      const sid = this.newSessionId();
      this.pendingHandshakes.set(sid, conn);
      const cmd: Command = { t: 'createSession', sid, timeout, passwd: randomBytes(16).toString('base64') };
      if (!this.submitCommand(cmd, { server: this.cfg.myid, boot: this.boot, sid, xid: 0 })) { conn.close(); return; }
      // stale-read: a leader admits the client before the session is committed, so a deposed
      // leader keeps taking clients and serving them reads.
      if (this.bug('stale-read') && this.raft.role === 'leader') this.finishHandshake(sid, timeout, Buffer.from(cmd.passwd, 'base64'));
      return;
    }
    const sid = String(req.sessionId);
    if (this.tree.sessions.has(sid) || this.raft.role === 'leader') { this.resume(conn, sid, req.passwd); return; }
    // Unknown here, but this follower may lag behind the session's creation: a sync through the
    // leader brings it up to date before the verdict, so a live session is never declared expired.
    const token = ++this.revalidationCounter;
    this.pendingRevalidations.set(token, { conn, sid, passwd: req.passwd });
    if (!this.submitCommand({ t: 'sync' }, { server: this.cfg.myid, boot: this.boot, sid: 'revalidate', xid: token })) {
      this.pendingRevalidations.delete(token);
      conn.close();
    }
  }

  /** Reattaches a reconnecting client to its session, or tells it the session expired. */
  private resume(conn: ClientConnection, sid: string, passwd: Buffer): void {
    const session = this.tree.sessions.get(sid);
    if (!session || !Buffer.from(session.passwd, 'base64').equals(passwd)) {
      conn.closeAfter(this.connectResponse(0, '0', Buffer.alloc(16)));
      return;
    }
    this.attach(conn, sid, session.timeout, Buffer.from(session.passwd, 'base64'));
  }

  private finishHandshake(sid: string, timeout: number, passwd: Buffer): void {
    const conn = this.pendingHandshakes.get(sid);
    if (this.debug) this.log(`session 0x${BigInt(sid).toString(16)} committed; connection ${conn ? (this.conns.has(conn) ? 'open' : 'gone') : 'unknown'}`);
    this.pendingHandshakes.delete(sid);
    if (conn && this.conns.has(conn)) this.attach(conn, sid, timeout, passwd);
  }

  private attach(conn: ClientConnection, sid: string, timeout: number, passwd: Buffer): void {
    const previous = this.connBySid.get(sid);
    if (previous && previous !== conn) previous.close();
    this.connBySid.set(sid, conn);
    conn.establish(sid, this.connectResponse(timeout, sid, passwd));
    this.activity(conn);
  }

  activity(conn: ClientConnection): void {
    if (!conn.sid) return;
    if (this.raft.role === 'leader') this.sessionSeen.set(conn.sid, this.sessionNow());
    else this.touched.add(conn.sid);
  }

  closed(conn: ClientConnection): void {
    if (this.debug) this.log(`client connection ${conn.remote} closed`);
    this.conns.delete(conn);
    this.watches.drop(conn);
    if (conn.sid && this.connBySid.get(conn.sid) === conn) this.connBySid.delete(conn.sid);
  }

  /** Leader: expire sessions not heard of within their timeout. Follower: report live sessions. */
  private sessionTick(): void {
    if (this.raft.role === 'leader') this.expireSessions();
    else if (this.raft.leaderId !== null && this.touched.size > 0) {
      this.net.send(this.raft.leaderId, { type: 'touch', from: this.cfg.myid, sessions: [...this.touched] });
      this.touched.clear();
    }
  }

  /**
   * Leader: propose the expiry of every session not heard of within its timeout. Runs on the session
   * timer and also at the start of every leader tick, before the lease check: whatever makes the
   * leader step down, the expiries its own clock called for are proposed (and sent) first, so what a
   * session clock does is never hidden behind a step-down that happens to come first. Without the
   * `wall-clock` bug it changes nothing (a leader cut off past a session's timeout expires it either
   * way, and a step-down clears what it knew about sessions); with it, a forward step of the leader's
   * wall clock expires the sessions it misjudges on every try — when the session timer came second,
   * the lease check (on the same stepped clock) made the leader step down first and the new leader
   * started every session's timeout afresh: no expiry, nothing for a checker to see.
   */
  private expireSessions(): void {
    const now = this.sessionNow();
    for (const [sid, session] of this.tree.sessions) {
      const seen = this.sessionSeen.get(sid) ?? this.leaderSince;
      if (now - seen > session.timeout && !this.expiring.has(sid)) {
        this.expiring.add(sid);
        this.log(`expiring session 0x${BigInt(sid).toString(16)}`);
        this.raft.propose({ t: 'closeSession', sid, expired: true });
      }
    }
  }

  // ---- requests --------------------------------------------------------------------------------

  submit(conn: ClientConnection, slot: RequestSlot): void {
    const req = slot.req;
    const origin: Origin = { server: this.cfg.myid, boot: this.boot, sid: conn.sid!, xid: req.xid };
    let cmd: Command;
    if (req.kind === 'write' && this.answerNoOpLocally(conn, slot)) return;
    if (req.kind === 'write') cmd = { t: 'write', sid: conn.sid!, ops: [toLogged(req.write)], multi: false };
    else if (req.kind === 'multi') {
      if (req.ops.length === 0) { conn.complete(slot, this.encodeMulti(req, [], this.tree.lastZxid)); return; }
      cmd = { t: 'write', sid: conn.sid!, ops: req.ops.map((o) => toLogged(o.write)), multi: true };
    } else if (req.kind === 'sync') {
      if (this.bug('stale-read') && this.raft.role === 'leader') {
        conn.complete(slot, replyHeader(req.xid, this.tree.lastZxid, 0).ustring(req.path).frame());
        return;
      }
      cmd = { t: 'sync' };
    } else cmd = { t: 'closeSession', sid: conn.sid!, expired: false };
    if (!this.submitCommand(cmd, origin)) conn.close();
  }

  /**
   * The stale-read bug's shortcut: a leader answers a versioned setData that would store the bytes
   * already there (the confirm step of a read made linearizable through the write path) from its
   * own state, without a quorum round — so a deposed leader that still believes it leads confirms
   * stale reads.
   */
  private answerNoOpLocally(conn: ClientConnection, slot: RequestSlot): boolean {
    const req = slot.req;
    if (!this.bug('stale-read') || this.raft.role !== 'leader' || req.kind !== 'write' || req.write.op !== 'setData') return false;
    const node = this.tree.get(req.write.path);
    if (!node || req.write.version !== node.version || !node.data.equals(req.write.data)) return false;
    const w = replyHeader(req.xid, this.tree.lastZxid, 0);
    writeStat(w, this.tree.statOf(node));
    conn.complete(slot, w.frame());
    return true;
  }

  private encodeAsyncReply(req: ClientRequest, result: ApplyResult): Buffer {
    if (req.kind === 'sync') return replyHeader(req.xid, result.zxid, 0).ustring(req.path).frame();
    if (req.kind === 'multi') return this.encodeMulti(req, result.results, result.zxid);
    const r = result.results[0];
    const w = replyHeader(req.xid, result.zxid, r.err);
    if (r.err !== ErrorCode.ok || req.kind !== 'write') return w.frame();
    if (req.write.op === 'create') {
      w.ustring(r.path!);
      if (hasStatInCreateReply(req.type)) writeStat(w, r.stat!);
    } else if (req.write.op === 'setData') writeStat(w, r.stat!);
    return w.frame();
  }

  private encodeMulti(req: Extract<ClientRequest, { kind: 'multi' }>, results: ApplyResult['results'], zxid: bigint): Buffer {
    const w = replyHeader(req.xid, zxid, 0);
    const failed = results.some((r) => r.err !== ErrorCode.ok);
    results.forEach((r, i) => {
      const type = req.ops[i].type;
      if (failed) { w.int(OpCode.error).bool(false).int(r.err).int(r.err); return; }
      w.int(type).bool(false).int(0);
      if (type === OpCode.setData) writeStat(w, r.stat!);
      else if (req.ops[i].write.op === 'create') {
        w.ustring(r.path!);
        if (hasStatInCreateReply(type)) writeStat(w, r.stat!);
      }
    });
    return w.int(-1).bool(true).int(-1).frame();
  }

  evaluate(conn: ClientConnection, req: ClientRequest): Buffer {
    const zxid = this.tree.lastZxid;
    switch (req.kind) {
      case 'ping': case 'auth': return replyHeader(req.xid, zxid, 0).frame();
      case 'setWatches': this.restoreWatches(conn, req); return replyHeader(req.xid, zxid, 0).frame();
      case 'getACL': {
        const node = validPath(req.path) ? this.tree.get(req.path) : undefined;
        if (!node) return replyHeader(req.xid, zxid, validPath(req.path) ? ErrorCode.noNode : ErrorCode.badArguments).frame();
        const w = replyHeader(req.xid, zxid, 0);
        writeOpenAcl(w);
        writeStat(w, this.tree.statOf(node));
        return w.frame();
      }
      case 'read': return this.read(conn, req, zxid);
      default: return replyHeader(req.xid, zxid, ErrorCode.unimplemented).frame();
    }
  }

  private read(conn: ClientConnection, req: Extract<ClientRequest, { kind: 'read' }>, zxid: bigint): Buffer {
    if (!validPath(req.path)) return replyHeader(req.xid, zxid, ErrorCode.badArguments).frame();
    const node = this.tree.get(req.path);
    if (req.type === OpCode.exists && req.watch) this.watches.watchData(req.path, conn);
    if (!node) return replyHeader(req.xid, zxid, ErrorCode.noNode).frame();
    const w = replyHeader(req.xid, zxid, 0);
    switch (req.type) {
      case OpCode.exists: writeStat(w, this.tree.statOf(node)); break;
      case OpCode.getData:
        if (req.watch) this.watches.watchData(req.path, conn);
        w.buffer(node.data);
        writeStat(w, this.tree.statOf(node));
        break;
      default:
        if (req.watch) this.watches.watchChildren(req.path, conn);
        w.vector(this.tree.childrenOf(req.path)!, (ww, name) => ww.ustring(name));
        if (req.type === OpCode.getChildren2) writeStat(w, this.tree.statOf(node));
    }
    return w.frame();
  }

  /** Re-registers a reconnecting client's watches, firing at once those whose change it missed. */
  private restoreWatches(conn: ClientConnection, req: Extract<ClientRequest, { kind: 'setWatches' }>): void {
    const zxid = this.tree.lastZxid;
    const rel = req.relativeZxid;
    const { nodeCreated, nodeDeleted, nodeDataChanged, nodeChildrenChanged } = EventType;
    for (const path of req.data) {
      const node = this.tree.get(path);
      if (!node) conn.notify(nodeDeleted, path, zxid);
      else if (node.mzxid > rel) conn.notify(nodeDataChanged, path, zxid);
      else this.watches.watchData(path, conn);
    }
    for (const path of req.exist) {
      if (this.tree.get(path)) conn.notify(nodeCreated, path, zxid);
      else this.watches.watchData(path, conn);
    }
    for (const path of req.child) {
      const node = this.tree.get(path);
      if (!node) conn.notify(nodeDeleted, path, zxid);
      else if (node.pzxid > rel) conn.notify(nodeChildrenChanged, path, zxid);
      else this.watches.watchChildren(path, conn);
    }
  }

  fourLetterWord(word: string): string {
    return fourLetterWordText(word, this);
  }
}
