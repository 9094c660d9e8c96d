// Server-to-server transport over the `server.N` peer port: newline-delimited JSON messages.
// Each server dials every other server and sends its requests on that outbound connection; the
// receiver answers on the same connection. A dead or blackholed link is noticed by the consensus
// layer (no reply in time) and reset here, so a healed partition gets a fresh TCP connection
// instead of one stuck in exponential retransmission backoff.
import { createServer, Socket, type Server } from 'node:net';
import type { PeerAddress } from './config.ts';

export type PeerMessage = { type: string; from: number; [k: string]: unknown };
export type MessageHandler = (msg: PeerMessage, reply: (m: PeerMessage) => void) => void;

function lineReader(socket: Socket, onMessage: (msg: PeerMessage) => void): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line === '') continue;
      let msg: PeerMessage;
      try { msg = JSON.parse(line) as PeerMessage; } catch { socket.destroy(); return; }
      onMessage(msg);
    }
  });
}

const send = (socket: Socket, msg: PeerMessage): boolean => {
  if (socket.destroyed) return false;
  socket.write(JSON.stringify(msg) + '\n');
  return true;
};

export class PeerNet {
  private server: Server | undefined;
  private readonly outbound = new Map<number, Socket>();
  private readonly inbound = new Set<Socket>();
  private readonly connecting = new Set<number>();
  private closed = false;

  constructor(
    private readonly peers: PeerAddress[],
    private readonly connectTimeoutMs: number,
    private readonly onMessage: MessageHandler,
    private readonly log: (msg: string) => void,
  ) {}

  async listen(host: string, port: number): Promise<void> {
    this.server = createServer((socket) => {
      this.inbound.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.inbound.delete(socket));
      lineReader(socket, (msg) => this.onMessage(msg, (m) => { send(socket, m); }));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  /**
   * Sends to a peer on our outbound connection, dialing it if needed (a socket still connecting
   * buffers the message). False only if there is no way to reach the peer now.
   */
  send(peerId: number, msg: PeerMessage): boolean {
    const socket = this.outbound.get(peerId) ?? this.dial(peerId);
    return socket ? send(socket, msg) : false;
  }

  /** Drops the outbound connection to a peer that stopped answering; the next send redials. */
  reset(peerId: number): void {
    this.outbound.get(peerId)?.destroy();
    this.outbound.delete(peerId);
  }

  private dial(peerId: number): Socket | undefined {
    const peer = this.peers.find((p) => p.id === peerId);
    if (!peer || this.closed || this.connecting.has(peerId)) return undefined;
    this.connecting.add(peerId);
    const socket = new Socket();
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(), this.connectTimeoutMs);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      this.connecting.delete(peerId);
      if (this.outbound.get(peerId) === socket) this.outbound.delete(peerId);
    });
    socket.connect(peer.peerPort, peer.host, () => {
      clearTimeout(timer);
      this.connecting.delete(peerId);
      this.log(`connected to peer ${peerId}`);
    });
    this.outbound.set(peerId, socket);
    lineReader(socket, (msg) => this.onMessage(msg, (m) => { send(socket, m); }));
    return socket;
  }

  close(): void {
    this.closed = true;
    this.server?.close();
    for (const s of this.outbound.values()) s.destroy();
    for (const s of this.inbound) s.destroy();
  }
}
