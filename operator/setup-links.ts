import { sendSetupLink, SetupEmailNotSent } from '../api/setup/send-setup-link.ts';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { revokeSetupLinksTo, SETUP_LINK_HOURS } from '../db/setup-links.ts';
import { OperatorError, operatorEmail } from './errors.ts';
import { findOrg } from './operations.ts';
import { tellReminders } from './reminders.ts';

/** Emails an IT contact of the org a setup link (making the address an IT contact if needed). */
export async function sendSetupLinkFor(sql: Sql, config: Config, { org: slug, email }: { org: string; email: string }) {
  const org = await findOrg(sql, slug);
  const to = operatorEmail(email);
  try {
    const link = await sendSetupLink({ sql, config }, { org, email: to, actor: 'operator' });
    // An org admin or IT contact sending a link is a reminder recipient already; the operator's link
    // may give an org without either its first recipient, and held reminders go out now.
    const told = link.addedContact ? await tellReminders(config, sql, org) : '';
    return `setup link ${link.id} emailed to ${to} for ${slug}; it works once, for ${SETUP_LINK_HOURS} hours (until ${link.expiresAt.toISOString()})${told}`;
  } catch (err) {
    if (err instanceof SetupEmailNotSent) {
      throw new OperatorError(`${err.message} (SMTP_URL ${config.smtpUrl}): the link was withdrawn; rerun once the mail server answers`, { cause: err });
    }
    throw err;
  }
}

/** Revokes every live setup link the org sent to `email`, ending the setup sessions they started. */
export async function revokeSetupLinksFor(sql: Sql, { org: slug, email }: { org: string; email: string }) {
  const org = await findOrg(sql, slug);
  const revoked = await revokeSetupLinksTo(sql, { orgId: org.id, email: operatorEmail(email), actor: 'operator' });
  if (revoked === 0) throw new OperatorError(`"${slug}" has no live setup link for ${email}`);
  return `revoked ${revoked} setup link${revoked === 1 ? '' : 's'} of ${email} in ${slug}; their setup sessions have ended`;
}
