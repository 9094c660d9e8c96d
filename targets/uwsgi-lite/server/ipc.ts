// The few messages a uwsgi-lite worker and its master exchange over the fork IPC channel — the
// stand-in for uWSGI's shared-memory scoreboard: the master learns when a worker starts a request
// (its harakiri clock) and when it is free again, and hands it the next accepted connection.
import { format } from 'node:util';

export type WorkerMessage =
  | { t: 'ready' }
  /** A request's variable block was read and the app starts on it; `served` counts this one. */
  | { t: 'begin'; rid: string; served: number; age: number }
  /** The request is over; the worker takes the next connection. */
  | { t: 'end' }
  /** max-requests reached: the worker exits after this message and wants a successor. */
  | { t: 'retire'; served: number };

export type MasterMessage = { t: 'conn' };

export const WORKER_ID_ENV = 'UWSGI_LITE_WORKER_ID';
/** Set when the worker replaces a dead one (not at first start). */
export const RESPAWN_ENV = 'UWSGI_LITE_RESPAWN';

/** One log line, dated like uWSGI's `--log-date=%Y-%m-%dT%H:%M:%S`. */
export function logLine(fmt: string, ...args: unknown[]): void {
  const now = new Date();
  const date = now.toISOString().slice(0, 19);
  process.stdout.write(`${date} - ${format(fmt, ...args)}\n`);
}
