// An API failure with the HTTP status Toxiproxy uses for it; the body is `{"error": ..., "status": ...}`.
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}
