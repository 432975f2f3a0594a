import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createLogger } from '../config/logger.ts';
import { failureConverterPath } from '../temporal/data-converter.ts';
import { sdkLogger } from './sdk-logger.ts';
import { workflowInterceptorModules } from './tracing.ts';

// tsc keeps the layout and turns each .ts into .js: a .js module here is the build in dist/.
export const runsCompiled = import.meta.url.endsWith('.js');

/** The workflows' entry module beside this one: the sources under tsx, their compiled JavaScript in dist/. */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${runsCompiled ? 'js' : 'ts'}`, import.meta.url));

/** dist/workflow-bundle.js, written by `npm run build` beside the compiled worker. */
export const builtBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** dist/workflow-bundle-traced.js: the same workflows with the OpenTelemetry workflow interceptors. */
export const builtTracedBundlePath = fileURLToPath(new URL('../workflow-bundle-traced.js', import.meta.url));

/**
 * What a bundle is built with. The OpenTelemetry workflow interceptors go in only when the worker
 * traces: bundled into every worker they held memory in the workflow thread until it ran out
 * (JS heap out of memory after about 1,800 sign-ins in the cluster scenario, with tracing off).
 */
export const bundleOptions = (traced: boolean) => ({ workflowsPath, failureConverterPath, ...(traced ? { workflowInterceptorModules } : {}) });

/**
 * A compiled worker loads the bundle built with it; from source (dev, start:worker) it bundles at
 * start. The bundler reports its webpack table at info level: only its warnings and errors reach
 * `log`, and one line says the bundle is built.
 */
export async function workflowCode(log: Logger = createLogger('info'), traced = false): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (runsCompiled) return { workflowBundle: { codePath: traced ? builtTracedBundlePath : builtBundlePath } };
  const started = performance.now();
  const { code } = await bundleWorkflowCode({ ...bundleOptions(traced), logger: sdkLogger(log.child({ component: 'workflow-bundler' }, { level: 'warn' })) });
  log.info({ ms: Math.round(performance.now() - started), sizeMB: Number((code.length / 2 ** 20).toFixed(1)) }, 'workflow bundle built');
  return { workflowBundle: { code } };
}
