// ZooKeeper's four-letter words (`srvr`, `ruok`, ...): a plain TCP exchange on the client port that
// answers even when no client session can be opened. The target uses `srvr` to see which node leads
// and whether a node serves; every exchange has a short deadline because a paused or partitioned
// node accepts the connection and then says nothing.
import net from 'node:net';

export type ServerMode = 'leader' | 'follower' | 'observer' | 'standalone' | 'read-only';

export interface ServerState {
  mode: ServerMode;
  /** Last zxid the node has seen; its high 32 bits are the epoch of the leader that wrote it. */
  zxid: bigint;
  epoch: number;
}

/** Sends a four-letter word and collects the answer until the server closes the connection. */
export function fourLetterWord(endpoint: { host: string; port: number }, word: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(endpoint);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to '${word}' from ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`'${word}' to ${endpoint.host}:${endpoint.port}: ${err.message}`));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Parses the answer to `srvr`; undefined when the node does not serve (e.g. "This ZooKeeper
 *  instance is not currently serving requests" while it looks for a leader). */
export function parseSrvr(text: string): ServerState | undefined {
  const mode = /^Mode: (\S+)/m.exec(text)?.[1];
  const zxid = /^Zxid: (0x[0-9a-fA-F]+)/m.exec(text)?.[1];
  if (!mode || !zxid) return undefined;
  const z = BigInt(zxid);
  return { mode: mode as ServerMode, zxid: z, epoch: Number(z >> 32n) };
}

/** `srvr` on one node; undefined when it does not answer in time or does not serve. */
export async function serverState(endpoint: { host: string; port: number }, timeoutMs: number): Promise<ServerState | undefined> {
  try {
    return parseSrvr(await fourLetterWord(endpoint, 'srvr', timeoutMs));
  } catch {
    return undefined;
  }
}
