import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { Sql } from '../../db/client.ts';
import { orgSetupLinks, revokeSetupLink, SETUP_LINK_HOURS, type SetupLinkRow } from '../../db/setup-links.ts';
import { emailAddress, MAX_EMAIL_LENGTH } from '../../domain/email.ts';
import { actorName, timelineSentence } from '../../domain/timeline-sentences.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { sendSetupLink, SetupEmailNotSent } from '../setup/send-setup-link.ts';
import { uuidId, validate } from '../validate.ts';
import { chromeOf, formFields } from './form-token.ts';
import { layout, tokenField, when, type Chrome } from './layout.ts';
import { setNotice } from './notice.ts';

/** The audit event types of self-serve setup: what the "Setup activity" list shows (domains: whoever added them, and their verification). */
const SETUP_EVENT_PREFIXES = ['setup_link.%', 'it_contact.%', 'scim_token.%', 'domain.%', 'sso.%'];

async function setupActivity(sql: Sql, orgId: string, orgName: string) {
  const events = await sql<{ at: Date; actor: string; actorName: string | null; type: string; data: Record<string, unknown> }[]>`
    select e.created_at as at, e.actor, coalesce(nullif(m.name, ''), m.email::text) as "actorName", e.type, e.data
    from audit_events e left join members m on e.actor = 'member:' || m.id::text
    where e.org_id = ${orgId} and e.type like any(${SETUP_EVENT_PREFIXES}::text[])
    order by e.created_at desc, e.id desc limit 30`;
  return events.flatMap((e) => {
    const sentence = timelineSentence(e, { orgName });
    return sentence === null ? [] : [{ at: e.at, sentence, by: actorName(e) }];
  });
}

const linkState = (l: SetupLinkRow) => (l.revokedAt ? 'revoked' : l.usedAt ? 'opened' : l.expiresAt.getTime() <= Date.now() ? 'expired' : 'waiting to be opened');

function linkTable(chrome: Chrome, links: SetupLinkRow[]) {
  if (links.length === 0) return html`<p>No setup links sent yet.</p>`;
  return html`<div class="table" tabindex="0" role="region" aria-label="Setup links"><table>
    <thead><tr><th scope="col">IT contact</th><th scope="col">Status</th><th scope="col">Sent</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${links.map(
      (l) => html`<tr><td>${l.email}</td><td>${linkState(l)}</td><td>${when(l.createdAt)}</td><td>${when(l.expiresAt)}</td>
        <td>${l.revokedAt
          ? ''
          : html`<form method="post" action="/admin/setup/links/${l.id}/revoke" class="inline">${tokenField(chrome)}<button type="submit" class="secondary" aria-label="Revoke the setup link of ${l.email}">${l.usedAt ? 'End its session' : 'Revoke'}</button></form>`}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

/** Org admins send setup links to IT contacts, revoke them, and see what was set up and by whom. */
export function setupAdminPage(deps: AppDeps) {
  const { sql, config } = deps;
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const chrome = chromeOf(c, config);
    const [org]: [{ name: string }] = await sql`select name from organisations where id = ${chrome.member.orgId}`;
    const activity = await setupActivity(sql, chrome.member.orgId, org.name);
    const body = html`<h1>Setup</h1>
      <p>A setup link lets an IT contact of ${org.name} verify its domains, connect single sign-on, create the directory (SCIM) token and manage the IT contacts, without an account here. It works once, for ${SETUP_LINK_HOURS} hours. Sending one makes the address an IT contact if it is not one yet.</p>
      <form method="post" action="/admin/setup/links">
        ${tokenField(chrome)}
        <div class="fields">
          <label>IT contact's email <input type="email" name="email" required maxlength="${MAX_EMAIL_LENGTH}" /></label>
          <button type="submit">Send a setup link</button>
        </div>
      </form>
      <h2>Setup links</h2>
      ${linkTable(chrome, await orgSetupLinks(sql, chrome.member.orgId))}
      <h2>Setup activity</h2>
      ${activity.length
        ? html`<ol class="timeline">${activity.map((e) => html`<li>${when(e.at)}: ${e.sentence} (by ${e.by})</li>`)}</ol>`
        : html`<p>Nothing set up yet.</p>`}`;
    return layout(c, 200, 'Setup', body, chrome);
  });

  app.post('/links', async (c) => {
    const { email } = await formFields(c, config, z.strictObject({ email: emailAddress }));
    const admin = c.get('member')!;
    const [org]: [{ id: string; name: string }] = await sql`select id, name from organisations where id = ${admin.orgId}`;
    try {
      await sendSetupLink(deps, { org, email, actor: `member:${admin.memberId}` });
    } catch (err) {
      if (err instanceof SetupEmailNotSent) throw new ClientError(503, 'email_not_sent', `The setup link email to ${email} could not be sent (the mail server did not answer), so the link was withdrawn. Try again in a few minutes.`);
      throw err;
    }
    setNotice(c, config, `A setup link is on its way to ${email}; it works once, for ${SETUP_LINK_HOURS} hours.`);
    return c.redirect('/admin/setup', 303);
  });

  app.post('/links/:id/revoke', validate('param', z.object({ id: uuidId() })), async (c) => {
    await formFields(c, config, z.strictObject({}));
    const admin = c.get('member')!;
    const revoked = await revokeSetupLink(sql, { orgId: admin.orgId, id: c.req.valid('param').id, actor: `member:${admin.memberId}` });
    if (!revoked) throw new ClientError(404, 'not_found', 'There is no such live setup link in your organisation (it may be revoked already). Reload the page.');
    setNotice(c, config, `The setup link of ${revoked.email} is revoked; it no longer opens, and a setup session it started has ended.`);
    return c.redirect('/admin/setup', 303);
  });
  return app;
}
