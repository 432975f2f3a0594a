import type { Payload } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import { requestLogger } from '../api/request-logger.ts';
import { EncryptionCodec, KEY_ID_METADATA, PayloadKeyError } from '../temporal/payload-codec.ts';
import { createAccessTokenVerifier } from './access-tokens.ts';
import { isLoopbackOrigin, type CodecServerConfig } from './config.ts';
import { operatorsOnly, type CodecEnv } from './operators-only.ts';
import { payloadsBody, toJson, toPayloads } from './payloads-json.ts';
import { CodecRefusal } from './refusal.ts';
import { uiOriginOnly } from './ui-origin.ts';

/** One event's payloads, base64 in JSON: Temporal refuses payloads over 2 MB, which is 2.7 MB here. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

async function readPayloads(c: Context): Promise<Payload[]> {
  if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new CodecRefusal(415, 'unsupported_media_type', 'Send the payloads as JSON: Content-Type: application/json.');
  }
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch {
    throw new CodecRefusal(400, 'invalid_json', 'The body is not valid JSON; send {"payloads":[{"metadata":{...},"data":"<base64>"}]}.');
  }
  const parsed = payloadsBody.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'the body'} ${i.message}`);
    throw new CodecRefusal(400, 'invalid_payloads', `The body is not Temporal's Payloads JSON: ${issues.join('; ')}.`);
  }
  return toPayloads(parsed.data);
}

/** Decodes one payload at a time, so a refusal names the payload and its key id, never its contents. */
async function decodeEach(codec: EncryptionCodec, payloads: Payload[]): Promise<Payload[]> {
  const decoded: Payload[] = [];
  for (const [index, payload] of payloads.entries()) {
    try {
      decoded.push(...(await codec.decode([payload])));
    } catch (err) {
      const keyId = new TextDecoder().decode(payload.metadata?.[KEY_ID_METADATA] ?? new Uint8Array());
      const why = err instanceof PayloadKeyError ? err.message : `it was altered, or sealed under key id "${keyId}" with another key`;
      throw new CodecRefusal(400, 'undecryptable', `Payload ${index + 1} cannot be decrypted: ${why}.`);
    }
  }
  return decoded;
}

/**
 * Temporal's remote codec protocol: POST …/encode and POST …/decode (only the last path segment
 * counts, so a proxy may mount it anywhere), Payloads as proto3 JSON in and out, `X-Namespace`
 * naming the namespace. Order matters: CORS before authentication (a preflight carries no
 * credentials), authentication before the body is read. `accessTokens` verifies the UI's forwarded
 * access tokens (built from CODEC_OIDC_*; tests pass one with their own clock tolerance).
 */
export function createCodecApp(config: CodecServerConfig, log: Logger, accessTokens = config.oidc && createAccessTokenVerifier(config.oidc)) {
  const codec = new EncryptionCodec(config.payloadKeys);
  const app = new Hono<CodecEnv>();
  app.use(requestId());
  app.use(requestLogger(log));
  app.onError((err, c) => {
    if (err instanceof CodecRefusal) {
      log.info({ requestId: c.get('requestId'), refusal: err.code }, 'codec request refused');
      return c.json({ error: err.code, message: err.message, requestId: c.get('requestId') }, err.status);
    }
    log.error({ err, requestId: c.get('requestId') }, 'codec server error');
    return c.json({ error: 'internal_error', message: 'Something went wrong on our side.', requestId: c.get('requestId') }, 500);
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.use(uiOriginOnly(config.uiOrigins));
  app.use(operatorsOnly({ tokens: config.tokens, ...(accessTokens ? { accessTokens } : {}), devUiOrigins: config.devUiWithoutToken ? config.uiOrigins.filter(isLoopbackOrigin) : [], log }));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new CodecRefusal(413, 'body_too_large', `The body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send fewer payloads at a time.`);
      },
    }),
  );
  app.all('*', async (c) => {
    const operation = c.req.path.split('/').pop();
    if (operation !== 'encode' && operation !== 'decode') throw new CodecRefusal(404, 'not_found', 'The codec server answers POST /encode and POST /decode only.');
    if (c.req.method !== 'POST') throw new CodecRefusal(405, 'method_not_allowed', `/${operation} takes POST.`);
    // Temporal CLI 1.5.1 sends an empty X-Namespace: only a namespace actually named is checked.
    const namespace = c.req.header('x-namespace') || undefined;
    if (namespace !== undefined && namespace !== config.namespace) {
      throw new CodecRefusal(400, 'wrong_namespace', `This codec server holds the keys of namespace "${config.namespace}" only.`);
    }
    const payloads = await readPayloads(c);
    const answer = operation === 'decode' ? await decodeEach(codec, payloads) : await codec.encode(payloads);
    log.info({ requestId: c.get('requestId'), operation, payloads: payloads.length, caller: c.get('caller') }, `payloads ${operation}d`);
    return c.json(toJson(answer));
  });
  return app;
}
