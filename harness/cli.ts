// The `faultline` command. Each subcommand lives in harness/commands/<name>.ts and registers itself on
// the program; this file only wires them together and turns errors into exit codes (DESIGN.md):
// 0 valid, 1 violation found, 2 unknown / bad input / harness error — one clear line, no stack trace.
import { Command, CommanderError } from 'commander';
import { UsageError, HarnessError } from './errors.ts';

export type Register = (program: Command) => void;

const COMMANDS = [
  'check',
  'scenario',
  'list',
  'report',
  'clean',
  'proxy',
  'compare',
] as const;

async function main(argv: string[]): Promise<void> {
  const program = new Command('faultline')
    .description('Jepsen-style fault injection and conformance checks for ZooKeeper and uWSGI/nginx')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Only the command being run must load: a broken module elsewhere must not take `clean` down with it.
  const wanted = argv.slice(2).find((a) => !a.startsWith('-'));
  for (const name of COMMANDS) {
    let mod: { register?: Register };
    try {
      mod = await import(`./commands/${name}.ts`);
    } catch (err) {
      if (name === wanted) throw err;
      continue;
    }
    mod.register?.(program);
  }
  await program.parseAsync(argv);
}

function fail(message: string): never {
  process.stderr.write(`faultline: ${message}\n`);
  process.exit(2);
}

// `faultline list | head`: a reader that goes away early is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // help and version exit 0; every usage mistake exits 2 (commander already printed the message)
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof UsageError || err instanceof HarnessError) fail(err.message);
  if (process.env.FAULTLINE_DEBUG) console.error(err);
  fail(err instanceof Error ? err.message : String(err));
});
