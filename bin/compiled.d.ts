// Types of bin/compiled.js (plain JavaScript: it runs before anything is compiled).
/** Why dist/ under `root` must not be used, or null when it is up to date. */
export function staleReason(root: string): string | null;
/** dist/cli.cjs under `root`, compiled (with the V8 code cache beside it, if any) and ready to run. */
export function compileBundle(root: string): { cache: 'used' | 'none yet' | 'refused'; run(): void };
