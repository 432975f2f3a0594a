import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { addItContact, listItContacts, MAX_IT_CONTACT_NAME, removeItContact } from '../../db/it-contacts.ts';
import { setupActor } from '../../db/setup-sessions.ts';
import { emailAddress, MAX_EMAIL_LENGTH } from '../../domain/email.ts';
import type { AppDeps } from '../context.ts';
import { ClientError } from '../errors.ts';
import { when } from '../pages/layout.ts';
import { setNotice } from '../pages/notice.ts';
import { uuidId, validate } from '../validate.ts';
import { oneLineName } from './fields.ts';
import { setupLayout } from './setup-layout.ts';
import { setupFormFields, setupTokenField, type SetupEnv } from './setup-session.ts';

const newContact = z.strictObject({
  email: emailAddress,
  name: oneLineName(MAX_IT_CONTACT_NAME),
});

/** The organisation's IT contacts: list, add, remove; the last one cannot be removed. */
export function itContactsPage({ sql, config }: AppDeps) {
  const app = new Hono<SetupEnv>();

  app.get('/', async (c) => {
    const { orgId, orgName } = c.get('contact');
    const contacts = await listItContacts(sql, orgId);
    const field = setupTokenField(c, config);
    const body = html`<h1>IT contacts</h1>
      <p>IT contacts receive setup links and are copied on escalating site-access reminders of ${orgName}. At least one remains.</p>
      <div class="table" tabindex="0" role="region" aria-label="IT contacts"><table>
        <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>${contacts.map(
          (contact) => html`<tr><td>${contact.email}</td><td>${contact.name || '—'}</td><td>${when(contact.createdAt)}</td>
            <td>${contacts.length > 1
              ? html`<form method="post" action="/setup/it-contacts/${contact.id}/remove" class="inline">${field}<button type="submit" class="secondary" aria-label="Remove ${contact.email}">Remove</button></form>`
              : 'the last one stays'}</td></tr>`,
        )}</tbody>
      </table></div>
      <h2>Add an IT contact</h2>
      <form method="post" action="/setup/it-contacts">
        ${field}
        <div class="fields">
          <label>Email <input type="email" name="email" required maxlength="${MAX_EMAIL_LENGTH}" /></label>
          <label>Name <input name="name" maxlength="${MAX_IT_CONTACT_NAME}" /></label>
          <button type="submit">Add</button>
        </div>
      </form>`;
    return setupLayout(c, config, 200, 'IT contacts', body);
  });

  app.post('/', async (c) => {
    const { email, name } = await setupFormFields(c, config, newContact);
    const contact = c.get('contact');
    const added = await addItContact(sql, { orgId: contact.orgId, email, name, actor: setupActor(contact.email) });
    setNotice(c, config, added ? `${email} is now an IT contact.` : `${email} was already an IT contact; nothing changed.`);
    return c.redirect('/setup/it-contacts', 303);
  });

  app.post('/:id/remove', validate('param', z.object({ id: uuidId() })), async (c) => {
    await setupFormFields(c, config, z.strictObject({}));
    const contact = c.get('contact');
    const outcome = await removeItContact(sql, { orgId: contact.orgId, id: c.req.valid('param').id, actor: setupActor(contact.email) });
    if (outcome === 'not_found') throw new ClientError(404, 'not_found', 'There is no such IT contact in your organisation (it may have been removed already). Reload the page.');
    if (outcome === 'last_contact') throw new ClientError(409, 'last_it_contact', 'This is the last IT contact of your organisation; add another one before removing it.');
    setNotice(c, config, 'The IT contact is removed.');
    return c.redirect('/setup/it-contacts', 303);
  });
  return app;
}
