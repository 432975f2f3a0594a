import { COPY_SCRIPT } from './copy-button.ts';
import { DOMAIN_STATUS_SCRIPT } from './domain-status.ts';
import { SUBMIT_ONCE_SCRIPT } from './submit-once.ts';

/**
 * The pages' one script beside local-time.js: copy buttons (copy-button.ts), the domains page's
 * live status (domain-status.ts) and forms that post once (submit-once.ts). Same-origin and
 * static, loaded deferred by the layout on every page (each part does nothing where its elements
 * are absent); every page works without it. Each part is a block, so its names stay out of the
 * global scope the pages' scripts share.
 */
export const PAGE_SCRIPT = [COPY_SCRIPT, DOMAIN_STATUS_SCRIPT, SUBMIT_ONCE_SCRIPT].map((part) => `{${part}}`).join('\n');

export const PAGE_SCRIPT_PATH = '/page.js';
