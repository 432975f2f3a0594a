import pino, { type Logger } from 'pino';

/** Where an OAuth authorization code travels as a field: a request's query, parameters or form body. */
const codeCarriers = ['query', 'searchParams', 'params', 'parameters', 'body'];

/**
 * Anything that can open an account or a session never reaches the logs. A field merely named
 * `code` stays: error codes (OAUTH_JWT_CLAIM_COMPARISON_FAILED, SQLSTATE 23505) are what make a
 * failure diagnosable; only the OAuth code is redacted, where it occurs.
 */
export const redactPaths = [
  'password',
  'secret',
  'token',
  'cookie',
  'authorization',
  'clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  '*.cookie',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.id_token',
  '*.refresh_token',
  ...codeCarriers.flatMap((carrier) => [`${carrier}.code`, `*.${carrier}.code`]),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

/** The value of a `code` query parameter in any URL, in any field, message or stack of a log line. */
const codeInUrl = /([?&]code=)[^&#"\\\s]*/g;

const redactCodesInUrls = (line: string) => line.replace(codeInUrl, '$1[redacted]');

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      hooks: { streamWrite: redactCodesInUrls },
      // The Temporal SDK names its errors `error`; without this they would log as `{}`.
      serializers: { error: pino.stdSerializers.err },
    },
    destination,
  );
}
