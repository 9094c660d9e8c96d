// Reads the same zoo.cfg + myid that real ZooKeeper reads, so one generated config serves both
// targets; keys zk-lite has no use for are ignored, and zk-lite-only keys (bug=...) are added.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const KNOWN_BUGS = ['stale-read', 'early-ack', 'ephemeral-leak', 'seq-reuse', 'double-watch', 'no-fsync', 'wall-clock', 'ignore-enospc'] as const;
export type BugName = (typeof KNOWN_BUGS)[number];

export interface PeerAddress { id: number; host: string; peerPort: number; electionPort: number }

export interface ZkLiteConfig {
  myid: number;
  dataDir: string;
  clientPort: number;
  clientPortAddress: string;
  tickTime: number;
  syncLimit: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  servers: PeerAddress[];
  /** Listen on every interface for peer traffic instead of this server's own peer address. */
  quorumListenOnAllIPs: boolean;
  bugs: Set<BugName>;
}

const num = z.coerce.number().int().positive();
const rawSchema = z.object({
  dataDir: z.string().min(1),
  clientPort: z.coerce.number().int().min(1).max(65535),
  clientPortAddress: z.string().default('0.0.0.0'),
  tickTime: num.default(2000),
  syncLimit: num.default(5),
  minSessionTimeout: num.optional(),
  maxSessionTimeout: num.optional(),
  quorumListenOnAllIPs: z.enum(['true', 'false']).default('false'),
  bug: z.string().default(''),
});

/** Parses `server.N=host:peerPort:electionPort[:role][;clientAddr:clientPort]`. */
export function parseServerLine(key: string, value: string): PeerAddress {
  const id = Number(key.slice('server.'.length));
  const [addr] = value.split(';');
  const parts = addr.trim().split(':');
  const peerPort = Number(parts[1]);
  const electionPort = Number(parts[2]);
  if (!Number.isInteger(id) || id < 0 || parts.length < 3 || !(peerPort > 0) || !(electionPort > 0)) {
    throw new Error(`bad server line ${key}=${value}: expected server.N=host:peerPort:electionPort`);
  }
  return { id, host: parts[0], peerPort, electionPort };
}

function parseBugs(spec: string): Set<BugName> {
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(KNOWN_BUGS as readonly string[]).includes(n)) throw new Error(`unknown bug "${n}"; known: ${KNOWN_BUGS.join(', ')}`);
  }
  return new Set(names as BugName[]);
}

/** Parses zoo.cfg text; `myidText` is the content of dataDir/myid (absent for a standalone server). */
export function parseConfig(text: string, myidText?: string): ZkLiteConfig {
  const kv: Record<string, string> = {};
  const servers: PeerAddress[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (/^server\.\d+$/.test(key)) servers.push(parseServerLine(key, value));
    else kv[key] = value;
  }
  const raw = rawSchema.parse(kv);
  const myid = myidText === undefined ? (servers[0]?.id ?? 1) : Number(myidText.trim());
  if (servers.length === 0) servers.push({ id: myid, host: '127.0.0.1', peerPort: 0, electionPort: 0 });
  if (!servers.some((s) => s.id === myid)) throw new Error(`myid ${myid} has no server.${myid} line`);
  return {
    myid, dataDir: raw.dataDir, clientPort: raw.clientPort, clientPortAddress: raw.clientPortAddress,
    tickTime: raw.tickTime, syncLimit: raw.syncLimit,
    minSessionTimeout: raw.minSessionTimeout ?? 2 * raw.tickTime,
    maxSessionTimeout: raw.maxSessionTimeout ?? 20 * raw.tickTime,
    servers: servers.sort((a, b) => a.id - b.id),
    quorumListenOnAllIPs: raw.quorumListenOnAllIPs === 'true',
    bugs: parseBugs(raw.bug),
  };
}

/** Loads a config file and the myid next to its dataDir. */
export function loadConfig(file: string): ZkLiteConfig {
  const text = readFileSync(file, 'utf8');
  const dataDir = /^\s*dataDir\s*=\s*(.+)$/m.exec(text)?.[1]?.trim();
  let myid: string | undefined;
  if (dataDir) {
    try { myid = readFileSync(join(dataDir, 'myid'), 'utf8'); } catch { myid = undefined; }
  }
  return parseConfig(text, myid);
}
