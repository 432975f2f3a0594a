import { sendLoggedEmail } from '../../activities/email.ts';
import type { Config } from '../../config/index.ts';
import type { Sql } from '../../db/client.ts';
import { createSetupLink, revokeSetupLink, SETUP_LINK_HOURS, type SentSetupLink } from '../../db/setup-links.ts';
import { formatUtc } from '../../domain/reminder-email.ts';
import { createMailer } from '../../worker/mailer.ts';

/** The link's email could not be handed to the mail server; the link was revoked again. */
export class SetupEmailNotSent extends Error {
  override name = 'SetupEmailNotSent';
}

/** Where a link is opened: GET shows a confirm page, its POST consumes the token. In the query, which the request log never writes. */
export function setupLinkUrl(publicUrl: URL, token: string): string {
  const url = new URL('/setup/open', publicUrl);
  url.searchParams.set('token', token);
  return url.href;
}

/**
 * Creates a setup link and emails it at once, from the request that asked for it. The token is
 * stored hashed, so this is the only moment it exists in clear: handing it to a workflow would write
 * it into Temporal's history. If the mail server does not take it, the link is revoked (an unusable
 * live link helps nobody) and the caller says so; sending again makes a new link.
 */
export async function sendSetupLink(
  { sql, config }: { sql: Sql; config: Config },
  { org, email, actor }: { org: { id: string; name: string }; email: string; actor: string },
): Promise<SentSetupLink> {
  const link = await createSetupLink(sql, { orgId: org.id, email, actor });
  const url = setupLinkUrl(config.publicUrl, link.token);
  try {
    await sendLoggedEmail(sql, createMailer(config.smtpUrl, config.mailFrom), {
      idempotencyKey: `setup-link/${link.id}`,
      orgId: org.id,
      kind: 'setup_link',
      to: [email],
      subject: `Set up single sign-on and directory sync for ${org.name}`,
      text: [
        `You are an IT contact of ${org.name}. This link opens its setup pages, where you can connect single sign-on (OIDC), create the directory (SCIM) token for Okta or Microsoft Entra ID and manage ${org.name}'s IT contacts:`,
        '',
        url,
        '',
        `The link works once and until ${formatUtc(link.expiresAt.toISOString())} (${SETUP_LINK_HOURS} hours). If it has expired or was already used, ask an admin of ${org.name} for a new one.`,
      ].join('\n'),
    });
  } catch (cause) {
    await revokeSetupLink(sql, { orgId: org.id, id: link.id, actor: 'system' });
    throw new SetupEmailNotSent(`the mail server did not take the setup link email to ${email}`, { cause });
  }
  return link;
}
