// The server's command line, spelled like uWSGI's own flags (`--socket`, `--processes`,
// `--harakiri`, ...) so a uwsgi-lite run reads like the uWSGI run it stands in for; parsed with
// commander and validated with zod, so a bad value stops the server with one clear line.
import { Command } from 'commander';
import { z } from 'zod';

/** Bugs the server can be started with (see ../BUGS.md). */
export const KNOWN_BUGS = ['harakiri-late', 'recycle-cuts', 'no-buffer-limit', 'double-effect', 'harakiri-wall-clock'] as const;
export type Bug = (typeof KNOWN_BUGS)[number];

const int = (min: number) => z.coerce.number().int().min(min);

const ServerOptions = z.object({
  socket: z.string().regex(/^[^:]+:\d+$/, 'expected HOST:PORT'),
  processes: int(1).max(64),
  /** Seconds; 0 = off. */
  harakiri: int(0),
  /** 0 = off. */
  maxRequests: int(0),
  minWorkerLifetime: int(0),
  bufferSize: int(512).max(65535),
  socketTimeout: int(1),
  effectsFile: z.string().min(1),
  journalFile: z.string().min(1),
  pidfile: z.string().optional(),
  effectTwice: z.boolean(),
  bug: z.array(z.enum(KNOWN_BUGS)),
});

export type ServerOptions = z.infer<typeof ServerOptions>;

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)];

export function parseServerArgs(argv: string[]): ServerOptions {
  const cmd = new Command('uwsgi-lite')
    .requiredOption('--socket <host:port>', 'where the master listens')
    .option('--processes <n>', 'prefork workers', '2')
    .option('--harakiri <s>', 'kill a worker whose request runs past this many seconds (0: off)', '0')
    .option('--max-requests <n>', 'recycle a worker after this many requests (0: off)', '0')
    .option('--min-worker-lifetime <s>', 'a younger worker is not recycled', '10')
    .option('--buffer-size <bytes>', 'largest uwsgi variable block accepted', '4096')
    .option('--socket-timeout <s>', 'deadline for each socket read/write', '4')
    .requiredOption('--effects-file <file>', 'append-only side-effect log of POST /effect')
    .option('--journal-file <file>', 'append-only journal of request starts (default: journal.log next to the effects file)')
    .option('--pidfile <file>', 'where the master writes its pid')
    .option('--effect-twice', 'the broken app variant: every side effect twice', false)
    .option('--bug <name>', `switch a bug on (${KNOWN_BUGS.join(', ')}); repeatable or comma-separated`, collect, [] as string[])
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(`uwsgi-lite: ${s}`) });
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts();
  const journalFile = o.journalFile ?? `${String(o.effectsFile).replace(/[^/]*$/, '')}journal.log`;
  const parsed = ServerOptions.safeParse({ ...o, journalFile });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`uwsgi-lite: --${issue.path.join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
  }
  return parsed.data;
}

/** The same options as argv again (the master hands them to each worker it forks). */
export function serverArgs(o: ServerOptions): string[] {
  const args = [
    '--socket', o.socket, '--processes', String(o.processes), '--harakiri', String(o.harakiri),
    '--max-requests', String(o.maxRequests), '--min-worker-lifetime', String(o.minWorkerLifetime),
    '--buffer-size', String(o.bufferSize), '--socket-timeout', String(o.socketTimeout),
    '--effects-file', o.effectsFile, '--journal-file', o.journalFile,
  ];
  if (o.pidfile) args.push('--pidfile', o.pidfile);
  if (o.effectTwice) args.push('--effect-twice');
  for (const b of o.bug) args.push('--bug', b);
  return args;
}
