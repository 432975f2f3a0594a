/** Second step of `npm run build`: bundles the compiled workflows once, so workers start without webpack. */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { builtBundlePath, builtTracedBundlePath, bundleOptions, runsCompiled } from './workflow-code.ts';

if (!runsCompiled) throw new Error('Run this from dist/ after tsc: npm run build');
for (const [traced, path] of [[false, builtBundlePath], [true, builtTracedBundlePath]] as const) {
  const { code } = await bundleWorkflowCode({ ...bundleOptions(traced), logger: new DefaultLogger('WARN') });
  writeFileSync(path, code);
  console.log(`workflow bundle written to ${path}`);
}
