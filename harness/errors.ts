// Errors the CLI turns into a clear one-line message and exit code 2, instead of a stack trace.

/** Bad input from the user: a malformed file, an unknown model, a wrong flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The harness itself could not do its job (a target did not start in time, a tool is missing). */
export class HarnessError extends Error {
  override name = 'HarnessError';
}
