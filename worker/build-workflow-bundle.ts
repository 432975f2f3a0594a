/** Second step of `npm run build`: bundles the compiled workflows once, so workers start without webpack. */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { failureConverterPath } from '../temporal/data-converter.ts';
import { workflowInterceptorModules } from './tracing.ts';
import { builtBundlePath, runsCompiled, workflowsPath } from './workflow-code.ts';

if (!runsCompiled) throw new Error('Run this from dist/ after tsc: npm run build');
const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, failureConverterPath, logger: new DefaultLogger('WARN') });
writeFileSync(builtBundlePath, code);
console.log(`workflow bundle written to ${builtBundlePath}`);
