// One uwsgi-lite worker process, doing what a synchronous uWSGI worker does with each connection
// the master hands it: read the uwsgi packet (refusing a variable block over buffer-size by closing
// without an answer, as uWSGI's "invalid request block size" does), run the test app, write a raw
// HTTP status line + headers + body and close (nginx reads the response up to the close), all under
// socket-timeout. After max-requests (once older than min-worker-lifetime) it finishes the request
// and exits for the master to replace it. It dies with its master: a closed IPC channel ends it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { application, applyEffect, requestId, type AppFiles, type AppResponse } from './app.ts';
import { logLine, RESPAWN_ENV, WORKER_ID_ENV, type MasterMessage, type WorkerMessage } from './ipc.ts';
import { parseServerArgs, type ServerOptions } from './options.ts';
import { PacketReader, UwsgiPacketError, varsRecord } from '../protocol.ts';

const o: ServerOptions = parseServerArgs(process.argv.slice(2));
const id = Number(process.env[WORKER_ID_ENV] ?? 1);
const files: AppFiles = { effectsFile: o.effectsFile, journalFile: o.journalFile, effectTwice: o.effectTwice };
const spawnedAt = performance.now();
/** The double-effect bug's per-worker-slot "retry" record of the last side effect. */
const retryFile = `${o.effectsFile}.worker${id}.retry`;
let served = 0;

const send = (m: WorkerMessage, then?: () => void) => {
  if (!process.connected) return process.exit(1);
  process.send!(m, undefined, {}, () => then?.());
};

/** Something the socket-timeout deadline or the peer ended: the request is abandoned. */
class SocketGone extends Error {}

/** Waits for `event` on the socket, failing after socket-timeout or when the peer goes away. */
function awaitSocket(sock: net.Socket, event: 'data' | 'drain'): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error, data?: Buffer) => {
      clearTimeout(timer);
      sock.off(event, onEvent).off('close', onClose).off('error', onClose);
      if (event === 'data') sock.pause();
      return err ? reject(err) : resolve(data);
    };
    const onEvent = (data?: Buffer) => done(undefined, data);
    const onClose = () => done(new SocketGone('peer closed the connection'));
    const timer = setTimeout(() => done(new SocketGone(`socket-timeout ${o.socketTimeout} s on ${event === 'data' ? 'read' : 'write'}`)), o.socketTimeout * 1000);
    sock.on(event, onEvent).once('close', onClose).once('error', onClose);
    if (event === 'data') sock.resume();
  });
}

/** Reads the packet; undefined when it was refused (too large, malformed, peer gone, timeout). */
async function readPacket(sock: net.Socket): Promise<{ vars: Record<string, string>; size: number; rest: Buffer } | undefined> {
  const reader = new PacketReader(o.bug.includes('no-buffer-limit') ? Infinity : o.bufferSize);
  for (;;) {
    const chunk = await awaitSocket(sock, 'data');
    const step = reader.push(chunk!);
    if (step.state === 'too-large') {
      logLine('invalid request block size: %d (max %d)...skip', step.header.size, o.bufferSize);
      return undefined;
    }
    if (step.state === 'done') return { vars: varsRecord(step.vars), size: step.header.size, rest: step.rest };
  }
}

/** The body reader the app gets: CONTENT_LENGTH bytes, the first of them already read. */
function bodyReader(sock: net.Socket, vars: Record<string, string>, rest: Buffer): () => Promise<number> {
  return async () => {
    let remaining = Number.parseInt(vars.CONTENT_LENGTH || '0', 10) || 0;
    let total = Math.min(rest.length, remaining);
    remaining -= total;
    while (remaining > 0) {
      const chunk = (await awaitSocket(sock, 'data'))!;
      const take = Math.min(chunk.length, remaining);
      total += take;
      remaining -= take;
    }
    return total;
  };
}

async function write(sock: net.Socket, text: string): Promise<void> {
  if (sock.destroyed) throw new SocketGone('peer closed the connection');
  if (!sock.write(text, 'latin1')) await awaitSocket(sock, 'drain');
}

/** Status line + headers with the first body chunk (as WSGI servers send them), then the rest. */
async function respond(sock: net.Socket, protocol: string, res: AppResponse): Promise<void> {
  const head = `${protocol} ${res.status}\r\n${res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  let sentHead = false;
  for await (const chunk of res.body) {
    await write(sock, sentHead ? chunk : head + chunk);
    sentHead = true;
  }
  if (!sentHead) await write(sock, head);
  await new Promise<void>((resolve) => sock.end(resolve));
}

async function serve(sock: net.Socket): Promise<void> {
  const packet = await readPacket(sock);
  if (!packet) return;
  const { vars, size, rest } = packet;
  const rid = requestId(vars);
  send({ t: 'begin', rid, served, age: performance.now() - spawnedAt });
  const res = await application({ vars, readBody: bodyReader(sock, vars, rest) }, files);
  if (o.bug.includes('double-effect') && vars.PATH_INFO === '/effect' && rid !== '-') writeFileSync(retryFile, rid);
  await respond(sock, /^HTTP\/1\.[01]$/.test(vars.SERVER_PROTOCOL ?? '') ? vars.SERVER_PROTOCOL : 'HTTP/1.1', res);
  logLine('[pid: %d|app: 0|req: -/%d] {%d vars in %d bytes} %s %s => generated response (%s)', process.pid, served, Object.keys(vars).length, size, vars.REQUEST_METHOD ?? '-', vars.REQUEST_URI ?? vars.PATH_INFO ?? '-', res.status);
}

/** One connection, start to close; then tell the master this worker is free (or retiring). */
async function handle(sock: net.Socket): Promise<void> {
  served++;
  sock.on('error', () => {});
  try {
    await serve(sock);
  } catch (err) {
    const why = err instanceof SocketGone || err instanceof UwsgiPacketError ? err.message : String((err as Error)?.stack ?? err);
    logLine('worker %d (pid: %d): request abandoned: %s', id, process.pid, why);
  } finally {
    sock.destroy();
  }
  const old = performance.now() - spawnedAt >= o.minWorkerLifetime * 1000;
  if (o.maxRequests > 0 && served >= o.maxRequests && old) {
    logLine('...The work of process %d is done (max requests reached: %d >= %d). Seeya!', process.pid, served, o.maxRequests);
    send({ t: 'retire', served }, () => process.exit(0));
  } else send({ t: 'end' });
}

/** The double-effect bug: a respawned worker "retries" the last side effect its slot recorded. */
function replayLastEffect(): void {
  if (!process.env[RESPAWN_ENV] || !existsSync(retryFile)) return;
  const rid = readFileSync(retryFile, 'utf8').trim();
  if (!rid) return;
  logLine('worker %d: retrying the side effect of request %s left by its predecessor', id, rid);
  applyEffect(files, rid);
}

process.title = `uwsgi-lite worker ${id}`;
process.on('disconnect', () => {
  logLine('uWSGI worker %d screams: UAAAAAAH my master disconnected: i will kill myself !!!', id);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
process.on('message', (m: MasterMessage, sock?: net.Socket) => {
  if (m?.t === 'conn' && sock) void handle(sock);
});
if (o.bug.includes('double-effect')) replayLastEffect();
send({ t: 'ready' });
