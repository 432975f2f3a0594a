/**
 * The codec server: decodes (and encodes) this service's encrypted Temporal payloads for operators,
 * through the Temporal UI and `temporal ... --codec-endpoint` (docs/codec-server.md).
 */
import { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createLogger } from '../config/logger.ts';
import { closeServer } from '../api/shutdown.ts';
import { createCodecApp } from './app.ts';
import { loadCodecServerConfig } from './config.ts';
import { formatRequiredClaim } from './required-claim.ts';

const config = loadCodecServerConfig();
const log = createLogger(config.logLevel).child({ component: 'codec-server' });
const app = createCodecApp(config, log);

const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  log.info(
    {
      host: config.host,
      port: info.port,
      uiOrigins: config.uiOrigins,
      tokens: config.tokens.length,
      ...(config.oidc ? { oidcIssuer: config.oidc.issuer.href, oidcAudience: config.oidc.audience, requiredClaim: config.oidc.requiredClaim && formatRequiredClaim(config.oidc.requiredClaim) } : {}),
      devUiWithoutToken: config.devUiWithoutToken,
    },
    'codec server listening',
  );
});
if (server instanceof Server) {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
}

async function shutdown(signal: NodeJS.Signals) {
  log.info({ signal }, 'codec server stopping');
  await closeServer(server, 5_000);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
