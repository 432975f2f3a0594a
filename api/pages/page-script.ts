import { COPY_SCRIPT } from './copy-button.ts';
import { DOMAIN_STATUS_SCRIPT } from './domain-status.ts';

/**
 * The pages' one script beside local-time.js: copy buttons (copy-button.ts) and the domains page's
 * live status (domain-status.ts). Same-origin and static, loaded deferred by the layout on every
 * page (each part does nothing where its elements are absent); every page works without it. Each
 * part is a block, so its names stay out of the global scope the pages' scripts share.
 */
export const PAGE_SCRIPT = [COPY_SCRIPT, DOMAIN_STATUS_SCRIPT].map((part) => `{${part}}`).join('\n');

export const PAGE_SCRIPT_PATH = '/page.js';
