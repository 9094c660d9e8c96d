// One client TCP connection: the connect handshake, then length-prefixed requests answered
// strictly in the order they arrived (ZooKeeper clients treat an out-of-order xid as fatal). A read
// waits until the session's earlier writes are answered, so a client always reads its own writes.
// A connection whose first four bytes are a four-letter word (ruok, srvr, ...) gets text and is closed.
import type { Socket } from 'node:net';
import { FrameSplitter, JuteDecodeError } from './jute.ts';
import { notificationFrame, readClientRequest, readConnectRequest, type ClientRequest, type ConnectRequest } from './protocol.ts';
import type { WatchTarget } from './watches.ts';

export const FOUR_LETTER_WORDS = new Set(['ruok', 'srvr', 'stat', 'mntr', 'isro', 'conf', 'envi', 'cons', 'wchs', 'dirs']);

export interface RequestSlot { req: ClientRequest; submitted: boolean; frame?: Buffer; closeAfter?: boolean }

export interface ConnectionHost {
  fourLetterWord(word: string): string;
  handshake(conn: ClientConnection, req: ConnectRequest): void;
  /** Starts a write, sync or close; the host later calls conn.complete(slot, frame). */
  submit(conn: ClientConnection, slot: RequestSlot): void;
  /** Answers a read, ping, setWatches, auth or unsupported request immediately. */
  evaluate(conn: ClientConnection, req: ClientRequest): Buffer;
  activity(conn: ClientConnection): void;
  closed(conn: ClientConnection): void;
}

const isAsync = (req: ClientRequest): boolean => req.kind === 'write' || req.kind === 'multi' || req.kind === 'sync' || req.kind === 'close';

export class ClientConnection implements WatchTarget {
  sid: string | null = null;
  private established = false;
  private firstBytes = true;
  private readonly splitter = new FrameSplitter();
  private readonly queue: RequestSlot[] = [];
  private isClosed = false;
  received = 0;
  sent = 0;

  constructor(readonly socket: Socket, private readonly host: ConnectionHost) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get open(): boolean { return !this.isClosed && this.established; }
  get remote(): string { return `${this.socket.remoteAddress}:${this.socket.remotePort}`; }
  get outstanding(): number { return this.queue.length; }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    if (this.firstBytes && this.tryFourLetterWord(chunk)) return;
    this.firstBytes = false;
    let frames: Buffer[];
    try { frames = this.splitter.push(chunk); } catch { this.close(); return; }
    for (const frame of frames) {
      if (this.isClosed) return;
      try { this.onFrame(frame); } catch (e) {
        if (e instanceof JuteDecodeError) { this.close(); return; }
        throw e;
      }
    }
  }

  private tryFourLetterWord(chunk: Buffer): boolean {
    const head = Buffer.concat([this.splitter.buffered(), chunk]);
    if (head.length < 4) return false;
    const word = head.subarray(0, 4).toString('latin1');
    if (!FOUR_LETTER_WORDS.has(word)) return false;
    this.isClosed = true;
    this.socket.end(this.host.fourLetterWord(word));
    this.host.closed(this);
    return true;
  }

  private onFrame(frame: Buffer): void {
    this.received++;
    if (!this.established && this.sid === null) {
      this.sid = '';
      this.host.handshake(this, readConnectRequest(frame));
      return;
    }
    if (!this.established) return;
    this.host.activity(this);
    this.queue.push({ req: readClientRequest(frame), submitted: false });
    this.pump();
  }

  /** The handshake succeeded: requests may flow. */
  establish(sid: string, response: Buffer): void {
    this.sid = sid;
    this.established = true;
    this.write(response);
  }

  /** Submits new async requests and answers, in order, everything that is answerable. */
  pump(): void {
    let blocked = false;
    for (const slot of this.queue) {
      if (isAsync(slot.req)) {
        if (!slot.submitted) { slot.submitted = true; this.host.submit(this, slot); }
        if (slot.frame === undefined) blocked = true;
      } else if (!blocked && slot.frame === undefined) {
        slot.frame = this.host.evaluate(this, slot.req);
      }
      if (this.isClosed) return;
    }
    while (this.queue.length > 0 && this.queue[0].frame !== undefined) {
      const slot = this.queue.shift()!;
      this.write(slot.frame!);
      if (slot.closeAfter) { this.socket.end(); this.close(); return; }
    }
  }

  complete(slot: RequestSlot, frame: Buffer, closeAfter = false): void {
    slot.frame = frame;
    slot.closeAfter = closeAfter;
    this.pump();
  }

  findSlot(xid: number): RequestSlot | undefined {
    return this.queue.find((s) => s.req.xid === xid && s.frame === undefined);
  }

  notify(eventType: number, path: string, zxid: bigint): void {
    this.write(notificationFrame(eventType, path, zxid));
  }

  write(frame: Buffer): void {
    if (this.isClosed || this.socket.destroyed) return;
    this.sent++;
    this.socket.write(frame);
  }

  /** Closes the connection; the client sees connection loss and reconnects elsewhere. */
  close(): void {
    if (this.isClosed && this.socket.destroyed) return;
    const wasClosed = this.isClosed;
    this.isClosed = true;
    this.established = false;
    this.socket.destroy();
    if (!wasClosed) this.host.closed(this);
  }

  /** Sends a final frame (e.g. a refused handshake) and closes. */
  closeAfter(frame: Buffer): void {
    if (this.isClosed) return;
    this.socket.end(frame);
    this.isClosed = true;
    this.host.closed(this);
  }
}
