import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { invitationActions, type InvitationRow } from '../invitation-actions.ts';
import { createInvitation } from '../routes/invitations.ts';
import { uuidId, validate } from '../validate.ts';
import { chromeOf, formFields } from './form-token.ts';
import { layout, tokenField, when, type Chrome } from './layout.ts';
import { setNotice } from './notice.ts';

/** When it was accepted; when a pending one runs out; a revoked one has neither. */
const invitationDate = (i: InvitationRow) => (i.acceptedAt ? html`accepted ${when(i.acceptedAt)}` : i.status === 'revoked' ? '—' : html`expires ${when(i.expiresAt)}`);

function invitationTable(chrome: Chrome, rows: InvitationRow[]) {
  if (rows.length === 0) return html`<p>No invitations yet.</p>`;
  return html`<div class="table" tabindex="0" role="region" aria-label="Invitations"><table>
    <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">When</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${rows.map(
      (i) => html`<tr><td>${i.email}</td><td>${i.orgRole === 'org_admin' ? 'org admin' : 'member'}</td><td>${i.status}</td><td>${invitationDate(i)}</td>
        <td>${i.status === 'pending'
          ? html`<form method="post" action="/admin/invitations/${i.id}/revoke" class="inline">${tokenField(chrome)}<button type="submit" class="secondary" aria-label="Revoke the invitation of ${i.email}">Revoke</button></form>`
          : ''}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

/** Invite (email, role), see every invitation with its status, revoke a pending one. */
export function invitationsPage(deps: AppDeps) {
  const invitations = invitationActions(deps);
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const chrome = chromeOf(c, deps.config);
    const body = html`<h1>Invitations</h1>
      <form method="post" action="/admin/invitations">
        ${tokenField(chrome)}
        <div class="fields">
          <label>Email <input type="email" name="email" required maxlength="320" /></label>
          <label>Org role <select name="orgRole"><option value="member">Member</option><option value="org_admin">Org admin</option></select></label>
          <button type="submit">Invite</button>
        </div>
      </form>
      <h2>Sent invitations</h2>
      ${invitationTable(chrome, await invitations.list(chrome.member))}`;
    return layout(c, 200, 'Invitations', body, chrome);
  });

  app.post('/', async (c) => {
    const { email, orgRole } = await formFields(c, deps.config, createInvitation);
    const { created } = await invitations.create(c.get('member')!, email, orgRole);
    const as = orgRole === 'org_admin' ? 'an org admin' : 'a member';
    setNotice(c, deps.config, created ? `${email} is invited as ${as}; the invitation email is on its way.` : `${email} was already invited as ${as}; the invitation stands.`);
    return c.redirect('/admin/invitations', 303);
  });

  app.post('/:id/revoke', validate('param', z.object({ id: uuidId() })), async (c) => {
    await formFields(c, deps.config, z.strictObject({}));
    const admin = c.get('member')!;
    const { id } = c.req.valid('param');
    await invitations.revoke(admin, id);
    const [invitation]: [{ email: string }?] = await deps.sql`select email from invitations where id = ${id} and org_id = ${admin.orgId}`;
    setNotice(c, deps.config, `The invitation of ${invitation?.email ?? 'that person'} is revoked; its link no longer works.`);
    return c.redirect('/admin/invitations', 303);
  });
  return app;
}
