// Entry point for one zk-lite server process, started like a ZooKeeper JVM:
//   node --import tsx targets/zk-lite/main.ts --config zoo.cfg
// It reads zoo.cfg + dataDir/myid, serves until SIGTERM/SIGINT, and logs to stdout.
import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from './config.ts';
import { ZkLiteServer } from './server.ts';

/**
 * Closes sockets inherited from the parent. The native ZooKeeper C client opens its sockets without
 * close-on-exec, so a test process that starts servers while it holds client connections leaks
 * them into the server; the parent's closed socket then lives on here, and its stale readiness
 * events make the client addon in the parent shut down unrelated new handles.
 */
function closeInheritedSockets(): void {
  let fds: string[];
  try { fds = readdirSync('/proc/self/fd'); } catch { return; }
  for (const name of fds) {
    const fd = Number(name);
    if (fd <= 2) continue;
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) closeSync(fd);
    } catch { /* already gone */ }
  }
}

async function main(): Promise<void> {
  closeInheritedSockets();
  const program = new Command('zk-lite')
    .description('a replicated ZooKeeper-protocol server (faultline target)')
    .requiredOption('--config <file>', 'zoo.cfg-style config (dataDir/myid gives this server id)')
    .parse(process.argv);
  const { config } = program.opts<{ config: string }>();
  let cfg;
  try {
    cfg = loadConfig(config);
  } catch (e) {
    process.stderr.write(`zk-lite: bad config ${config}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} [myid:${cfg.myid}] ${msg}\n`);
  const server = new ZkLiteServer(cfg, log);
  await server.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`zk-lite: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
