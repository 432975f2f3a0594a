import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodecApp } from '../codec-server/app.ts';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { createLogger } from '../config/logger.ts';
import { freePort } from '../dev/ports.ts';
import { resolveTemporalCli, type TemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer, type DevServer } from '../dev/temporal-server.ts';
import { memberWorkflowId, type MemberLifecycleInput } from '../workflows/definitions.ts';
import type { memberLifecycleWorkflow } from '../workflows/member-lifecycle.ts';
import { EncryptionCodec, formatPayloadKeys } from '../temporal/payload-codec.ts';
import { launchChromium, screenshot } from './support/chromium.ts';

/**
 * The operator's view: the dev server's Temporal UI, pointed at the codec server (as `npm run dev`
 * starts them), shows a workflow input that the client encrypted; without the codec server it shows
 * only ciphertext; `temporal workflow show` decodes with an operator's token. No worker runs: the
 * input is read from the start event.
 */
const keys = [{ id: 'ui-test', key: randomBytes(32) }];
const input: MemberLifecycleInput = { orgId: randomUUID(), orgSlug: 'acme', memberId: randomUUID(), emailHash: randomBytes(32).toString('hex'), source: 'jit', waitingSince: null };
const ENCRYPTED = `"encoding": "${Buffer.from('binary/encrypted').toString('base64')}"`;
const TOKEN = randomBytes(32).toString('base64url');

let cli: TemporalCli;
let temporal: DevServer;
let codecServer: ServerType;
let connection: Connection;
let browser: Browser;
let page: Page;
let workflowPage: string;
let workflowId: string;
let codecUrl: string;

function startCodecServer(port: number, uiOrigin: string): ServerType {
  // What npm run dev runs: development, bound to loopback, so the dev UI may decode without a token.
  const config = loadCodecServerConfig({
    APP_ENV: 'development',
    PAYLOAD_KEYS: formatPayloadKeys(keys),
    CODEC_SERVER_HOST: '127.0.0.1',
    CODEC_SERVER_UI_ORIGIN: uiOrigin,
    CODEC_SERVER_TOKENS: TOKEN,
  });
  return serve({ fetch: createCodecApp(config, createLogger('silent')).fetch, hostname: config.host, port });
}

beforeAll(async () => {
  const [uiPort, codecPort] = [await freePort(), await freePort()];
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  codecUrl = `http://127.0.0.1:${codecPort}`;
  codecServer = startCodecServer(codecPort, uiUrl);
  cli = await resolveTemporalCli();
  [temporal, browser] = await Promise.all([startTemporalDevServer({ cli, namespace: 'default', uiPort, uiCodecEndpoint: codecUrl }), launchChromium()]);
  connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, dataConverter: { payloadCodecs: [new EncryptionCodec(keys)] } });
  workflowId = memberWorkflowId(input.orgSlug, input.memberId);
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
    await page.getByText(`"emailHash": "${input.emailHash}"`).waitFor({ timeout: 20_000 });
    await screenshot(page, 'codec-server-ui-decoded');
    expect(await bodyText()).not.toContain(ENCRYPTED);
  });

  it('temporal workflow show decodes with an operator token (--codec-auth), and not without one', async () => {
    if (cli.kind !== 'binary') return;
    const { path } = cli;
    const show = (...codecArgs: string[]) =>
      promisify(execFile)(path, ['workflow', 'show', '-w', workflowId, '--address', temporal.address, '--output', 'json', '--codec-endpoint', codecUrl, '--command-timeout', '3s', ...codecArgs], {
        timeout: 10_000,
      }).then(
        ({ stdout }) => stdout,
        (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
      );
    // JSON output keeps payload data in base64: what the codec server answered, or the ciphertext.
    const payloadData = (output: string) => [...output.matchAll(/"data": "([^"]+)"/g)].map(([, data]) => Buffer.from(data!, 'base64').toString()).join('\n');
    expect(payloadData(await show('--codec-auth', `Bearer ${TOKEN}`))).toContain(`"emailHash":"${input.emailHash}"`);
    expect(payloadData(await show('--codec-auth', 'Bearer wrong-token-of-some-operator-0123456789'))).not.toContain(input.emailHash);
    expect(payloadData(await show())).not.toContain(input.emailHash);
  });

  it('shows only ciphertext once the codec server is gone', async () => {
    await new Promise<void>((resolve) => {
      codecServer.close(() => resolve());
      if ('closeAllConnections' in codecServer) codecServer.closeAllConnections();
    });
    await page.reload();
    await page.getByText(ENCRYPTED).waitFor({ timeout: 20_000 });
    await screenshot(page, 'codec-server-ui-encrypted');
    expect(await bodyText()).not.toContain(input.emailHash);
  });
});
