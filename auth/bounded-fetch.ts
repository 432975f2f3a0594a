import type { CustomFetch } from 'openid-client';
import type { Dispatcher } from 'undici';

/** The most an identity provider's answer (discovery, token, keys) may be; real ones are a few kB. */
export const MAX_IDP_RESPONSE_BYTES = 1024 * 1024;

const tooLarge = () => new Error(`the identity provider's answer is larger than ${MAX_IDP_RESPONSE_BYTES / 1024 / 1024} MB`);

/**
 * fetch for openid-client that reads at most MAX_IDP_RESPONSE_BYTES of a body: the issuer is typed
 * by an IT contact, and an answer read whole could hold the api's memory for the whole timeout.
 * `dispatcher` decides where it may connect (auth/public-egress.ts in production).
 */
export const boundedFetch = (dispatcher?: Dispatcher): CustomFetch => async (url, options) => {
  const response = await fetch(url, { ...(options as RequestInit), ...(dispatcher ? { dispatcher } : {}) } as RequestInit);
  if (Number(response.headers.get('content-length')) > MAX_IDP_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    // Leaving the loop by throwing cancels the body (the iterator's return()).
    if (size > MAX_IDP_RESPONSE_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return new Response(response.body ? Buffer.concat(chunks) : null, { status: response.status, statusText: response.statusText, headers: response.headers });
};
