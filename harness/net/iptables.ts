// The iptables text every partitioning runtime installs on a node, wherever the node is (a namespace,
// a container, a remote machine): a chain fl-<run> that INPUT jumps to, holding one DROP per source
// address the node must not hear. Only node addresses are dropped, so the harness — its clients and
// its control connection — keeps reaching every node. Pure strings; each runtime decides how to run them.

/** The chain (and rule comment) of a run: fl-<run>. */
export const partitionChain = (runId: string): string => `fl-${runId}`;

/** iptables-restore --noflush input that creates the chain and the INPUT jump to it. */
export function chainSetupScript(chain: string): string {
  return ['*filter', `:${chain} - [0:0]`, `-I INPUT -j ${chain} -m comment --comment ${chain}`, 'COMMIT', ''].join('\n');
}

/** iptables-restore --noflush input that makes the chain drop exactly `sources` (IPv4 addresses;
 *  atomic: one commit). */
export function chainRulesScript(chain: string, sources: readonly string[]): string {
  const rules = sources.map((s) => `-A ${chain} -s ${s}/32 -j DROP -m comment --comment ${chain}`);
  return ['*filter', `-F ${chain}`, ...rules, 'COMMIT', ''].join('\n');
}

/**
 * POSIX sh that installs the chain when missing and then loads `$1` (chainRulesScript) into it, in
 * one round trip; `$S` prefixes every iptables call (empty as root, `sudo -n ` otherwise).
 * Args: rules text, setup text, chain.
 */
export const APPLY_CHAIN_SH = [
  '$S iptables -w 5 -n -L "$3" >/dev/null 2>&1 || printf %s "$2" | $S iptables-restore -w 5 --noflush || exit 1',
  'printf %s "$1" | $S iptables-restore -w 5 --noflush',
].join('\n');

/** POSIX sh that removes the chain and every INPUT jump to it; succeeds when it is gone (or never
 *  was). `$S` as above. Args: chain. */
export const REMOVE_CHAIN_SH = [
  'while $S iptables -w 5 -D INPUT -j "$1" -m comment --comment "$1" 2>/dev/null; do :; done',
  '$S iptables -w 5 -F "$1" 2>/dev/null; $S iptables -w 5 -X "$1" 2>/dev/null',
  '! $S iptables -w 5 -n -L "$1" >/dev/null 2>&1 || { echo "chain $1 is still there" >&2; exit 1; }',
].join('\n');
