// The part of node-zookeeper-client 1.1.3 the ZooKeeper workloads use (the package ships no types).
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export interface Stat {
    czxid: Buffer; mzxid: Buffer; ctime: Buffer; mtime: Buffer; version: number; cversion: number;
    aversion: number; ephemeralOwner: Buffer; dataLength: number; numChildren: number; pzxid: Buffer;
  }
  export interface Exception extends Error { getCode(): number; getName(): string }
  export interface Event { getType(): number; getName(): string; getPath(): string }
  export interface State { name: string; code: number }
  export type Watcher = (event: Event) => void;

  export interface ConnectionManager {
    socket?: Socket;
    pendingBuffer: Buffer | null;
    connect(): void;
    onSocketData(buffer: Buffer): void;
  }

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getState(): State;
    getSessionId(): Buffer;
    getSessionTimeout(): number;
    create(path: string, data: Buffer | null, mode: number, cb: (err: Exception | null, path: string) => void): void;
    remove(path: string, version: number, cb: (err: Exception | null) => void): void;
    mkdirp(path: string, cb: (err: Exception | null, path: string) => void): void;
    exists(path: string, watcher: Watcher | null, cb: (err: Exception | null, stat: Stat | null) => void): void;
    getData(path: string, watcher: Watcher | null, cb: (err: Exception | null, data: Buffer | null, stat: Stat) => void): void;
    setData(path: string, data: Buffer | null, version: number, cb: (err: Exception | null, stat: Stat) => void): void;
    getChildren(path: string, watcher: Watcher | null, cb: (err: Exception | null, children: string[], stat: Stat) => void): void;
    /** Private: see zk-client.ts for why these are touched. */
    connectionManager: ConnectionManager;
  }

  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  export const State: { SYNC_CONNECTED: State; DISCONNECTED: State; EXPIRED: State; CONNECTED_READ_ONLY: State };
  export const Exception: Record<string, number>;
}
