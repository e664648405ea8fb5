// An error with an HTTP status and Toxiproxy's message text; the API turns it into {"error": ..., "status": N}.
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
