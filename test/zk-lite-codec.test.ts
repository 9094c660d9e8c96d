// Unit tests for zk-lite's jute codec and request decoding: what a ZooKeeper client puts on the
// wire must decode to the same fields, and what zk-lite writes must decode back unchanged.
import assert from 'node:assert/strict';
import { FrameSplitter, JuteDecodeError, JuteReader, JuteWriter } from '../targets/zk-lite/jute.ts';
import {
  OpCode, readClientRequest, readConnectRequest, readConnectResponse, readStat, writeConnectRequest,
  writeConnectResponse, writeStat, type Stat,
} from '../targets/zk-lite/protocol.ts';

describe('zk-lite jute codec', () => {
  it('round-trips ints, longs, bools, buffers, strings and vectors', () => {
    const w = new JuteWriter().int(-7).int(2 ** 31 - 1).long(-(1n << 63n)).long(0x1_0000_0003n).bool(true).bool(false)
      .buffer(null).buffer(Buffer.from([1, 2, 3])).ustring('zné').ustring(null).vector(['a', 'bc'], (ww, s) => ww.ustring(s)).vector(null, () => {});
    const r = new JuteReader(w.bytes());
    assert.equal(r.int(), -7);
    assert.equal(r.int(), 2 ** 31 - 1);
    assert.equal(r.long(), -(1n << 63n));
    assert.equal(r.long(), 0x1_0000_0003n);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.buffer(), null);
    assert.deepEqual(r.buffer(), Buffer.from([1, 2, 3]));
    assert.equal(r.ustring(), 'zné');
    assert.equal(r.ustring(), null);
    assert.deepEqual(r.vector((rr) => rr.ustring()), ['a', 'bc']);
    assert.equal(r.vector((rr) => rr.int()), null);
    assert.equal(r.remaining(), 0);
  });

  it('encodes big-endian with 4-byte length prefixes, as ZooKeeper does', () => {
    const bytes = new JuteWriter().int(1).ustring('/a').frame();
    assert.deepEqual([...bytes], [0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0x2f, 0x61]);
  });

  it('reports a truncated record instead of reading past its end', () => {
    const r = new JuteReader(new JuteWriter().int(10).bytes());
    assert.throws(() => r.ustring(), JuteDecodeError);
  });

  it('splits a byte stream into frames whatever the chunking', () => {
    const stream = Buffer.concat([new JuteWriter().int(1).frame(), new JuteWriter().ustring('hello').frame(), new JuteWriter().frame()]);
    for (const size of [1, 3, 5, stream.length]) {
      const splitter = new FrameSplitter();
      const frames: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) frames.push(...splitter.push(stream.subarray(i, i + size)));
      assert.equal(frames.length, 3, `chunk size ${size}`);
      assert.equal(new JuteReader(frames[0]).int(), 1);
      assert.equal(new JuteReader(frames[1]).ustring(), 'hello');
      assert.equal(frames[2].length, 0);
    }
    assert.throws(() => new FrameSplitter(16).push(new JuteWriter().int(17).bytes()), JuteDecodeError);
  });

  it('round-trips the connect handshake, with and without the readOnly byte', () => {
    const req = { protocolVersion: 0, lastZxidSeen: 0x2_0000_0010n, timeOut: 30000, sessionId: 0x0100_0000_0000_0042n, passwd: Buffer.alloc(16, 7), readOnly: true };
    assert.deepEqual(readConnectRequest(writeConnectRequest(new JuteWriter(), req).bytes()), req);
    const legacy = new JuteWriter().int(0).long(5n).int(4000).long(0n).buffer(Buffer.alloc(16)).bytes();
    assert.equal(readConnectRequest(legacy).readOnly, false);
    const res = { protocolVersion: 0, timeOut: 4000, sessionId: -5n, passwd: Buffer.alloc(16, 1), readOnly: false };
    const body = writeConnectResponse(new JuteWriter(), res).bytes();
    assert.equal(body.length, 4 + 4 + 8 + 4 + 16 + 1, 'the C client reads a fixed 37-byte handshake body');
    assert.deepEqual(readConnectResponse(body), res);
  });

  it('round-trips a Stat with all eleven fields', () => {
    const stat: Stat = { czxid: 1n, mzxid: 2n, ctime: 1700000000000n, mtime: 1700000000001n, version: 3, cversion: 4, aversion: 0, ephemeralOwner: -9n, dataLength: 5, numChildren: 6, pzxid: 7n };
    const w = new JuteWriter();
    writeStat(w, stat);
    assert.equal(w.bytes().length, 68);
    assert.deepEqual(readStat(new JuteReader(w.bytes())), stat);
  });

  it('decodes create, read, setData and setWatches requests', () => {
    const acl = (w: JuteWriter) => w.vector([0], (ww) => ww.int(31).ustring('world').ustring('anyone'));
    const create = acl(new JuteWriter().int(5).int(OpCode.create).ustring('/q/n-').buffer(Buffer.from('v'))).int(3).bytes();
    assert.deepEqual(readClientRequest(create), { kind: 'write', xid: 5, type: OpCode.create, write: { op: 'create', path: '/q/n-', data: Buffer.from('v'), flags: 3 } });
    const get = new JuteWriter().int(6).int(OpCode.getData).ustring('/a').bool(true).bytes();
    assert.deepEqual(readClientRequest(get), { kind: 'read', xid: 6, type: OpCode.getData, path: '/a', watch: true });
    const set = new JuteWriter().int(7).int(OpCode.setData).ustring('/a').buffer(null).int(-1).bytes();
    assert.deepEqual(readClientRequest(set), { kind: 'write', xid: 7, type: OpCode.setData, write: { op: 'setData', path: '/a', data: Buffer.alloc(0), version: -1 } });
    const strings = (w: JuteWriter, xs: string[]) => w.vector(xs, (ww, s) => ww.ustring(s));
    const sw = strings(strings(strings(new JuteWriter().int(-8).int(OpCode.setWatches).long(9n), ['/d']), []), ['/c']).bytes();
    assert.deepEqual(readClientRequest(sw), { kind: 'setWatches', xid: -8, type: OpCode.setWatches, relativeZxid: 9n, data: ['/d'], exist: [], child: ['/c'] });
    assert.equal(readClientRequest(new JuteWriter().int(1).int(999).bytes()).kind, 'unimplemented');
  });

  it('decodes a multi into its ops, stopping at the done header', () => {
    const w = new JuteWriter().int(9).int(OpCode.multi);
    w.int(OpCode.check).bool(false).int(-1).ustring('/a').int(2);
    w.int(OpCode.delete).bool(false).int(-1).ustring('/b').int(-1);
    w.int(-1).bool(true).int(-1);
    const req = readClientRequest(w.bytes());
    assert.equal(req.kind, 'multi');
    assert.deepEqual(req.kind === 'multi' && req.ops.map((o) => o.write), [
      { op: 'check', path: '/a', version: 2 }, { op: 'delete', path: '/b', version: -1 },
    ]);
  });
});
