// The replicated state machine: ZooKeeper's data tree plus its session table. Every server applies
// the same committed log entries in the same order, so everything here is deterministic: the
// leader stamps each entry with its time, and validation (NoNode, BadVersion, ...) happens at apply
// time, so a failed write fails identically on every replica.
import { ErrorCode, EventType, isEphemeralMode, isSequentialMode, type Stat } from './protocol.ts';

/** A write as it travels in the log (data base64 so entries are plain JSON). */
export type LoggedOp =
  | { op: 'create'; path: string; data: string; flags: number; assignedPath?: string }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: string; version: number }
  | { op: 'check'; path: string; version: number };

export type Command =
  | { t: 'noop' }
  | { t: 'createSession'; sid: string; timeout: number; passwd: string }
  | { t: 'closeSession'; sid: string; expired: boolean }
  | { t: 'write'; sid: string; ops: LoggedOp[]; multi: boolean }
  | { t: 'sync' };

/** Who asked for an entry, so the server holding that client's connection can answer it. */
export interface Origin { server: number; boot: string; sid: string; xid: number }

export interface Entry { term: number; index: number; time: number; cmd: Command; origin?: Origin }

export interface OpResult { err: number; path?: string; stat?: Stat }
export interface WatchEvent { type: number; path: string }
export interface ApplyResult { zxid: bigint; results: OpResult[]; events: WatchEvent[]; closedSession?: string }

export interface ZNode {
  data: Buffer; children: Set<string>;
  czxid: bigint; mzxid: bigint; pzxid: bigint; ctime: number; mtime: number;
  version: number; cversion: number; ephemeralOwner: bigint;
}

export interface SessionInfo { timeout: number; passwd: string; ephemerals: Set<string> }

export const zxidOf = (term: number, index: number): bigint => (BigInt(term) << 32n) | BigInt(index);

/** Checks a client path the way ZooKeeper does: absolute, no empty, '.' or '..' components. */
export function validPath(path: string): boolean {
  if (typeof path !== 'string' || !path.startsWith('/')) return false;
  if (path === '/') return true;
  if (path.endsWith('/') || path.includes('\0')) return false;
  return path.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

export const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

class OpFailure extends Error {
  constructor(readonly code: number) { super(`zk error ${code}`); }
}

export class DataTree {
  readonly nodes = new Map<string, ZNode>();
  readonly sessions = new Map<string, SessionInfo>();
  lastZxid = 0n;
  lastApplied = 0;
  private undo: (() => void)[] = [];
  private events: WatchEvent[] = [];

  constructor(private readonly bugs: ReadonlySet<string> = new Set()) {
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      this.nodes.set(path, this.blankNode(0n, 0, 0n));
      if (path !== '/') this.nodes.get(parentOf(path))!.children.add(baseName(path));
    }
  }

  private blankNode(zxid: bigint, time: number, owner: bigint): ZNode {
    return { data: Buffer.alloc(0), children: new Set(), czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, ephemeralOwner: owner };
  }

  statOf(node: ZNode): Stat {
    return {
      czxid: node.czxid, mzxid: node.mzxid, ctime: BigInt(node.ctime), mtime: BigInt(node.mtime),
      version: node.version, cversion: node.cversion, aversion: 0, ephemeralOwner: node.ephemeralOwner,
      dataLength: node.data.length, numChildren: node.children.size, pzxid: node.pzxid,
    };
  }

  get(path: string): ZNode | undefined {
    return this.nodes.get(path);
  }

  /** Applies one committed entry; entries must arrive in index order. */
  apply(entry: Entry): ApplyResult {
    const zxid = zxidOf(entry.term, entry.index);
    this.lastZxid = zxid;
    this.lastApplied = entry.index;
    this.events = [];
    const cmd = entry.cmd;
    switch (cmd.t) {
      case 'createSession':
        this.sessions.set(cmd.sid, { timeout: cmd.timeout, passwd: cmd.passwd, ephemerals: new Set() });
        return { zxid, results: [{ err: 0 }], events: [] };
      case 'closeSession':
        this.closeSession(cmd.sid, cmd.expired, zxid);
        return { zxid, results: [{ err: 0 }], events: this.events, closedSession: cmd.sid };
      case 'write':
        return { zxid, results: this.applyWrite(cmd, zxid, entry.time), events: this.events };
      default:
        return { zxid, results: [{ err: 0 }], events: [] };
    }
  }

  private closeSession(sid: string, expired: boolean, zxid: bigint): void {
    const session = this.sessions.get(sid);
    if (!session) return;
    this.sessions.delete(sid);
    if (expired && this.bugs.has('ephemeral-leak')) return;
    const paths = [...session.ephemerals].sort().reverse();
    for (const path of paths) {
      if (this.nodes.get(path)?.children.size === 0) this.deleteNode(path, zxid);
    }
  }

  /** Runs a write or a multi atomically: on the first failure every change is undone. */
  private applyWrite(cmd: Extract<Command, { t: 'write' }>, zxid: bigint, time: number): OpResult[] {
    this.undo = [];
    const results: OpResult[] = [];
    if (!this.sessions.has(cmd.sid)) return cmd.ops.map(() => ({ err: ErrorCode.sessionExpired }));
    for (let i = 0; i < cmd.ops.length; i++) {
      try {
        results.push(this.applyOp(cmd.ops[i], cmd.sid, zxid, time));
      } catch (e) {
        if (!(e instanceof OpFailure)) throw e;
        for (const u of this.undo.reverse()) u();
        this.undo = [];
        this.events = [];
        return cmd.ops.map((_, j) => ({ err: j < i ? 0 : j === i ? e.code : ErrorCode.runtimeInconsistency }));
      }
    }
    this.undo = [];
    return results;
  }

  private applyOp(op: LoggedOp, sid: string, zxid: bigint, time: number): OpResult {
    if (!validPath(op.path)) throw new OpFailure(ErrorCode.badArguments);
    switch (op.op) {
      case 'create': return this.create(op, sid, zxid, time);
      case 'delete': return this.delete(op.path, op.version, zxid);
      case 'setData': return this.setData(op.path, Buffer.from(op.data, 'base64'), op.version, zxid, time);
      case 'check': return this.check(op.path, op.version);
    }
  }

  private nodeOrFail(path: string): ZNode {
    const node = this.nodes.get(path);
    if (!node) throw new OpFailure(ErrorCode.noNode);
    return node;
  }

  private create(op: Extract<LoggedOp, { op: 'create' }>, sid: string, zxid: bigint, time: number): OpResult {
    if (op.path === '/') throw new OpFailure(ErrorCode.nodeExists);
    const parentPath = parentOf(op.path);
    const parent = this.nodeOrFail(parentPath);
    if (parent.ephemeralOwner !== 0n) throw new OpFailure(ErrorCode.noChildrenForEphemerals);
    const sequential = isSequentialMode(op.flags);
    const path = op.assignedPath ?? (sequential ? op.path + String(parent.cversion).padStart(10, '0') : op.path);
    if (this.nodes.has(path)) throw new OpFailure(ErrorCode.nodeExists);
    const owner = isEphemeralMode(op.flags) ? BigInt(sid) : 0n;
    const node = this.blankNode(zxid, time, owner);
    node.data = Buffer.from(op.data, 'base64');
    this.linkChild(parentPath, parent, path, node, zxid);
    if (owner !== 0n) {
      const eph = this.sessions.get(sid)!.ephemerals;
      eph.add(path);
      this.undo.push(() => eph.delete(path));
    }
    this.events.push({ type: EventType.nodeCreated, path }, { type: EventType.nodeChildrenChanged, path: parentPath });
    return { err: 0, path, stat: this.statOf(node) };
  }

  private linkChild(parentPath: string, parent: ZNode, path: string, node: ZNode, zxid: bigint): void {
    const saved = { cversion: parent.cversion, pzxid: parent.pzxid };
    this.nodes.set(path, node);
    parent.children.add(baseName(path));
    parent.cversion++;
    parent.pzxid = zxid;
    this.undo.push(() => {
      this.nodes.delete(path);
      parent.children.delete(baseName(path));
      Object.assign(parent, saved);
    });
  }

  private delete(path: string, version: number, zxid: bigint): OpResult {
    if (path === '/') throw new OpFailure(ErrorCode.badArguments);
    const node = this.nodeOrFail(path);
    if (version !== -1 && node.version !== version) throw new OpFailure(ErrorCode.badVersion);
    if (node.children.size > 0) throw new OpFailure(ErrorCode.notEmpty);
    this.deleteNode(path, zxid);
    return { err: 0 };
  }

  private deleteNode(path: string, zxid: bigint): void {
    const node = this.nodes.get(path)!;
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath)!;
    const saved = { cversion: parent.cversion, pzxid: parent.pzxid };
    this.nodes.delete(path);
    parent.children.delete(baseName(path));
    parent.cversion++;
    parent.pzxid = zxid;
    const owner = node.ephemeralOwner === 0n ? undefined : this.sessions.get(String(node.ephemeralOwner));
    owner?.ephemerals.delete(path);
    this.undo.push(() => {
      this.nodes.set(path, node);
      parent.children.add(baseName(path));
      Object.assign(parent, saved);
      owner?.ephemerals.add(path);
    });
    this.events.push({ type: EventType.nodeDeleted, path }, { type: EventType.nodeChildrenChanged, path: parentPath });
  }

  private setData(path: string, data: Buffer, version: number, zxid: bigint, time: number): OpResult {
    const node = this.nodeOrFail(path);
    if (version !== -1 && node.version !== version) throw new OpFailure(ErrorCode.badVersion);
    const saved = { data: node.data, version: node.version, mzxid: node.mzxid, mtime: node.mtime };
    node.data = data;
    node.version++;
    node.mzxid = zxid;
    node.mtime = time;
    this.undo.push(() => Object.assign(node, saved));
    this.events.push({ type: EventType.nodeDataChanged, path });
    return { err: 0, stat: this.statOf(node) };
  }

  private check(path: string, version: number): OpResult {
    const node = this.nodeOrFail(path);
    if (version !== -1 && node.version !== version) throw new OpFailure(ErrorCode.badVersion);
    return { err: 0 };
  }

  /** Sorted child names, as ZooKeeper clients commonly expect (ZooKeeper itself makes no promise). */
  childrenOf(path: string): string[] | undefined {
    const node = this.nodes.get(path);
    return node ? [...node.children].sort() : undefined;
  }
}
