/**
 * `npm run bench:scim`: sustained SCIM writes per second over real HTTP against the dev target
 * (real Temporal dev server, worker and api processes, fresh PostgreSQL database). Four phases,
 * each BENCH_SCIM_N requests with BENCH_SCIM_CONCURRENCY in flight: creates (member, link,
 * signal-with-start of the lifecycle), deactivations (PATCH active false: a signal each), profile
 * PUTs (no signal) and deletes (a signal each).
 */
import { createSql } from '../db/client.ts';
import { uniqueSlug } from '../test/support/fixtures.ts';
import { scimWrites } from './scim.ts';
import { ms, percentile, type Measured } from './stats.ts';
import { startDevTarget } from './target.ts';

const N = Number(process.env.BENCH_SCIM_N ?? 300);
const CONCURRENCY = Number(process.env.BENCH_SCIM_CONCURRENCY ?? 8);

const show = (name: string, { perSecond, times }: Measured) =>
  console.log(`${name.padEnd(34)} ${perSecond.toFixed(1).padStart(7)} writes/s   p50 ${ms(percentile(times, 50)).padStart(7)}   p99 ${ms(percentile(times, 99)).padStart(7)}`);

const target = await startDevTarget({ smtpLatencyMs: 0 });
const sql = createSql(target.databaseUrl);
try {
  const scim = await scimWrites(sql, target.apiUrl, uniqueSlug('scim'), { n: N, concurrency: CONCURRENCY });
  console.log(`\nN = ${N} requests per phase, ${CONCURRENCY} in flight, over HTTP on this machine\n`);
  show('POST /Users (create + start)', await scim.create());
  show('PATCH active=false (signal)', await scim.deactivate());
  show('PUT profile change (no signal)', await scim.replaceProfile());
  show('DELETE /Users/{id} (signal)', await scim.remove());
} finally {
  await sql.end();
  await target.stop();
}
