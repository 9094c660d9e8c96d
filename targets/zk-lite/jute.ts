// Jute is ZooKeeper's record encoding: big-endian ints and longs, length-prefixed buffers and
// strings (-1 = null), length-prefixed vectors. zk-lite speaks it so unmodified ZooKeeper clients work.

/** Appends jute-encoded fields to a growing buffer. */
export class JuteWriter {
  private buf = Buffer.alloc(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  long(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  buffer(v: Buffer | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
    return this;
  }

  ustring(v: string | null): this {
    return this.buffer(v === null ? null : Buffer.from(v, 'utf8'));
  }

  vector<T>(items: T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far, preceded by their 4-byte length: one frame on the wire. */
  frame(): Buffer {
    const body = this.bytes();
    const out = Buffer.alloc(4 + body.length);
    out.writeInt32BE(body.length, 0);
    body.copy(out, 4);
    return out;
  }
}

/** Thrown when a record is shorter than its fields claim: the peer sent a malformed packet. */
export class JuteDecodeError extends Error {}

/** Reads jute-encoded fields from one frame body. */
export class JuteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new JuteDecodeError(`record truncated: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
    }
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  buffer(): Buffer | null {
    const len = this.int();
    if (len < 0) return null;
    this.need(len);
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return v;
  }

  ustring(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }

  vector<T>(each: (r: this) => T): T[] | null {
    const n = this.int();
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }

  remaining(): number {
    return this.buf.length - this.pos;
  }
}

/**
 * Splits a byte stream into length-prefixed frames. Feed it socket chunks; it returns complete
 * frame bodies. A frame longer than `maxFrame` is a protocol error (ZooKeeper's jute.maxbuffer).
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame = 4 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const len = this.pending.readInt32BE(0);
      if (len < 0 || len > this.maxFrame) throw new JuteDecodeError(`frame length ${len} out of range`);
      if (this.pending.length < 4 + len) break;
      frames.push(this.pending.subarray(4, 4 + len));
      this.pending = this.pending.subarray(4 + len);
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  buffered(): Buffer {
    return this.pending;
  }
}
