// Every resource a run starts registers its undo at the moment it is started. Undos run in reverse
// order at the end of the run, on SIGINT/SIGTERM, or when a start fails halfway; each runs once (an undo
// that failed gets one more try after the others), and
// one failing undo does not stop the others.

type Undo = () => void | Promise<void>;

/** Pause before undos that failed are tried once more. */
const RETRY_DELAY_MS = 500;

export class Cleanup {
  private readonly stack: { label: string; undo: Undo; done: boolean }[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers an undo; returns a function that runs it now (and only once). */
  add(label: string, undo: Undo): () => Promise<void> {
    const entry = { label, undo, done: false };
    this.stack.push(entry);
    return async () => {
      if (entry.done) return;
      entry.done = true;
      await entry.undo();
    };
  }

  private nextPending() {
    for (let i = this.stack.length - 1; i >= 0; i--) if (!this.stack[i].done) return this.stack[i];
    return undefined;
  }

  /** Runs every pending undo, newest first. Returns the errors as lines (empty when all went well). */
  runAll(): Promise<string[]> {
    this.running ??= (async () => {
      const failed: { label: string; undo: Undo }[] = [];
      // newest first; an undo registered while we run (a start racing with Ctrl-C) is picked up too
      for (let entry = this.nextPending(); entry; entry = this.nextPending()) {
        entry.done = true;
        try {
          await entry.undo();
        } catch {
          failed.push(entry);
        }
      }
      // A second pass for what failed: an undo can fail for a passing reason the others remove (a
      // half-built start still holding every file descriptor: EMFILE), and a leftover is worse.
      const errors: string[] = [];
      if (failed.length) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      for (const entry of failed) {
        try {
          await entry.undo();
        } catch (err) {
          errors.push(`cleanup of ${entry.label} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.stack.length = 0;
      this.running = undefined;
      return errors;
    })();
    return this.running;
  }
}

/**
 * Makes SIGINT/SIGTERM run the cleanup before the process exits (130/143), so an interrupted run
 * leaves nothing behind. `onSignal` runs first (e.g. to flush the history). Returns an uninstaller.
 */
export function cleanupOnSignals(cleanup: Cleanup, onSignal?: (signal: NodeJS.Signals) => void | Promise<void>): () => void {
  let fired = false;
  const handler = (signal: NodeJS.Signals) => {
    if (fired) return; // a second Ctrl-C while cleaning up is ignored: half a cleanup is worse
    fired = true;
    process.stderr.write(`\nfaultline: ${signal} received, cleaning up (the history recorded so far is kept)\n`);
    void (async () => {
      try {
        await onSignal?.(signal);
      } finally {
        const errors = await cleanup.runAll();
        for (const e of errors) process.stderr.write(`faultline: ${e}\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
    })();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
