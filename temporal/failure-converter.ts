// Plain JavaScript on purpose: the SDK `require`s this module by path in every worker and client
// (DataConverter.failureConverterPath), also where no TypeScript loader runs (vitest, Node 20), and
// webpack aliases it into the workflow bundle. No types, no imports of the project's own modules.
import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into a payload (`encodedAttributes`) that the payload codec
 * encrypts, instead of sitting in clear in the history: an error may quote an email or a name.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
