// Unit tests for zk-lite's replicated state machine and config parsing: ZooKeeper's data-tree
// semantics (versions, sequential names, ephemerals, atomic multi, Stat bookkeeping) and the bugs
// that live in it.
import assert from 'node:assert/strict';
import { parseConfig } from '../targets/zk-lite/config.ts';
import { ErrorCode, EventType } from '../targets/zk-lite/protocol.ts';
import { DataTree, validPath, zxidOf, type Command, type LoggedOp } from '../targets/zk-lite/tree.ts';

class Applier {
  index = 0;
  constructor(readonly tree: DataTree, readonly term = 1) {}
  run(cmd: Command) { return this.tree.apply({ term: this.term, index: ++this.index, time: 1000 + this.index, cmd }); }
  session(sid: string) { return this.run({ t: 'createSession', sid, timeout: 4000, passwd: '' }); }
  write(sid: string, ...ops: LoggedOp[]) { return this.run({ t: 'write', sid, ops, multi: ops.length > 1 }); }
}
const create = (path: string, flags = 0, data = ''): LoggedOp => ({ op: 'create', path, data: Buffer.from(data).toString('base64'), flags });

describe('zk-lite data tree', () => {
  it('creates, versions and deletes nodes with ZooKeeper error codes', () => {
    const a = new Applier(new DataTree());
    a.session('1');
    assert.equal(a.write('1', create('/a', 0, 'x')).results[0].err, 0);
    assert.equal(a.write('1', create('/a')).results[0].err, ErrorCode.nodeExists);
    assert.equal(a.write('1', create('/missing/b')).results[0].err, ErrorCode.noNode);
    assert.equal(a.write('1', { op: 'setData', path: '/a', data: '', version: 5 }).results[0].err, ErrorCode.badVersion);
    const set = a.write('1', { op: 'setData', path: '/a', data: Buffer.from('yz').toString('base64'), version: 0 });
    assert.equal(set.results[0].stat?.version, 1);
    assert.equal(set.results[0].stat?.dataLength, 2);
    assert.equal(set.results[0].stat?.mzxid, zxidOf(1, a.index));
    a.write('1', create('/a/c'));
    assert.equal(a.write('1', { op: 'delete', path: '/a', version: -1 }).results[0].err, ErrorCode.notEmpty);
    assert.equal(a.write('1', { op: 'delete', path: '/a/c', version: 3 }).results[0].err, ErrorCode.badVersion);
    assert.equal(a.write('1', { op: 'delete', path: '/a/c', version: 0 }).results[0].err, 0);
    const parent = a.tree.get('/a')!;
    assert.equal(parent.cversion, 2, 'a child create and a child delete');
    assert.equal(parent.pzxid, zxidOf(1, a.index));
    assert.equal(a.write('1', create('bad')).results[0].err, ErrorCode.badArguments);
    assert.equal(a.write('2', create('/b')).results[0].err, ErrorCode.sessionExpired, 'unknown session');
  });

  it('names sequential children with a 10-digit counter from the parent cversion', () => {
    const a = new Applier(new DataTree());
    a.session('1');
    a.write('1', create('/q'));
    const names = [0, 1, 2].map(() => a.write('1', create('/q/n-', 2)).results[0].path);
    assert.deepEqual(names, ['/q/n-0000000000', '/q/n-0000000001', '/q/n-0000000002']);
    a.write('1', { op: 'delete', path: '/q/n-0000000002', version: -1 });
    assert.equal(a.write('1', create('/q/n-', 2)).results[0].path, '/q/n-0000000004', 'never reused after a delete');
  });

  it('removes a session\'s ephemerals when it closes, and rejects children of ephemerals', () => {
    const a = new Applier(new DataTree());
    a.session('7');
    const made = a.write('7', create('/e', 1));
    assert.equal(made.results[0].stat?.ephemeralOwner, 7n);
    assert.equal(a.write('7', create('/e/child')).results[0].err, ErrorCode.noChildrenForEphemerals);
    const closed = a.run({ t: 'closeSession', sid: '7', expired: true });
    assert.equal(a.tree.get('/e'), undefined);
    assert.ok(closed.events.some((e) => e.type === EventType.nodeDeleted && e.path === '/e'));
    assert.equal(a.tree.sessions.has('7'), false);
  });

  it('keeps ephemerals of an expired session with the ephemeral-leak bug, but not of a closed one', () => {
    const a = new Applier(new DataTree(new Set(['ephemeral-leak'])));
    a.session('7');
    a.session('8');
    a.write('7', create('/e7', 1));
    a.write('8', create('/e8', 1));
    a.run({ t: 'closeSession', sid: '7', expired: true });
    a.run({ t: 'closeSession', sid: '8', expired: false });
    assert.ok(a.tree.get('/e7'), 'leaked on expiry');
    assert.equal(a.tree.get('/e8'), undefined);
  });

  it('applies a multi atomically: one failing op undoes the others', () => {
    const a = new Applier(new DataTree());
    a.session('1');
    a.write('1', create('/m', 0, 'v0'));
    const before = a.tree.get('/m')!;
    const failed = a.write('1', create('/m/x'), { op: 'setData', path: '/m', data: '', version: -1 }, { op: 'check', path: '/m', version: 9 }, create('/m/y'));
    assert.deepEqual(failed.results.map((r) => r.err), [0, 0, ErrorCode.badVersion, ErrorCode.runtimeInconsistency]);
    assert.deepEqual(failed.events, []);
    assert.equal(a.tree.get('/m/x'), undefined);
    assert.equal(a.tree.get('/m')!.version, 0);
    assert.equal(a.tree.get('/m')!.data.toString(), 'v0');
    assert.equal(a.tree.get('/m')!.cversion, 0);
    assert.equal(before, a.tree.get('/m'));
    const ok = a.write('1', create('/m/x'), { op: 'check', path: '/m', version: 0 }, { op: 'delete', path: '/m/x', version: 0 });
    assert.deepEqual(ok.results.map((r) => r.err), [0, 0, 0]);
    assert.equal(a.tree.get('/m')!.cversion, 2);
  });

  it('validates paths as ZooKeeper does', () => {
    for (const p of ['/', '/a', '/a/b-0']) assert.ok(validPath(p), p);
    for (const p of ['', 'a', '/a/', '//a', '/a/./b', '/a/..']) assert.ok(!validPath(p), p);
  });
});

describe('zk-lite config', () => {
  it('reads zoo.cfg keys, server lines, myid and zk-lite bugs', () => {
    const cfg = parseConfig([
      'tickTime=500', 'initLimit=10', 'syncLimit=5', 'dataDir=/tmp/fl-x', 'clientPort=2181',
      'clientPortAddress=10.77.0.2', '4lw.commands.whitelist=*', 'server.1=10.77.0.2:2888:3888',
      'server.2=10.77.0.3:2888:3888:participant;2181', 'server.3=10.77.0.4:2888:3888', 'bug=stale-read,no-fsync',
    ].join('\n'), '2\n');
    assert.equal(cfg.myid, 2);
    assert.equal(cfg.tickTime, 500);
    assert.equal(cfg.minSessionTimeout, 1000);
    assert.equal(cfg.maxSessionTimeout, 10000);
    assert.deepEqual(cfg.servers[1], { id: 2, host: '10.77.0.3', peerPort: 2888, electionPort: 3888 });
    assert.deepEqual([...cfg.bugs].sort(), ['no-fsync', 'stale-read']);
  });

  it('rejects unknown bugs and a myid without a server line', () => {
    const base = 'dataDir=/tmp/fl-x\nclientPort=2181\nserver.1=127.0.0.1:1:2\n';
    assert.throws(() => parseConfig(base + 'bug=nonsense', '1'), /unknown bug/);
    assert.throws(() => parseConfig(base, '4'), /myid 4/);
  });
});
