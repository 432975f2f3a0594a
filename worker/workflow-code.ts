import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

// tsc keeps the layout and turns each .ts into .js: a .js module here is the build in dist/.
export const runsCompiled = import.meta.url.endsWith('.js');

/** The workflows' entry module beside this one: the sources under tsx, their compiled JavaScript in dist/. */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${runsCompiled ? 'js' : 'ts'}`, import.meta.url));

/** dist/workflow-bundle.js, written by `npm run build` beside the compiled worker. */
export const builtBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** A compiled worker loads the bundle built with it; from source (dev, start:worker) it bundles at start. */
export const workflowCode = (): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =>
  runsCompiled ? { workflowBundle: { codePath: builtBundlePath } } : { workflowsPath };
