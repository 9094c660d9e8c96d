// The uwsgi packet parser of uwsgi-lite: what it encodes it reads back (any vars, any split of the
// bytes into chunks), the header's size field is the exact block length, a block over buffer-size is
// refused as soon as the header is in, and malformed blocks are errors rather than garbage vars.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodePacket, encodeVars, HEADER_BYTES, MAX_BLOCK, PacketReader, parseHeader, parseVars, UwsgiPacketError, varsRecord,
} from '../targets/uwsgi-lite/protocol.ts';

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const pairs = fc.array(fc.tuple(latin1, latin1), { maxLength: 20 });

/** Feeds `packet` to a reader in pieces cut at `cuts`; returns the first step that is not 'more'. */
function feed(reader: PacketReader, packet: Buffer, cuts: number[]) {
  const points = [...new Set(cuts.map((c) => c % (packet.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, packet.length]) {
    if (to <= from) continue;
    const step = reader.push(packet.subarray(from, to));
    from = to;
    if (step.state !== 'more') return step;
  }
  return { state: 'more' as const };
}

describe('uwsgi-lite packet', () => {
  it('reads back what it encodes, however the bytes are split', () => {
    fc.assert(fc.property(pairs, fc.array(fc.nat(), { maxLength: 6 }), fc.uint8Array({ maxLength: 30 }), (vars, cuts, body) => {
      const packet = encodePacket(vars, { modifier1: 0, modifier2: 0, body: Buffer.from(body) });
      const step = feed(new PacketReader(MAX_BLOCK), packet, cuts);
      assert.equal(step.state, 'done');
      if (step.state !== 'done') return;
      assert.deepEqual(step.vars, vars);
      assert.ok(Buffer.from(body).subarray(0, step.rest.length).equals(step.rest), 'the rest is the start of the body');
      assert.equal(step.header.size, packet.length - HEADER_BYTES - body.length);
    }));
  });

  it('writes the header as modifier1, u16 little-endian size, modifier2', () => {
    const vars: [string, string][] = [['REQUEST_METHOD', 'GET'], ['PATH_INFO', '/x']];
    const packet = encodePacket(vars, { modifier1: 5, modifier2: 9 });
    const size = 2 + 14 + 2 + 3 + 2 + 9 + 2 + 2;
    assert.deepEqual([...packet.subarray(0, 4)], [5, size & 0xff, size >> 8, 9]);
    assert.deepEqual(parseHeader(packet), { modifier1: 5, size, modifier2: 9 });
    assert.equal(packet.length, HEADER_BYTES + size);
    assert.deepEqual(varsRecord(parseVars(packet.subarray(4))), { REQUEST_METHOD: 'GET', PATH_INFO: '/x' });
  });

  it('keeps empty values and lets a later duplicate key win in the record', () => {
    const block = encodeVars([['CONTENT_TYPE', ''], ['HTTPS', ''], ['A', '1'], ['A', '2']]);
    const parsed = parseVars(block);
    assert.equal(parsed.length, 4);
    assert.deepEqual(varsRecord(parsed), { CONTENT_TYPE: '', HTTPS: '', A: '2' });
  });

  it('reads a size above 255 and up to 65535 from both header bytes', () => {
    const value = 'v'.repeat(MAX_BLOCK - 2 - 1 - 2);
    const packet = encodePacket([['K', value]]);
    assert.equal(parseHeader(packet).size, MAX_BLOCK);
    const step = new PacketReader(MAX_BLOCK).push(packet);
    assert.equal(step.state, 'done');
    assert.throws(() => encodePacket([['K', `${value}x`]]), RangeError);
  });

  it('refuses a block over buffer-size as soon as the 4 header bytes are in', () => {
    const packet = encodePacket([['HTTP_X_PAD', 'p'.repeat(5000)]]);
    const reader = new PacketReader(4096);
    assert.equal(reader.push(packet.subarray(0, 3)).state, 'more');
    const step = reader.push(packet.subarray(3, 4));
    assert.equal(step.state, 'too-large');
    assert.equal(step.state === 'too-large' && step.header.size, 5000 + 10 + 4);
    // exactly buffer-size is still accepted (uWSGI refuses only larger blocks)
    const exact = encodePacket([['K', 'v'.repeat(4096 - 5)]]);
    assert.equal(parseHeader(exact).size, 4096);
    assert.equal(new PacketReader(4096).push(exact).state, 'done');
    assert.equal(new PacketReader(Infinity).push(packet).state, 'done');
  });

  it('returns the body bytes that came with the block as the rest', () => {
    const packet = encodePacket([['CONTENT_LENGTH', '5']], { body: Buffer.from('hello') });
    const step = new PacketReader(4096).push(packet);
    assert.equal(step.state === 'done' && step.rest.toString(), 'hello');
  });

  it('rejects malformed blocks: a key or value running past the block, a dangling length byte', () => {
    const good = encodeVars([['KEY', 'value']]);
    assert.throws(() => parseVars(good.subarray(0, good.length - 1)), UwsgiPacketError); // value cut short
    assert.throws(() => parseVars(good.subarray(0, 3)), UwsgiPacketError); // key cut short
    assert.throws(() => parseVars(Buffer.concat([good, Buffer.from([1])])), UwsgiPacketError); // half a length
    assert.throws(() => parseVars(Buffer.from([3, 0, 65, 66, 67])), UwsgiPacketError); // key without value
    assert.throws(() => parseHeader(Buffer.from([0, 1])), UwsgiPacketError);
    // a header whose size covers a malformed block: the reader throws instead of returning vars
    const bad = Buffer.concat([Buffer.from([0, 4, 0, 0]), Buffer.from([9, 0, 65, 66])]);
    assert.throws(() => new PacketReader(4096).push(bad), UwsgiPacketError);
  });

  it('parses an empty block (size 0) as no vars', () => {
    const step = new PacketReader(4096).push(Buffer.from([0, 0, 0, 0]));
    assert.equal(step.state, 'done');
    assert.deepEqual(step.state === 'done' && step.vars, []);
  });
});
