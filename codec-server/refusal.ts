import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A refused request; its message is written for the operator (or the UI) that sent it and never holds a payload or a token. */
export class CodecRefusal extends Error {
  override name = 'CodecRefusal';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
