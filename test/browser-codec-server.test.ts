import { randomBytes, randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodecApp } from '../codec-server/app.ts';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { createLogger } from '../config/logger.ts';
import { freePort } from '../dev/ports.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { memberWorkflowId, type MemberLifecycleInput } from '../workflows/definitions.ts';
import type { memberLifecycleWorkflow } from '../workflows/member-lifecycle.ts';
import { EncryptionCodec, formatPayloadKeys } from '../temporal/payload-codec.ts';
import { launchChromium, screenshot } from './support/chromium.ts';

/**
 * The operator's view: the dev server's Temporal UI, pointed at the codec server (as `npm run dev`
 * starts them), shows a workflow input that the client encrypted; without the codec server it shows
 * only ciphertext. No worker runs: the UI reads the input from the start event.
 */
const keys = [{ id: 'ui-test', key: randomBytes(32) }];
const input: MemberLifecycleInput = { orgSlug: 'acme', memberId: randomUUID(), email: 'ada.lovelace@acme.example', source: 'jit', waitingSince: null };
const ENCRYPTED = `"encoding": "${Buffer.from('binary/encrypted').toString('base64')}"`;

let temporal: DevServer;
let codecServer: ServerType;
let connection: Connection;
let browser: Browser;
let page: Page;
let workflowPage: string;

function startCodecServer(port: number, uiOrigin: string): ServerType {
  // What npm run dev runs: development, bound to loopback, so the dev UI may decode without a token.
  const config = loadCodecServerConfig({ APP_ENV: 'development', PAYLOAD_KEYS: formatPayloadKeys(keys), CODEC_SERVER_HOST: '127.0.0.1', CODEC_SERVER_UI_ORIGIN: uiOrigin });
  return serve({ fetch: createCodecApp(config, createLogger('silent')).fetch, hostname: config.host, port });
}

beforeAll(async () => {
  const [uiPort, codecPort] = [await freePort(), await freePort()];
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  codecServer = startCodecServer(codecPort, uiUrl);
  [temporal, browser] = await Promise.all([
    resolveTemporalCli().then((cli) => startTemporalDevServer({ cli, namespace: 'default', uiPort, uiCodecEndpoint: `http://127.0.0.1:${codecPort}` })),
    launchChromium(),
  ]);
  connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, dataConverter: { payloadCodecs: [new EncryptionCodec(keys)] } });
  const workflowId = memberWorkflowId(input.orgSlug, input.memberId);
  const handle = await client.workflow.start<typeof memberLifecycleWorkflow>('memberLifecycleWorkflow', { args: [input], taskQueue: 'no-worker', workflowId });
  workflowPage = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${handle.firstExecutionRunId}/history`;
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  codecServer?.close();
  await temporal?.stop();
});

const bodyText = () => page.locator('body').innerText();

describe('Temporal UI with the codec server', () => {
  it('shows the decrypted workflow input', async () => {
    await page.goto(workflowPage);
    await page.getByText(`"email": "${input.email}"`).waitFor({ timeout: 20_000 });
    await screenshot(page, 'codec-server-ui-decoded');
    expect(await bodyText()).not.toContain(ENCRYPTED);
  });

  it('shows only ciphertext once the codec server is gone', async () => {
    await new Promise<void>((resolve) => {
      codecServer.close(() => resolve());
      if ('closeAllConnections' in codecServer) codecServer.closeAllConnections();
    });
    await page.reload();
    await page.getByText(ENCRYPTED).waitFor({ timeout: 20_000 });
    await screenshot(page, 'codec-server-ui-encrypted');
    expect(await bodyText()).not.toContain(input.email);
  });
});
