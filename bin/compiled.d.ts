// Types of bin/compiled.js (plain JavaScript: it runs before anything is compiled).
/** Why dist/ under `root` must not be used, or null when it is up to date. */
export function staleReason(root: string): string | null;
