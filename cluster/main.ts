/** `npm run cluster`: the production topology on this machine until Ctrl-C (after `npm run build`). */
import { startCluster } from './start.ts';

const cluster = await startCluster();
console.log(`cluster up: ${cluster.url} (apis ${cluster.apiUrls.join(', ')}), Temporal ${cluster.temporalAddress}, database ${cluster.databaseUrl}`);
console.log(`IdP ${cluster.idp.issuer}, SMTP sink ${cluster.smtp.url}; logs in ${cluster.dir}; Ctrl-C stops it`);
const stop = () => void cluster.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
