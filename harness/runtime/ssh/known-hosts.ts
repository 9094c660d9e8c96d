// Host keys. With `--known-hosts FILE` every machine's key must be listed there (OpenSSH's format:
// plain or hashed host patterns, `[host]:port`, wildcards, negation, @revoked), or the run is refused.
// Without it the policy is accept-new for the run: the key a machine shows at the first connect is
// pinned — recorded in the run's ledger and in the run folder's known_hosts, which the user can keep
// and pass as --known-hosts next time — and every later connection of the run, and `faultline clean`
// after it, must show the same key. Pure: no files, no sockets.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string[];
  keyType: string;
  /** base64 of the key blob, as in the file. */
  key: string;
  line: number;
}

/** Entries of a known_hosts file; lines that are not entries (comments, garbage) are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const tokens = raw.trim().split(/\s+/);
    if (!tokens[0] || tokens[0].startsWith('#')) return;
    const marker = tokens[0] === '@revoked' || tokens[0] === '@cert-authority' ? (tokens.shift() as KnownHostEntry['marker']) : undefined;
    const [hosts, keyType, key] = tokens;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) return;
    out.push({ ...(marker ? { marker } : {}), patterns: hosts.split(','), keyType, key, line: i + 1 });
  });
  return out;
}

/** How ssh names a destination in known_hosts: `host` on port 22, else `[host]:port`. */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

/** OpenSSH glob: `*` any run, `?` one character. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** `|1|salt|hash`: HMAC-SHA1 of the name keyed with the salt. */
function hashedMatch(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Whether an entry's host patterns name `name` (any positive pattern matches, no negated one does). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('|1|')) matched ||= hashedMatch(p, name);
    else if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else matched ||= globMatch(p, name);
  }
  return matched;
}

/** The key type written inside a key blob (its first SSH string), e.g. 'ssh-ed25519'. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export const fingerprint = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export type HostKeyVerdict = { ok: true } | { ok: false; why: string };

/** Strict check of the key a machine showed against known_hosts entries (ssh's StrictHostKeyChecking=yes). */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, blob: Buffer, file: string): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const key = blob.toString('base64');
  const matching = entries.filter((e) => e.marker !== '@cert-authority' && entryMatches(e, name));
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key === key);
  if (revoked) return { ok: false, why: `its host key ${fingerprint(blob)} is marked @revoked in ${file}:${revoked.line}` };
  if (matching.some((e) => !e.marker && e.key === key)) return { ok: true };
  const listed = matching.filter((e) => !e.marker);
  if (listed.length) return { ok: false, why: `its host key ${fingerprint(blob)} (${keyTypeOf(blob)}) differs from the one${listed.length > 1 ? 's' : ''} for ${name} in ${file}:${listed.map((e) => e.line).join(',')} — it may have been reinstalled, or someone is in between` };
  return { ok: false, why: `${name} is not in ${file} (its ${keyTypeOf(blob)} key is ${fingerprint(blob)}; add it with ssh-keyscan after checking it, or drop --known-hosts to accept it for this run)` };
}

/** Host key algorithms to offer for `name`, so the server shows a key type the file lists (as ssh
 *  orders HostKeyAlgorithms by known_hosts); undefined when the file lists none for it. */
export function preferredAlgorithms(entries: readonly KnownHostEntry[], name: string): string[] | undefined {
  const types = [...new Set(entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType))];
  if (!types.length) return undefined;
  return types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
}

/** One known_hosts line for a pinned key. */
export const knownHostsLine = (host: string, port: number, blob: Buffer): string => `${knownHostsName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
