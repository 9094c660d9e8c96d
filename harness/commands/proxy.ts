// `faultline proxy`: the Toxiproxy-compatible proxy server on its own, like `toxiproxy-server`, for
// people who drive it with a Toxiproxy client or want to poke at a link by hand. Loopback only.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

interface ProxyOptions {
  host: string;
  port: string;
  config?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('proxy')
    .description('run the Toxiproxy-compatible proxy server (HTTP API on loopback, like toxiproxy-server)')
    .option('--host <host>', 'loopback address for the API', '127.0.0.1')
    .option('--port <port>', 'API port (0 picks a free one)', '8474')
    .option('--config <file>', 'JSON array of proxies to create at start ({name, listen, upstream, enabled?})')
    .option('--quiet', 'do not log API calls')
    .action(async (options: ProxyOptions) => {
      const { ProxyServer } = await import('../net/proxy/server.ts');
      const log = options.quiet ? () => {} : (line: string) => console.log(`${new Date().toISOString()} ${line}`);
      const server = await ProxyServer.start({ host: options.host, port: parsePort(options.port), log });
      console.log(`faultline proxy: Toxiproxy API on ${server.url} (Ctrl-C stops it and closes every proxy)`);
      if (options.config) await populateFrom(server, options.config, log);
      await untilSignal();
      await server.stop();
      console.log('faultline proxy: stopped');
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${text} is not a port number`);
  return port;
}

async function populateFrom(server: import('../net/proxy/server.ts').StartedProxyServer, file: string, log: (l: string) => void) {
  const { PopulateBody, describeIssues } = await import('../net/proxy/schema.ts');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    await server.stop();
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  const parsed = PopulateBody.safeParse(raw);
  if (!parsed.success) {
    await server.stop();
    throw new UsageError(`--config ${file}: ${describeIssues(parsed.error)}`);
  }
  try {
    const proxies = await server.proxies.serial(() => server.proxies.populate(parsed.data));
    for (const p of proxies) log(`proxy ${p.name}: ${p.listen} -> ${p.upstream}${p.enabled ? '' : ' (disabled)'}`);
  } catch (err) {
    await server.stop();
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
