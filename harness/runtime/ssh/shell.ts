// The command lines the ssh runtime sends. sshd hands an exec request to the user's login shell
// (bash, zsh, even fish), so every command is wrapped as `sh -c '<script>' sh <args…>`: the script is
// POSIX sh whatever the login shell is, and arguments travel as quoted words, never spliced into
// script text. The scripts here are pure strings (unit-tested); the connection runs them.

/** A word the shell reads back as exactly `s`. */
export function quote(s: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Non-root logins often lack the sbin folders (iptables lives there). */
const PREAMBLE = 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH; ';

/** The exec request that runs `script` under POSIX sh with `args` as $1, $2, … */
export function shCommand(script: string, args: readonly string[] = []): string {
  return ['sh', '-c', quote(PREAMBLE + script), 'sh', ...args.map(quote)].join(' ');
}

/** Runs one program with its arguments, as Host.exec does on every runtime. */
export const execCommand = (command: string, args: readonly string[]): string => shCommand('exec "$@"', [command, ...args]);

/** What a command needs to run as root: nothing for root, `sudo -n` (never a password prompt) otherwise. */
export const rootPrefix = (isRoot: boolean): string => (isRoot ? '' : 'sudo -n ');

/** Runs a script whose privileged commands are written `$S cmd …` (iptables, mount), as root or
 *  through sudo -n. */
export const asRootCommand = (isRoot: boolean, script: string, args: readonly string[]): string => shCommand(`S=${quote(rootPrefix(isRoot))}\n${script}`, args);

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot): after the last ')', field 20.
 *  Of the pid in $1. */
export const START_TIME = 'sed "s/^.*) //" /proc/$1/stat 2>/dev/null | cut -d" " -f20';

/**
 * Starts a daemon in its own session (setsid: a dropped connection sends it no SIGHUP), output
 * appended to a log on the host, and stays attached: prints `pid PID START` at once and `exit CODE`
 * when the daemon ends, so the harness learns of an exit without polling. Args: dir, log, env
 * assignments (`K=V`…), command, args.
 */
export const SPAWN_SCRIPT = [
  'dir=$1 log=$2; shift 2',
  'cd "$dir" || { echo "cannot enter $dir" >&2; exit 97; }',
  'set -- env "$@"',
  'setsid "$@" >>"$log" 2>&1 </dev/null &',
  'pid=$!',
  `start=$(set -- $pid; ${START_TIME})`,
  'echo "pid $pid ${start:--}"',
  'wait $pid',
  'echo "exit $?"',
].join('\n');

/** Arguments for SPAWN_SCRIPT. */
export function spawnArgs(dir: string, log: string, env: Record<string, string>, command: string, args: readonly string[]): string[] {
  return [dir, log, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args];
}

/** SIGSTOP and wait (bounded) until the kernel shows the process stopped, gone or a zombie. Args: pid. */
export const PAUSE_SCRIPT = [
  'kill -s STOP "$1" 2>/dev/null || exit 0',
  'i=0',
  'while [ $i -lt 100 ]; do',
  '  s=$(sed "s/^.*) //" /proc/$1/stat 2>/dev/null | cut -c1)',
  '  case "$s" in T|t|Z|"") exit 0;; esac',
  '  i=$((i+1)); sleep 0.05',
  'done',
  'echo "pid $1 still in state $s after 5 s" >&2; exit 1',
].join('\n');

/**
 * Kills what a run left on one host: every recorded daemon that is still the same process (pid and
 * start time) together with its session's process group, then any process working inside the run's
 * folder (workers, a daemon whose pid never reached the ledger); waits up to 5 s until they are gone.
 * Prints `killed PID (why)` lines. Args: run folder, then `PID:START` records (START `-` = unknown).
 */
export const SWEEP_SCRIPT = [
  'run=$1; shift',
  'killed=""',
  'for rec; do',
  '  pid=${rec%%:*} start=${rec#*:}',
  '  [ -r /proc/$pid/stat ] || continue',
  `  now=$(set -- $pid; ${START_TIME})`,
  '  [ "$start" = - ] || [ "$now" = "$start" ] || continue',
  '  group=0; kill -s KILL -- -$pid 2>/dev/null || group=$?',
  '  kill -s KILL $pid 2>/dev/null || [ $group = 0 ] && { echo "killed $pid (recorded daemon)"; killed="$killed $pid"; }',
  'done',
  'for p in $(find /proc/[0-9]*/cwd -maxdepth 0 \\( -lname "$run" -o -lname "$run/*" -o -lname "$run (deleted)" \\) 2>/dev/null); do',
  '  pid=${p#/proc/}; pid=${pid%/cwd}; cwd=$(readlink "$p" 2>/dev/null) || continue',
  '  kill -s KILL "$pid" 2>/dev/null && { echo "killed $pid (working in $cwd)"; killed="$killed $pid"; }',
  'done',
  'i=0',
  'for pid in $killed; do',
  '  while [ -e /proc/$pid ] && ! grep -q "^State:.*Z" /proc/$pid/status 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done',
  'done',
  'for pid in $killed; do [ -e /proc/$pid ] && ! grep -q "^State:.*Z" /proc/$pid/status 2>/dev/null && echo "pid $pid survived SIGKILL" >&2 && exit 1; done',
  'exit 0',
].join('\n');

/** Removes a host's folders of the run (its own and the harness's beside it) and the run folder once
 *  empty (on a shared file system the other hosts' folders keep it). Args: host folder, harness
 *  folder, run folder. */
export const REMOVE_FOLDER_SCRIPT = 'rm -rf -- "$1" "$2" && { rmdir -- "$3" 2>/dev/null; true; }';
