import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { invitationActions, type InvitationRow } from '../invitation-actions.ts';
import { createInvitation } from '../routes/invitations.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
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

  /** The page, with a refused invitation shown again as it was typed and why. */
  async function render(c: Context<AppEnv>, status: ContentfulStatusCode, refused?: { email: string; orgRole: string; message: string }) {
    const chrome = chromeOf(c, deps.config);
    const invalid = refused ? html`aria-describedby="invite-error" aria-invalid="true"` : '';
    const role = (value: string, label: string) => html`<option value="${value}" ${refused?.orgRole === value ? 'selected' : ''}>${label}</option>`;
    const body = html`<h1>Invitations</h1>
      <form method="post" action="/admin/invitations">
        ${tokenField(chrome)}
        ${refused ? html`<p class="error" id="invite-error" role="alert">${refused.message}</p>` : ''}
        <div class="fields">
          <label>Email <input type="email" name="email" required maxlength="320" value="${refused?.email ?? ''}" ${invalid} /></label>
          <label>Org role <select name="orgRole">${role('member', 'Member')}${role('org_admin', 'Org admin')}</select></label>
          <button type="submit">Invite</button>
        </div>
      </form>
      <h2>Sent invitations</h2>
      ${invitationTable(chrome, await invitations.list(chrome.member))}`;
    return layout(c, status, 'Invitations', body, chrome);
  }

  app.get('/', (c) => render(c, 200));

  app.post('/', async (c) => {
    try {
      const { email, orgRole } = await formFields(c, deps.config, createInvitation);
      const { created } = await invitations.create(c.get('member')!, email, orgRole);
      const as = orgRole === 'org_admin' ? 'an org admin' : 'a member';
      setNotice(c, deps.config, created ? `${email} is invited as ${as}; the invitation email is on its way.` : `${email} was already invited as ${as}; the invitation stands.`);
      return c.redirect('/admin/invitations', 303);
    } catch (err) {
      // Not an email, already a member, invited with the other role: the form comes back as typed, with why.
      if (!(err instanceof ClientError) || (err.status !== 400 && err.status !== 409)) throw err;
      const typed = new Map(parseUrlEncoded(await c.req.text(), 'The form').map(({ name, value }) => [name, value]));
      return render(c, err.status, { email: typed.get('email') ?? '', orgRole: typed.get('orgRole') ?? '', message: err.message });
    }
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
