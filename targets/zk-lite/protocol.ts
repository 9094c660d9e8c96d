// ZooKeeper client-protocol facts (opcodes, error codes, special xids, create modes) and the
// request/response records zk-lite exchanges with clients, decoded from and encoded to jute.
import { JuteReader, JuteWriter } from './jute.ts';

export const OpCode = {
  notification: 0, create: 1, delete: 2, exists: 3, getData: 4, setData: 5, getACL: 6, setACL: 7,
  getChildren: 8, sync: 9, ping: 11, getChildren2: 12, check: 13, multi: 14, create2: 15,
  reconfig: 16, checkWatches: 17, removeWatches: 18, createContainer: 19, deleteContainer: 20,
  createTTL: 21, multiRead: 22, auth: 100, setWatches: 101, sasl: 102, getEphemerals: 103,
  getAllChildrenNumber: 104, setWatches2: 105, addWatch: 106, whoAmI: 107,
  createSession: -10, closeSession: -11, error: -1,
} as const;

export const ErrorCode = {
  ok: 0, systemError: -1, runtimeInconsistency: -2, connectionLoss: -4, marshallingError: -5,
  unimplemented: -6, operationTimeout: -7, badArguments: -8, noNode: -101, noAuth: -102,
  badVersion: -103, noChildrenForEphemerals: -108, nodeExists: -110, notEmpty: -111,
  sessionExpired: -112, invalidACL: -114, sessionMoved: -118,
} as const;

/** xids the server and client reserve for non-request traffic. */
export const Xid = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const;

export const EventType = { none: -1, nodeCreated: 1, nodeDeleted: 2, nodeDataChanged: 3, nodeChildrenChanged: 4 } as const;
export const KeeperState = { syncConnected: 3, expired: -112 } as const;

/** Create flags: bit 0 ephemeral, bit 1 sequential (4+ are container/TTL kinds, treated as persistent). */
export const CreateMode = { persistent: 0, ephemeral: 1, persistentSequential: 2, ephemeralSequential: 3 } as const;
export const isEphemeralMode = (flags: number): boolean => flags === 1 || flags === 3;
export const isSequentialMode = (flags: number): boolean => flags === 2 || flags === 3 || flags === 6;

export interface Stat {
  czxid: bigint; mzxid: bigint; ctime: bigint; mtime: bigint;
  version: number; cversion: number; aversion: number;
  ephemeralOwner: bigint; dataLength: number; numChildren: number; pzxid: bigint;
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime)
    .int(s.version).int(s.cversion).int(s.aversion)
    .long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid);
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.long(), mzxid: r.long(), ctime: r.long(), mtime: r.long(),
    version: r.int(), cversion: r.int(), aversion: r.int(),
    ephemeralOwner: r.long(), dataLength: r.int(), numChildren: r.int(), pzxid: r.long(),
  };
}

export interface ConnectRequest {
  protocolVersion: number; lastZxidSeen: bigint; timeOut: number; sessionId: bigint;
  passwd: Buffer; readOnly: boolean;
}

export function readConnectRequest(body: Buffer): ConnectRequest {
  const r = new JuteReader(body);
  const req = {
    protocolVersion: r.int(), lastZxidSeen: r.long(), timeOut: r.int(), sessionId: r.long(),
    passwd: r.buffer() ?? Buffer.alloc(0), readOnly: false,
  };
  if (r.remaining() > 0) req.readOnly = r.bool();
  return req;
}

export function writeConnectRequest(w: JuteWriter, c: ConnectRequest): JuteWriter {
  return w.int(c.protocolVersion).long(c.lastZxidSeen).int(c.timeOut).long(c.sessionId).buffer(c.passwd).bool(c.readOnly);
}

export interface ConnectResponse { protocolVersion: number; timeOut: number; sessionId: bigint; passwd: Buffer; readOnly: boolean }

export function writeConnectResponse(w: JuteWriter, c: ConnectResponse): JuteWriter {
  return w.int(c.protocolVersion).int(c.timeOut).long(c.sessionId).buffer(c.passwd).bool(c.readOnly);
}

export function readConnectResponse(body: Buffer): ConnectResponse {
  const r = new JuteReader(body);
  const res = { protocolVersion: r.int(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() ?? Buffer.alloc(0), readOnly: false };
  if (r.remaining() > 0) res.readOnly = r.bool();
  return res;
}

/** One write inside a multi, or a stand-alone write. */
export type WriteOp =
  | { op: 'create'; path: string; data: Buffer; flags: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Buffer; version: number }
  | { op: 'check'; path: string; version: number };

export type ClientRequest =
  | { kind: 'write'; xid: number; type: number; write: WriteOp }
  | { kind: 'multi'; xid: number; type: number; ops: { type: number; write: WriteOp }[] }
  | { kind: 'read'; xid: number; type: number; path: string; watch: boolean }
  | { kind: 'sync'; xid: number; type: number; path: string }
  | { kind: 'getACL'; xid: number; type: number; path: string }
  | { kind: 'ping'; xid: number; type: number }
  | { kind: 'close'; xid: number; type: number }
  | { kind: 'auth'; xid: number; type: number }
  | { kind: 'setWatches'; xid: number; type: number; relativeZxid: bigint; data: string[]; exist: string[]; child: string[] }
  | { kind: 'unimplemented'; xid: number; type: number };

function readCreate(r: JuteReader): WriteOp {
  const path = r.ustring() ?? '';
  const data = r.buffer() ?? Buffer.alloc(0);
  r.vector((rr) => ({ perms: rr.int(), scheme: rr.ustring(), id: rr.ustring() }));
  return { op: 'create', path, data, flags: r.int() };
}

/** Decodes the write record that follows a request header or a multi header of this opcode. */
export function readWriteOp(type: number, r: JuteReader): WriteOp | null {
  switch (type) {
    case OpCode.create: case OpCode.create2: case OpCode.createContainer: case OpCode.createTTL:
      return readCreate(r);
    case OpCode.delete: return { op: 'delete', path: r.ustring() ?? '', version: r.int() };
    case OpCode.setData: return { op: 'setData', path: r.ustring() ?? '', data: r.buffer() ?? Buffer.alloc(0), version: r.int() };
    case OpCode.check: return { op: 'check', path: r.ustring() ?? '', version: r.int() };
    default: return null;
  }
}

function readMultiOps(r: JuteReader): { type: number; write: WriteOp }[] | null {
  const ops: { type: number; write: WriteOp }[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int();
    if (done) return ops;
    const write = readWriteOp(type, r);
    if (write === null) return null;
    ops.push({ type, write });
  }
}

const readOps = new Set<number>([OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2]);

/** Decodes one request frame (header + body) from a connected client. */
export function readClientRequest(body: Buffer): ClientRequest {
  const r = new JuteReader(body);
  const xid = r.int();
  const type = r.int();
  if (readOps.has(type)) return { kind: 'read', xid, type, path: r.ustring() ?? '', watch: r.bool() };
  const write = readWriteOp(type, r);
  if (write !== null && write.op !== 'check') return { kind: 'write', xid, type, write };
  switch (type) {
    case OpCode.multi: {
      const ops = readMultiOps(r);
      return ops === null ? { kind: 'unimplemented', xid, type } : { kind: 'multi', xid, type, ops };
    }
    case OpCode.sync: return { kind: 'sync', xid, type, path: r.ustring() ?? '' };
    case OpCode.getACL: return { kind: 'getACL', xid, type, path: r.ustring() ?? '' };
    case OpCode.ping: return { kind: 'ping', xid, type };
    case OpCode.closeSession: return { kind: 'close', xid, type };
    case OpCode.auth: return { kind: 'auth', xid, type };
    case OpCode.setWatches: case OpCode.setWatches2: {
      const relativeZxid = r.long();
      const strings = () => r.vector((rr) => rr.ustring() ?? '') ?? [];
      return { kind: 'setWatches', xid, type, relativeZxid, data: strings(), exist: strings(), child: strings() };
    }
    default: return { kind: 'unimplemented', xid, type };
  }
}

/** Starts a reply frame: the reply header every response and notification begins with. */
export function replyHeader(xid: number, zxid: bigint, err: number): JuteWriter {
  return new JuteWriter().int(xid).long(zxid).int(err);
}

/** A watch notification frame (xid -1) for a connected client. */
export function notificationFrame(eventType: number, path: string, zxid: bigint): Buffer {
  return replyHeader(Xid.notification, zxid, 0).int(eventType).int(KeeperState.syncConnected).ustring(path).frame();
}

/** Open ACL (world:anyone, all permissions), the only ACL zk-lite reports. */
export function writeOpenAcl(w: JuteWriter): void {
  w.vector([0], (ww) => ww.int(31).ustring('world').ustring('anyone'));
}
