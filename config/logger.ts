import pino, { type Logger } from 'pino';

/** Anything that can open an account or a session never reaches the logs. */
export const redactPaths = [
  'password',
  'secret',
  'token',
  'code',
  'cookie',
  'authorization',
  'clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  '*.code',
  '*.cookie',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.id_token',
  '*.refresh_token',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}
