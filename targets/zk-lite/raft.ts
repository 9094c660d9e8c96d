// Consensus for zk-lite: Raft (pre-vote, randomized election timeouts derived from tickTime,
// log replication, commit on a quorum of durable copies, check-quorum step-down). The leader orders
// every write; followers learn the commit index from the leader and apply entries in order.
import type { ZkLiteConfig } from './config.ts';
import type { PeerMessage, PeerNet } from './peer-net.ts';
import { DiskFull, type RaftStorage } from './storage.ts';
import type { Command, Entry, Origin } from './tree.ts';
import { elapsedMs, leaseClock } from './clock.ts';

export type Role = 'follower' | 'candidate' | 'leader';

export interface RaftHooks {
  /** A committed entry, delivered exactly once per index, in order. */
  apply(entry: Entry): void;
  /** The state machine must be rebuilt from scratch (only after a bug let it apply uncommitted entries). */
  resetState(): void;
  roleChanged(role: Role, leaderId: number | null): void;
  /** The leader's own duties, run at the start of every leader tick, before the lease check may
   *  make it step down (the server's session expiry pass: see Server.expireSessions). */
  leaderTick?(): void;
  log(msg: string): void;
}

export interface RaftTiming { heartbeatMs: number; electionMinMs: number; electionMaxMs: number; rpcTimeoutMs: number }

export function timingFor(cfg: ZkLiteConfig): RaftTiming {
  const t = cfg.tickTime;
  return { heartbeatMs: Math.max(20, Math.round(t / 3)), electionMinMs: 2 * t, electionMaxMs: 4 * t, rpcTimeoutMs: 2 * t };
}

const MAX_BATCH = 256;

export class RaftNode {
  role: Role = 'follower';
  leaderId: number | null = null;
  commitIndex = 0;
  lastApplied = 0;
  private lastLeaderContact = 0;
  private electionDeadline = 0;
  private votes = new Set<number>();
  private preVotes = new Set<number>();
  private readonly nextIndex = new Map<number, number>();
  private readonly matchIndex = new Map<number, number>();
  private readonly inflightSince = new Map<number, number>();
  private readonly lastAck = new Map<number, number>();
  /** The clock of the leader's lease (when each follower last acknowledged): monotonic, or the wall clock with the wall-clock bug. */
  private readonly leaseNow: () => number;
  private readonly sentCommit = new Map<number, number>();
  private becameLeaderAt = 0;
  private lastDiskComplaint = -Infinity;
  private pending: Entry[] = [];
  private flushScheduled = false;
  private ticker: NodeJS.Timeout | undefined;
  private readonly others: number[];

  constructor(
    private readonly cfg: ZkLiteConfig,
    private readonly storage: RaftStorage,
    private readonly net: PeerNet,
    private readonly timing: RaftTiming,
    private readonly hooks: RaftHooks,
  ) {
    this.others = cfg.servers.map((s) => s.id).filter((id) => id !== cfg.myid);
    this.leaseNow = leaseClock(cfg.bugs);
  }

  get term(): number { return this.storage.hard.term; }
  private get quorum(): number { return Math.floor(this.cfg.servers.length / 2) + 1; }
  lastIndex(): number { return this.storage.lastIndex() + this.pending.length; }

  start(): void {
    this.resetElectionDeadline();
    this.ticker = setInterval(() => this.tick(), this.timing.heartbeatMs);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
  }

  /** True if this server currently knows a live leader (itself included). */
  hasLeader(): boolean {
    if (this.role === 'leader') return true;
    return this.leaderId !== null && elapsedMs() - this.lastLeaderContact < this.timing.electionMaxMs;
  }

  private resetElectionDeadline(): void {
    const { electionMinMs: lo, electionMaxMs: hi } = this.timing;
    this.electionDeadline = elapsedMs() + lo + Math.random() * (hi - lo);
  }

  private setLeader(role: Role, leaderId: number | null): void {
    const changed = role !== this.role || leaderId !== this.leaderId;
    this.role = role;
    this.leaderId = leaderId;
    if (changed) {
      this.hooks.log(`role ${role} term ${this.term} leader ${leaderId ?? 'none'}`);
      this.hooks.roleChanged(role, leaderId);
    }
  }

  private tick(): void {
    this.unlessDiskFull(() => this.tickOnce());
  }

  /** Runs `work`; a full disk on the way makes this server stand aside (see diskFull). */
  private unlessDiskFull(work: () => void): void {
    try {
      work();
    } catch (err) {
      if (!(err instanceof DiskFull)) throw err;
      this.diskFull(err);
    }
  }

  /**
   * A write to the data folder failed for want of room. This server can then promise nothing
   * durable: it stops leading (what it had not written was never acknowledged), votes for nobody
   * and acknowledges no append (it does not answer at all, so the leader retries) until a write
   * succeeds again — what ZooKeeper's followers do too; its leaders exit instead (docs/CLOCKS.md).
   */
  private diskFull(err: DiskFull): void {
    const now = elapsedMs();
    if (now - this.lastDiskComplaint > 1000) {
      this.hooks.log(`${err.message}: standing aside (no leading, voting or acknowledging) until there is room`);
      this.lastDiskComplaint = now;
    }
    this.pending = [];
    if (this.role !== 'follower') this.setLeader('follower', null);
    this.resetElectionDeadline();
  }

  private tickOnce(): void {
    const now = elapsedMs();
    if (this.role === 'leader') {
      this.hooks.leaderTick?.();
      this.replicateAll();
      if (this.role === 'leader' && !this.cfg.bugs.has('stale-read') && !this.hasQuorumContact(this.leaseNow())) {
        this.hooks.log('lost contact with a quorum: stepping down');
        this.becomeFollower(this.term, null);
      }
      return;
    }
    if (this.leaderId !== null && now - this.lastLeaderContact > this.timing.electionMaxMs) this.setLeader('follower', null);
    if (now >= this.electionDeadline) this.startPreVote();
  }

  private hasQuorumContact(now: number): boolean {
    if (now - this.becameLeaderAt < this.timing.electionMinMs) return true;
    const recent = this.others.filter((id) => now - (this.lastAck.get(id) ?? 0) < this.timing.electionMinMs).length;
    return recent + 1 >= this.quorum;
  }

  private becomeFollower(term: number, leaderId: number | null): void {
    if (term > this.term) this.storage.saveHardState({ term, votedFor: null });
    this.pending = [];
    this.setLeader('follower', leaderId);
    this.resetElectionDeadline();
  }

  private logUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.storage.termAt(this.storage.lastIndex());
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.storage.lastIndex());
  }

  private voteRequest(type: string, term: number): PeerMessage {
    const lastIndex = this.storage.lastIndex();
    return { type, from: this.cfg.myid, term, lastIndex, lastTerm: this.storage.termAt(lastIndex) };
  }

  /** Pre-vote: ask whether an election could win before disturbing the cluster with a new term. */
  private startPreVote(): void {
    this.resetElectionDeadline();
    this.preVotes = new Set([this.cfg.myid]);
    if (this.preVotes.size >= this.quorum) { this.startElection(); return; }
    for (const id of this.others) this.net.send(id, this.voteRequest('preVote', this.term + 1));
  }

  private startElection(): void {
    const term = this.term + 1;
    this.storage.saveHardState({ term, votedFor: this.cfg.myid });
    this.votes = new Set([this.cfg.myid]);
    this.setLeader('candidate', null);
    this.resetElectionDeadline();
    if (this.votes.size >= this.quorum) { this.becomeLeader(); return; }
    for (const id of this.others) this.net.send(id, this.voteRequest('vote', term));
  }

  private becomeLeader(): void {
    this.becameLeaderAt = this.leaseNow();
    for (const id of this.others) {
      this.nextIndex.set(id, this.storage.lastIndex() + 1);
      this.matchIndex.set(id, 0);
      this.inflightSince.delete(id);
    }
    this.setLeader('leader', this.cfg.myid);
    this.propose({ t: 'noop' });
  }

  /** Appends a command to the log if this server leads; false otherwise. */
  propose(cmd: Command, origin?: Origin): boolean {
    if (this.role !== 'leader') return false;
    const entry: Entry = { term: this.term, index: this.lastIndex() + 1, time: Date.now(), cmd };
    if (origin) entry.origin = origin;
    this.pending.push(entry);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
    return true;
  }

  /** Makes the batch of new proposals durable with one fsync, then replicates it. */
  private flushPending(): void {
    this.flushScheduled = false;
    if (this.role !== 'leader' || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.storage.append(batch);
    } catch (err) {
      if (!(err instanceof DiskFull)) throw err;
      return this.diskFull(err);
    }
    if (this.cfg.bugs.has('early-ack')) this.setCommitIndex(this.storage.lastIndex());
    else this.advanceCommit();
    this.replicateAll();
  }

  private replicateAll(): void {
    for (const id of this.others) this.replicateTo(id);
  }

  private replicateTo(id: number): void {
    const now = elapsedMs();
    const since = this.inflightSince.get(id);
    if (since !== undefined) {
      if (now - since < this.timing.rpcTimeoutMs) return;
      this.net.reset(id);
      this.inflightSince.delete(id);
    }
    const next = this.nextIndex.get(id) ?? this.storage.lastIndex() + 1;
    const prevIndex = next - 1;
    const entries = this.storage.entries.slice(prevIndex, prevIndex + MAX_BATCH);
    const msg = { type: 'append', from: this.cfg.myid, term: this.term, prevIndex, prevTerm: this.storage.termAt(prevIndex), entries, leaderCommit: this.commitIndex };
    if (this.net.send(id, msg)) {
      this.inflightSince.set(id, now);
      this.sentCommit.set(id, this.commitIndex);
    }
  }

  private advanceCommit(): void {
    const matches = [this.storage.lastIndex(), ...this.others.map((id) => this.matchIndex.get(id) ?? 0)].sort((a, b) => b - a);
    const candidate = matches[this.quorum - 1];
    if (candidate > this.commitIndex && this.storage.termAt(candidate) === this.term) this.setCommitIndex(candidate);
  }

  private setCommitIndex(index: number): void {
    if (index <= this.commitIndex) return;
    this.commitIndex = Math.min(index, this.storage.lastIndex());
    while (this.lastApplied < this.commitIndex) {
      this.lastApplied++;
      this.hooks.apply(this.storage.entryAt(this.lastApplied)!);
    }
  }

  /** Handles consensus messages; returns false for messages meant for another layer. */
  handle(msg: PeerMessage, reply: (m: PeerMessage) => void): boolean {
    let mine = true;
    this.unlessDiskFull(() => (mine = this.dispatch(msg, reply)));
    return mine;
  }

  private dispatch(msg: PeerMessage, reply: (m: PeerMessage) => void): boolean {
    switch (msg.type) {
      case 'preVote': reply(this.onPreVote(msg)); return true;
      case 'vote': reply(this.onVote(msg)); return true;
      case 'preVoteReply': this.onPreVoteReply(msg); return true;
      case 'voteReply': this.onVoteReply(msg); return true;
      case 'append': reply(this.onAppend(msg)); return true;
      case 'appendReply': this.onAppendReply(msg); return true;
      default: return false;
    }
  }

  private heardFromLeaderRecently(): boolean {
    if (this.role === 'leader') return true;
    return this.leaderId !== null && elapsedMs() - this.lastLeaderContact < this.timing.electionMinMs;
  }

  private onPreVote(msg: PeerMessage): PeerMessage {
    const term = msg.term as number;
    const granted = term > this.term && !this.heardFromLeaderRecently() && this.logUpToDate(msg.lastIndex as number, msg.lastTerm as number);
    return { type: 'preVoteReply', from: this.cfg.myid, term: msg.term as number, granted };
  }

  private onPreVoteReply(msg: PeerMessage): void {
    if (this.role === 'leader' || !msg.granted || (msg.term as number) !== this.term + 1) return;
    this.preVotes.add(msg.from);
    if (this.preVotes.size >= this.quorum) { this.preVotes.clear(); this.startElection(); }
  }

  private onVote(msg: PeerMessage): PeerMessage {
    const term = msg.term as number;
    const answer = (granted: boolean) => ({ type: 'voteReply', from: this.cfg.myid, term: this.term, granted });
    if (term < this.term || (term > this.term && this.heardFromLeaderRecently())) return answer(false);
    if (term > this.term) this.becomeFollower(term, null);
    const votedFor = this.storage.hard.votedFor;
    if ((votedFor === null || votedFor === msg.from) && this.logUpToDate(msg.lastIndex as number, msg.lastTerm as number)) {
      this.storage.saveHardState({ term: this.term, votedFor: msg.from });
      this.resetElectionDeadline();
      return answer(true);
    }
    return answer(false);
  }

  private onVoteReply(msg: PeerMessage): void {
    const term = msg.term as number;
    if (term > this.term) { this.becomeFollower(term, null); return; }
    if (this.role !== 'candidate' || term !== this.term || !msg.granted) return;
    this.votes.add(msg.from);
    if (this.votes.size >= this.quorum) this.becomeLeader();
  }

  private onAppend(msg: PeerMessage): PeerMessage {
    const term = msg.term as number;
    const fail = (conflictIndex: number) => ({ type: 'appendReply', from: this.cfg.myid, term: this.term, success: false, matchIndex: 0, conflictIndex });
    if (term < this.term) return fail(0);
    this.lastLeaderContact = elapsedMs();
    if (term > this.term || this.role !== 'follower' || this.leaderId !== msg.from) this.becomeFollower(term, msg.from);
    this.resetElectionDeadline();
    const prevIndex = msg.prevIndex as number;
    if (prevIndex > this.storage.lastIndex()) return fail(this.storage.lastIndex() + 1);
    if (this.storage.termAt(prevIndex) !== (msg.prevTerm as number)) return fail(this.firstIndexOfTermAt(prevIndex));
    const entries = msg.entries as Entry[];
    this.appendFromLeader(entries);
    const lastNew = prevIndex + entries.length;
    this.setCommitIndex(Math.min(msg.leaderCommit as number, lastNew));
    return { type: 'appendReply', from: this.cfg.myid, term: this.term, success: true, matchIndex: lastNew, conflictIndex: 0 };
  }

  private firstIndexOfTermAt(index: number): number {
    const t = this.storage.termAt(index);
    let i = index;
    while (i > 1 && this.storage.termAt(i - 1) === t) i--;
    return Math.max(1, Math.min(i, this.commitIndex + 1));
  }

  private appendFromLeader(entries: Entry[]): void {
    const fresh: Entry[] = [];
    for (const e of entries) {
      if (fresh.length === 0) {
        const mine = this.storage.termAt(e.index);
        if (e.index <= this.storage.lastIndex() && mine === e.term) continue;
        if (e.index <= this.storage.lastIndex()) this.truncateFrom(e.index);
      }
      fresh.push(e);
    }
    this.storage.append(fresh);
  }

  private truncateFrom(index: number): void {
    this.hooks.log(`truncating log from index ${index}`);
    this.storage.truncateFrom(index);
    if (index <= this.lastApplied) {
      this.hooks.log(`applied entries were truncated (a bug acknowledged uncommitted writes): rebuilding state`);
      this.commitIndex = 0;
      this.lastApplied = 0;
      this.hooks.resetState();
    }
  }

  private onAppendReply(msg: PeerMessage): void {
    const term = msg.term as number;
    if (term > this.term) { this.becomeFollower(term, null); return; }
    if (this.role !== 'leader' || term !== this.term) return;
    const id = msg.from;
    this.inflightSince.delete(id);
    this.lastAck.set(id, this.leaseNow());
    const commitBefore = this.commitIndex;
    if (msg.success) {
      const match = msg.matchIndex as number;
      this.matchIndex.set(id, Math.max(this.matchIndex.get(id) ?? 0, match));
      this.nextIndex.set(id, match + 1);
      if (!this.cfg.bugs.has('early-ack')) this.advanceCommit();
    } else if ((msg.conflictIndex as number) > 0) {
      this.nextIndex.set(id, msg.conflictIndex as number);
    }
    if (this.commitIndex > commitBefore) { this.replicateAll(); return; }
    const behind = (this.nextIndex.get(id) ?? 0) <= this.storage.lastIndex() || (this.sentCommit.get(id) ?? 0) < this.commitIndex;
    if (behind) this.replicateTo(id);
  }
}
