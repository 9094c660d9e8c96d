// The machines an ssh run uses, as the user names them: `--hosts a,b,c` or a hosts file with one
// `[user@]host[:port] [name] [address=ADDR]` a line. Parsing is pure and strict — a duplicate or
// malformed line is bad input (one clear line naming the file and line), never a guess — and
// `assignRoles` maps the target's host names (n1..n5, or nginx/app) onto the machines: a machine whose
// name is one the target asks for takes that role, the others fill the remaining roles in file order.
import { UsageError } from '../../errors.ts';

export interface Machine {
  /** Login user (default: the local user, as ssh does). */
  user: string;
  /** What the harness dials: a DNS name or an IP address. */
  host: string;
  port: number;
  /** The user's name for the machine, when given. */
  name?: string;
  /** Address the other nodes reach it at, when it differs from `host` (a private IP behind a public one). */
  address?: string;
  /** Where it was named, for messages: 'hosts.txt:3' or '--hosts #2'. */
  origin: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,15}$/i;
const HOSTNAME = /^[a-z0-9_]([a-z0-9_.-]{0,252})$/i;
const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

/** `[user@]host[:port]`, IPv6 as `[addr]` or `[addr]:port`; undefined when it is not one. */
export function parseDestination(text: string, defaultUser: string): Pick<Machine, 'user' | 'host' | 'port'> | undefined {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : defaultUser;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  if (!USER.test(user)) return undefined;
  let host = rest;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(rest);
  if (v6) [, host, portText] = v6;
  else if ((rest.match(/:/g) ?? []).length === 1) [host, portText] = rest.split(':');
  else if (rest.includes(':') && !/^[0-9a-f:.]+$/i.test(rest)) return undefined;
  const isV6 = host.includes(':');
  if (!isV6 && !HOSTNAME.test(host)) return undefined;
  const port = portText === undefined ? 22 : Number(portText);
  if (!/^\d*$/.test(portText ?? '') || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { user, host, port };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
/** Whether `a` is a dotted IPv4 address. */
export const isIpv4 = (a: string): boolean => IPV4.test(a);

/** One line of a hosts file (already stripped of comments), or undefined for a blank one. */
function parseLine(line: string, origin: string, defaultUser: string): Machine | undefined {
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  if (!tokens.length) return undefined;
  const [dest, ...more] = tokens;
  const parsed = parseDestination(dest, defaultUser);
  if (!parsed) throw new UsageError(`${origin}: '${dest}' is not [user@]host[:port]`);
  const machine: Machine = { ...parsed, origin };
  for (const t of more) {
    if (t.startsWith('address=')) {
      const a = t.slice('address='.length);
      if (machine.address !== undefined) throw new UsageError(`${origin}: address= given twice`);
      if (!IPV4.test(a)) throw new UsageError(`${origin}: address '${a}' is not an IPv4 address (nodes are partitioned by IPv4 source address)`);
      machine.address = a;
    } else if (!t.includes('=') && machine.name === undefined) {
      if (!NAME.test(t)) throw new UsageError(`${origin}: name '${t}' must be 1-16 letters, digits or dashes`);
      machine.name = t;
    } else throw new UsageError(`${origin}: unexpected '${t}' (a line is: [user@]host[:port] [name] [address=IP])`);
  }
  return machine;
}

/** Rejects two lines for the same login target or the same name. */
function checkUnique(machines: readonly Machine[]): void {
  const seen = new Map<string, Machine>();
  for (const m of machines) {
    const dest = `${m.host.toLowerCase()}:${m.port}`;
    const before = seen.get(dest);
    if (before) throw new UsageError(`${m.origin}: ${m.host}:${m.port} is listed twice (also ${before.origin})`);
    seen.set(dest, m);
    if (!m.name) continue;
    const named = seen.get(`name ${m.name}`);
    if (named) throw new UsageError(`${m.origin}: name '${m.name}' is used twice (also ${named.origin})`);
    seen.set(`name ${m.name}`, m);
  }
}

/** A hosts file's text: one machine a line, `#` starts a comment. */
export function parseHostsFile(text: string, file: string, defaultUser: string): Machine[] {
  const machines: Machine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = parseLine(raw.replace(/#.*/, ''), `${file}:${i + 1}`, defaultUser);
    if (m) machines.push(m);
  });
  if (!machines.length) throw new UsageError(`${file}: no hosts in it`);
  checkUnique(machines);
  return machines;
}

/** `--hosts a,b,c`: destinations only (no names or addresses; use a hosts file for those). */
export function parseHostsList(list: string, defaultUser: string): Machine[] {
  const items = list.split(',').map((s) => s.trim());
  const machines = items.map((item, i) => {
    const parsed = parseDestination(item, defaultUser);
    if (!parsed) throw new UsageError(`--hosts: '${item}' (#${i + 1}) is not [user@]host[:port]`);
    return { ...parsed, origin: `--hosts #${i + 1}` };
  });
  checkUnique(machines);
  return machines;
}

/** Which machine plays each of the target's host names (roles), in role order. */
export function assignRoles(roles: readonly string[], machines: readonly Machine[]): Machine[] {
  if (machines.length < roles.length) {
    throw new UsageError(`the target needs ${roles.length} hosts (${roles.join(', ')}) but ${machines.length} ${machines.length === 1 ? 'is' : 'are'} given`);
  }
  const byName = new Map(machines.filter((m) => m.name).map((m) => [m.name!, m]));
  const named = new Set(roles.filter((r) => byName.has(r)).map((r) => byName.get(r)!));
  const rest = machines.filter((m) => !named.has(m));
  return roles.map((r) => byName.get(r) ?? rest.shift()!);
}

/** `user@host:port` as people read it (IPv6 in brackets). */
export const describeMachine = (m: Pick<Machine, 'user' | 'host' | 'port'>): string =>
  `${m.user}@${m.host.includes(':') ? `[${m.host}]` : m.host}:${m.port}`;
