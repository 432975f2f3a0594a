import { loadConfig } from '../config/index.ts';
import { migrate } from './migrate.ts';

const config = loadConfig();
const applied = await migrate(config.databaseUrl);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
