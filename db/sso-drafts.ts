import type { IdTokenClaims } from '../domain/sign-in.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { replaceLiveConnection } from './sso-connections.ts';

/** The claims a test sign-in keeps: what the result page shows and what JIT decides by. */
export type TestClaims = Pick<IdTokenClaims, 'iss' | 'sub'> & { email?: string; email_verified?: boolean | string; xms_edov?: boolean; name?: string };

export type TestOutcome = { succeeded: TestClaims } | { failed: string };

export interface SsoDraft {
  id: string;
  orgId: string;
  orgSlug: string;
  issuer: string;
  clientId: string;
  sealedSecret: string;
  savedBy: string;
  savedAt: Date;
  testedAt: Date | null;
  testedBy: string | null;
  testOutcome: 'succeeded' | 'failed' | null;
  testClaims: TestClaims | null;
  testFailure: string | null;
}

const MAX_CLAIM_LENGTH = 2048;
const MAX_ASSERTED_LENGTH = 64;
/** Longer failure texts are cut: they come partly from the IdP's answer. */
const MAX_TEST_FAILURE_LENGTH = 500;

/** Only the claims JIT reads, with their types checked; other claims and other types are not kept. */
export function testClaimsOf(claims: IdTokenClaims): TestClaims {
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_CLAIM_LENGTH) : undefined);
  const flag = (value: unknown) => (typeof value === 'boolean' ? value : undefined);
  // Sent but no boolean (such as the string "true"): sign-in takes it as not verified, and then never
  // falls back to Entra's xms_edov; kept as its JSON text, so the verdict and the page say the same.
  const asserted = (value: unknown) => (value === undefined || typeof value === 'boolean' ? value : JSON.stringify(value).slice(0, MAX_ASSERTED_LENGTH));
  const kept = { iss: claims.iss.slice(0, MAX_CLAIM_LENGTH), sub: claims.sub.slice(0, MAX_CLAIM_LENGTH), email: text(claims.email), email_verified: asserted(claims.email_verified), xms_edov: flag(claims.xms_edov), name: text(claims.name) };
  return Object.fromEntries(Object.entries(kept).filter(([, v]) => v !== undefined)) as TestClaims;
}

const selectDraft = (sql: Queryable) => sql`
  select d.id, d.org_id as "orgId", o.slug as "orgSlug", d.issuer, d.client_id as "clientId", d.client_secret_encrypted as "sealedSecret",
    d.saved_by as "savedBy", d.saved_at as "savedAt", d.tested_at as "testedAt", d.tested_by as "testedBy",
    d.test_outcome as "testOutcome", d.test_claims as "testClaims", d.test_failure as "testFailure"
  from sso_connection_drafts d join organisations o on o.id = d.org_id`;

/** `lock`: the row is held until the transaction ends, so a test result recorded meanwhile is seen, not overtaken. */
export async function draftOfOrg(sql: Queryable, orgId: string, { lock = false } = {}): Promise<SsoDraft | undefined> {
  const [draft]: [SsoDraft?] = await sql`${selectDraft(sql)} where d.org_id = ${orgId} ${lock ? sql`for update of d` : sql``}`;
  return draft;
}

export async function draftById(sql: Queryable, id: string): Promise<SsoDraft | undefined> {
  const [draft]: [SsoDraft?] = await sql`${selectDraft(sql)} where d.id = ${id}`;
  return draft;
}

/** Saves, activations and discards of one organisation take turns on its row. */
const lockOrg = (sql: Queryable, orgId: string) => sql`select 1 from organisations where id = ${orgId} for update`;

/**
 * Replaces the organisation's draft with a new row (a new id, untested): a test result never
 * outlives the settings it tested, and attempts started for the old draft go with it.
 */
export async function saveDraft(sql: Sql, draft: { orgId: string; issuer: string; clientId: string; sealedSecret: string; actor: string }): Promise<void> {
  await sql.begin(async (tx) => {
    await lockOrg(tx, draft.orgId);
    await tx`delete from sso_connection_drafts where org_id = ${draft.orgId}`;
    await tx`
      insert into sso_connection_drafts (org_id, issuer, client_id, client_secret_encrypted, saved_by)
      values (${draft.orgId}, ${draft.issuer}, ${draft.clientId}, ${draft.sealedSecret}, ${draft.actor})`;
    await insertAuditEvent(tx, { orgId: draft.orgId, memberId: null, actor: draft.actor, type: 'sso.draft_saved', data: { issuer: draft.issuer, clientId: draft.clientId } });
  });
}

/**
 * The latest test decides: a success keeps its claims, a failure its reason and makes the draft
 * untested again. False when the draft was replaced or discarded meanwhile (nothing recorded).
 */
export async function recordTestResult(sql: Sql, { draftId, actor, outcome }: { draftId: string; actor: string; outcome: TestOutcome }): Promise<boolean> {
  return sql.begin(async (tx) => {
    const succeeded = 'succeeded' in outcome ? outcome.succeeded : null;
    const failed = 'failed' in outcome ? outcome.failed.slice(0, MAX_TEST_FAILURE_LENGTH) : null;
    const [draft]: [{ orgId: string; issuer: string }?] = await tx`
      update sso_connection_drafts set tested_at = now(), tested_by = ${actor}, test_outcome = ${succeeded ? 'succeeded' : 'failed'},
        test_claims = ${succeeded ? tx.json(succeeded as never) : null}, test_failure = ${failed}
      where id = ${draftId} returning org_id as "orgId", issuer`;
    if (!draft) return false;
    await insertAuditEvent(tx, {
      orgId: draft.orgId,
      memberId: null,
      actor,
      type: succeeded ? 'sso.test_succeeded' : 'sso.test_failed',
      data: succeeded ? { issuer: draft.issuer, sub: succeeded.sub, email: succeeded.email ?? null } : { issuer: draft.issuer, reason: failed },
    });
    return true;
  });
}

export type ActivationOutcome = 'activated' | 'no_draft' | 'replaced' | 'untested';

/**
 * Makes the draft `draftId` live, if it is still the organisation's draft and its latest test
 * succeeded: one transaction replaces the live connection (keeping its id), removes the draft and
 * records who did it. Until then the live connection is untouched.
 */
export async function activateDraft(sql: Sql, { orgId, draftId, actor }: { orgId: string; draftId: string; actor: string }): Promise<ActivationOutcome> {
  return sql.begin(async (tx) => {
    await lockOrg(tx, orgId);
    const draft = await draftOfOrg(tx, orgId, { lock: true });
    if (!draft) return 'no_draft';
    if (draft.id !== draftId) return 'replaced';
    if (draft.testOutcome !== 'succeeded') return 'untested';
    await replaceLiveConnection(tx, { orgId, issuer: draft.issuer, clientId: draft.clientId, sealedSecret: draft.sealedSecret });
    await tx`delete from sso_connection_drafts where id = ${draft.id}`;
    await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'sso.configured', data: { issuer: draft.issuer, clientId: draft.clientId, testedAs: draft.testClaims?.email ?? null } });
    return 'activated';
  });
}

export async function discardDraft(sql: Sql, { orgId, draftId, actor }: { orgId: string; draftId: string; actor: string }): Promise<'discarded' | 'no_draft' | 'replaced'> {
  return sql.begin(async (tx) => {
    await lockOrg(tx, orgId);
    const draft = await draftOfOrg(tx, orgId);
    if (!draft) return 'no_draft';
    if (draft.id !== draftId) return 'replaced';
    await tx`delete from sso_connection_drafts where id = ${draft.id}`;
    await insertAuditEvent(tx, { orgId, memberId: null, actor, type: 'sso.draft_discarded', data: { issuer: draft.issuer } });
    return 'discarded';
  });
}
