import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from '../config/index.ts';
import { createSql } from '../db/client.ts';
import { formatDirectoryEvents, listDirectoryEvents, retryDirectoryEvents } from '../operator/directory-events.ts';
import { connectionFailure, databaseHost } from '../operator/database-connection.ts';
import { listDomains, verifyDomainByDns } from '../operator/domains.ts';
import { OperatorError } from '../operator/errors.ts';
import { formatMemberWorkflowQuery, memberWorkflowQuery } from '../operator/find-member.ts';
import { queueInvitationEmail } from '../operator/invitation-email.ts';
import * as ops from '../operator/operations.ts';
import { tellReminders } from '../operator/reminders.ts';
import * as scimTokens from '../operator/scim-tokens.ts';
import { revokeSetupLinksFor, sendSetupLinkFor } from '../operator/setup-links.ts';
import { cliEnvironment } from './environment.ts';

const help = `Operator CLI: npm run cli -- <command> [arguments]

  org create <slug> --name "<name>"          create an organisation
  org list                                    organisations, domains, issuer, member count
  domain add <org> <domain>                   verify a domain for an org as the operator, without
                                              DNS (a domain is verified for one org at most)
  domain verify <org> <domain>                verify by DNS: prints the TXT record to create; the
                                              check runs in Temporal (again: checks now, or
                                              restarts a failed one)
  domain list <org>                           the org's domains: status, how verified, last check
  domain remove <org> <domain>                stop treating a domain as the org's
  sso set <org> --issuer <url> --client-id <id> [--scope <extra>]...
                                              configure the org's OIDC connection; the client
                                              secret is read from OIDC_CLIENT_SECRET or stdin,
                                              never from arguments, and is stored encrypted
  admin grant <org> <email>                   make a member org admin, or invite them as one
                                              (the invitation email goes through Temporal:
                                              TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE)
  member reset-identity <org> <email>         unlink the member's sign-in identities and end their
                                              sessions: their next SSO sign-in links by email again
                                              (for a recreated IdP account)
  site add <org> "<name>"                     add a site
  it-contact add <org> <email> [--name "<name>"]
                                              add an IT contact (reached by later reminders)
  setup-link send <org> <email>               email an IT contact (added as one if needed) a setup
                                              link to the org's setup pages: single use, 24 hours
                                              (SMTP_URL, MAIL_FROM, PUBLIC_URL)
  setup-link revoke <org> <email>             revoke the live setup links sent to that address and
                                              end the setup sessions they started
  scim-token create <org>                     the org's SCIM bearer token for its directory
                                              (Okta, Entra); printed once, stored hashed
  scim-token rotate <org>                     a new token; the old one stops working at once
  scim-token revoke <org>                     the directory can no longer call the SCIM api
  scim-token list [<org>]                     tokens with created, last used and revoked times
                                              and the name given on the setup pages
  directory events [<org>] [--parked]         directory changes not yet applied to members (the
                                              backstop delivers them every 5 minutes), with their
                                              failed attempts; --parked: only those it gave up on
  directory retry <org> [<email>]             the backstop tries parked events again (one member's,
                                              or all of the org's) at its next run
  workflows find-member --email <email>       the query that finds the member's lifecycle in the
                                              Temporal UI or \`temporal workflow list --query\`
                                              (MemberEmailHash, a keyed hash: emails are never in
                                              search attributes), and its workflow id
`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new OperatorError(`missing ${what}\n\n${help}`);
  return value;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      scope: { type: 'string', multiple: true },
      parked: { type: 'boolean' },
      email: { type: 'string' },
    },
  });
  const [group, action, a, b] = positionals;
  if (values.help || !group) return help;

  const config = loadConfig(env);
  const sql = createSql(config.databaseUrl, { max: 2 });
  try {
    switch (`${group} ${action}`) {
      case 'org create': {
        const org = await ops.createOrg(sql, { slug: need(a, '<slug>'), name: values.name ?? need(a, '<slug>') });
        return `created organisation ${org.slug} (${org.id})`;
      }
      case 'org list':
        return (await ops.listOrgs(sql))
          .map((o) => `${o.slug}\t${o.name}\tdomains=${o.domains.join(',') || '-'}\tissuer=${o.issuer ?? '-'}\tmembers=${o.members}`)
          .join('\n') || 'no organisations';
      case 'domain add':
        await ops.addDomain(sql, { org: need(a, '<org>'), domain: need(b, '<domain>') });
        return `verified ${b} for ${a}`;
      case 'domain verify':
        return await verifyDomainByDns(sql, config, { org: need(a, '<org>'), domain: need(b, '<domain>') });
      case 'domain list':
        return await listDomains(sql, { org: need(a, '<org>') });
      case 'domain remove':
        await ops.removeDomain(sql, { org: need(a, '<org>'), domain: need(b, '<domain>') });
        return `removed ${b} from ${a}`;
      case 'sso set':
        await ops.configureSso(sql, config, {
          org: need(a, '<org>'),
          issuer: need(values.issuer, '--issuer'),
          clientId: need(values['client-id'], '--client-id'),
          clientSecret: process.env.OIDC_CLIENT_SECRET ?? (await readStdin()),
          extraScopes: values.scope ?? [],
        });
        return `SSO connection for ${a} saved (issuer ${values.issuer}, client ${values['client-id']}; secret stored encrypted)`;
      case 'admin grant': {
        const result = await ops.makeOrgAdmin(sql, { org: need(a, '<org>'), email: need(b, '<email>') });
        if (result.outcome === 'promoted') return `${b} is now an org admin of ${a}${await tellReminders(config, sql, await ops.findOrg(sql, need(a, '<org>')))}`;
        await queueInvitationEmail(config, result);
        return `${b} is invited as org admin of ${a}; the invitation email is queued and the role applies at their first SSO sign-in`;
      }
      case 'member reset-identity': {
        const unlinked = await ops.resetIdentity(sql, { org: need(a, '<org>'), email: need(b, '<email>') });
        return `unlinked ${unlinked} sign-in identit${unlinked === 1 ? 'y' : 'ies'} of ${b}; their sessions are revoked`;
      }
      case 'site add': {
        const site = await ops.addSite(sql, { org: need(a, '<org>'), name: need(b, '<name>') });
        return `added site "${b}" (${site.id}) to ${a}`;
      }
      case 'it-contact add':
        await ops.addItContact(sql, { org: need(a, '<org>'), email: need(b, '<email>'), name: values.name ?? '' });
        return `added IT contact ${b} to ${a}${await tellReminders(config, sql, await ops.findOrg(sql, need(a, '<org>')))}`;
      case 'setup-link send':
        return await sendSetupLinkFor(sql, config, { org: need(a, '<org>'), email: need(b, '<email>') });
      case 'setup-link revoke':
        return await revokeSetupLinksFor(sql, { org: need(a, '<org>'), email: need(b, '<email>') });
      case 'scim-token create':
      case 'scim-token rotate': {
        const org = need(a, '<org>');
        const made = action === 'create' ? await scimTokens.createScimToken(sql, { org }) : await scimTokens.rotateScimToken(sql, { org });
        return `SCIM token for ${org} (id ${made.id}); shown only now, store it in the directory's provisioning settings:\n${made.token}`;
      }
      case 'scim-token revoke':
        return `revoked SCIM token ${await scimTokens.revokeScimToken(sql, { org: need(a, '<org>') })} of ${a}`;
      case 'scim-token list':
        return (await scimTokens.listScimTokens(sql, a ? { org: a } : {}))
          .map((t) => `${t.org}\t${t.id}\tcreated=${t.createdAt.toISOString()}\tlast-used=${t.lastUsedAt?.toISOString() ?? '-'}\trevoked=${t.revokedAt?.toISOString() ?? '-'}\tname=${t.name || '-'}`)
          .join('\n') || 'no SCIM tokens';
      case 'directory events':
        return formatDirectoryEvents(await listDirectoryEvents(sql, { ...(a ? { org: a } : {}), parked: values.parked ?? false }), values.parked ?? false);
      case 'directory retry': {
        const retried = await retryDirectoryEvents(sql, { org: need(a, '<org>'), ...(b ? { email: b } : {}) });
        return `${retried} parked directory event${retried === 1 ? '' : 's'} of ${a} handed back to the backstop; its next run (within 5 minutes) tries again`;
      }
      case 'workflows find-member': {
        const email = need(values.email, '--email');
        return formatMemberWorkflowQuery(await memberWorkflowQuery(sql, config, email), email);
      }
      default:
        throw new OperatorError(`unknown command "${positionals.join(' ')}"\n\n${help}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const { env, devInstance } = cliEnvironment(process.env);
const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
try {
  if (devInstance) console.error(`using the database of npm run dev (pid ${devInstance.pid}) at ${databaseHost(databaseUrl)}`);
  console.log(await run(process.argv.slice(2), env));
} catch (err) {
  const unreachable = connectionFailure(err);
  if (err instanceof OperatorError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError) {
    console.error(`error: invalid configuration: ${err.issues.join('; ')}`);
    process.exitCode = 2;
  } else if (unreachable) {
    console.error(
      `error: PostgreSQL at ${databaseHost(databaseUrl)} ${unreachable}: start it or set DATABASE_URL (with DATABASE_URL unset, the CLI uses the database of a running npm run dev, found in its state folder DEV_DATA_DIR)`,
    );
    process.exitCode = 2;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}
