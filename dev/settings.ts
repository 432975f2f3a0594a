import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/index.ts';
import { DEFAULT_DEV_DATA_DIR } from '../operator/dev-instance.ts';

const port = (fallback: number) => z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65535).default(fallback);

const schema = z.object({
  /** `auto`: DATABASE_URL, else the default server if it answers, else embedded. `embedded`: always embedded. */
  DEV_DATABASE: z.enum(['auto', 'embedded']).default('auto'),
  DEV_DATABASE_PORT: port(5432),
  DEV_IDP_PORT: port(9000),
  DEV_MAIL_PAGE_PORT: port(8025),
  DEV_TEMPORAL_UI_PORT: port(8233),
  DEV_DATA_DIR: z.string().min(1).default(DEFAULT_DEV_DATA_DIR),
});

export type DevSettings = Readonly<{
  database: 'auto' | 'embedded';
  /** Where the embedded PostgreSQL listens (the default server's port, so the CLI's default URL reaches it). */
  databasePort: number;
  idpPort: number;
  mailPagePort: number;
  temporalUiPort: number;
  /** The state folder: the embedded PostgreSQL's files (pglite/), the Temporal dev server's SQLite file and its payload keys, the dev mail, this instance's record. */
  dataDir: string;
}>;

/** The variables only `npm run dev` reads, parsed like the service's own configuration. */
export function loadDevSettings(env: NodeJS.ProcessEnv): DevSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  const e = parsed.data;
  if (e.DEV_DATABASE === 'embedded' && env.DATABASE_URL) {
    throw new ConfigError(['DEV_DATABASE=embedded and DATABASE_URL are both set: unset one of them']);
  }
  return Object.freeze({
    database: e.DEV_DATABASE,
    databasePort: e.DEV_DATABASE_PORT,
    idpPort: e.DEV_IDP_PORT,
    mailPagePort: e.DEV_MAIL_PAGE_PORT,
    temporalUiPort: e.DEV_TEMPORAL_UI_PORT,
    dataDir: resolve(e.DEV_DATA_DIR),
  });
}
