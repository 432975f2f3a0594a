import { html } from 'hono/html';
import type { SessionMember } from '../../auth/sessions.ts';
import { memberTimeline } from '../../db/audit.ts';
import type { Sql } from '../../db/client.ts';
import { timelineSentence } from '../../domain/timeline-sentences.ts';
import { when } from './layout.ts';

/** The member's audit events as sentences, newest first (domain/timeline-sentences.ts says which and how). */
export async function memberTimelineSection(sql: Sql, viewer: SessionMember, memberId: string) {
  const [org]: [{ name: string }?] = await sql`select name from organisations where id = ${viewer.orgId}`;
  const context = { orgName: org?.name ?? 'your organisation' };
  const entries = (await memberTimeline(sql, viewer.orgId, memberId)).flatMap((e) => {
    const sentence = timelineSentence(e, context);
    return sentence === null ? [] : [{ at: e.at, sentence }];
  });
  return html`<section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2>
    ${entries.length
      ? html`<ol class="timeline">${entries.map((e) => html`<li>${when(e.at)}: ${e.sentence}</li>`)}</ol>`
      : html`<p>Nothing recorded yet.</p>`}
  </section>`;
}
