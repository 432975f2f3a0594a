import type { ScimClient } from '../../db/scim-tokens.ts';
import type { AppEnv } from '../context.ts';

export interface ScimEnv {
  Variables: AppEnv['Variables'] & { scim: ScimClient };
}
