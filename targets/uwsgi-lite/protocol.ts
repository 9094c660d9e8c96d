// The uwsgi wire packet nginx's `uwsgi_pass` sends, as uWSGI reads it: a 4-byte header (modifier1
// u8, data size u16 little-endian, modifier2 u8), then the variable block — (u16 LE key length, key,
// u16 LE value length, value) pairs filling exactly `size` bytes — and then the request body, raw.
// Pure functions and one incremental reader, so the server, its tests and anything that wants to
// speak to a uwsgi socket share one exact definition, including what counts as malformed.

export const HEADER_BYTES = 4;
/** The data size is a u16: no variable block can be larger. */
export const MAX_BLOCK = 0xffff;

export interface PacketHeader {
  modifier1: number;
  /** Size of the variable block that follows the header. */
  size: number;
  modifier2: number;
}

/** A packet that cannot be read: uWSGI closes the connection without an answer. */
export class UwsgiPacketError extends Error {}

export function parseHeader(buf: Uint8Array): PacketHeader {
  if (buf.length < HEADER_BYTES) throw new UwsgiPacketError(`uwsgi header needs ${HEADER_BYTES} bytes, got ${buf.length}`);
  return { modifier1: buf[0], size: buf[1] | (buf[2] << 8), modifier2: buf[3] };
}

/** Reads a u16-LE-length-prefixed string at `at`; returns it and the offset after it. */
function readChunk(block: Buffer, at: number, what: string): [string, number] {
  if (at + 2 > block.length) throw new UwsgiPacketError(`${what} length at offset ${at} runs past the ${block.length}-byte block`);
  const len = block.readUInt16LE(at);
  const end = at + 2 + len;
  if (end > block.length) throw new UwsgiPacketError(`${what} of ${len} bytes at offset ${at} runs past the ${block.length}-byte block`);
  return [block.toString('latin1', at + 2, end), end];
}

/** The variable block → ordered key/value pairs (a later duplicate key wins in `varsRecord`). */
export function parseVars(block: Buffer): [string, string][] {
  const out: [string, string][] = [];
  let at = 0;
  while (at < block.length) {
    const [key, afterKey] = readChunk(block, at, 'key');
    const [value, afterValue] = readChunk(block, afterKey, `value of ${key}`);
    out.push([key, value]);
    at = afterValue;
  }
  return out;
}

export const varsRecord = (pairs: [string, string][]): Record<string, string> => Object.fromEntries(pairs);

/** Encodes the variable block of `vars` (bytes as latin1, like the parser reads them). */
export function encodeVars(vars: Iterable<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of vars) {
    for (const s of [k, v]) {
      const bytes = Buffer.from(s, 'latin1');
      if (bytes.length > MAX_BLOCK) throw new RangeError(`uwsgi string of ${bytes.length} bytes exceeds ${MAX_BLOCK}`);
      const len = Buffer.alloc(2);
      len.writeUInt16LE(bytes.length);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

/** A whole packet: header + variable block (+ body, when given). */
export function encodePacket(vars: Iterable<[string, string]>, opts: { modifier1?: number; modifier2?: number; body?: Buffer } = {}): Buffer {
  const block = encodeVars(vars);
  if (block.length > MAX_BLOCK) throw new RangeError(`uwsgi variable block of ${block.length} bytes exceeds ${MAX_BLOCK}`);
  const header = Buffer.from([opts.modifier1 ?? 0, block.length & 0xff, block.length >> 8, opts.modifier2 ?? 0]);
  return Buffer.concat([header, block, opts.body ?? Buffer.alloc(0)]);
}

export type ReadStep =
  | { state: 'more' }
  /** The header announces a block larger than the server's buffer-size (uWSGI: "invalid request block size"). */
  | { state: 'too-large'; header: PacketHeader }
  | { state: 'done'; header: PacketHeader; vars: [string, string][]; rest: Buffer };

/**
 * Accumulates bytes until header + variable block are complete. `bufferSize` is uWSGI's limit on
 * the whole block (checked as soon as the header is in, as uWSGI does); `Infinity` disables it.
 * Whatever arrives after the block is returned as `rest`: the start of the body.
 */
export class PacketReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly bufferSize: number) {}

  push(chunk: Buffer): ReadStep {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.buf.length < HEADER_BYTES) return { state: 'more' };
    const header = parseHeader(this.buf);
    if (header.size > this.bufferSize) return { state: 'too-large', header };
    if (this.buf.length < HEADER_BYTES + header.size) return { state: 'more' };
    const vars = parseVars(this.buf.subarray(HEADER_BYTES, HEADER_BYTES + header.size));
    return { state: 'done', header, vars, rest: this.buf.subarray(HEADER_BYTES + header.size) };
  }
}
