/**
 * SCIM Users stored as directory links of members. Each write is one transaction holding the row
 * locks of the link and its member; when the directory's word on the person (state or email)
 * changes, the transaction draws the next `directory_event_seq`, so events of one member are
 * strictly ordered. Status is never written here: the member's lifecycle workflow, told by the
 * caller, decides it.
 *
 * Lock order, in every transaction that touches a member and their directory link: the member's
 * row first, then the link's, then rows hanging off the member (sessions, site assignments,
 * identities); several members in id order. Two writes to one person then queue instead of
 * deadlocking. activities/member-status.ts, activities/provisioning.ts (after a pending invitation),
 * db/site-assignments.ts and auth/identity-links.ts lock the member first and never a link. A
 * serialization failure or deadlock that happens anyway is retried (db/transient-conflicts.ts), and
 * answered 409 if it keeps happening: never a 5xx.
 *
 * Delivery: the request whose write produced an event claims it (`delivery_claimed_at`) and signals
 * the lifecycle after commit. Identical requests meanwhile find nothing to change and a fresh claim,
 * and send nothing: one signal per change. A request whose signal failed gives the claim back, so a
 * retry delivers; a claim older than DELIVERY_CLAIM_STALE (its request crashed) is taken over by a
 * retry or the backstop (dueDirectoryEvents in db/directory-events.ts).
 */
import { decideNewIdentity, emailChangeRefusal } from '../domain/identity-linking.ts';
import type { MemberStatus } from '../domain/member.ts';
import { invalidValue, resourceNotFound, uniqueness } from '../domain/scim/errors.ts';
import type { Filter } from '../domain/scim/filter.ts';
import { memberEmailOf, memberNameOf, type DirectoryState, type StoredUser } from '../domain/scim/mapping.ts';
import type { UserResource } from '../domain/scim/resource.ts';
import type { DirectoryEvent } from '../workflows/definitions.ts';
import { insertAuditEvent } from './audit.ts';
import type { Queryable, Sql } from './client.ts';
import { filterToSql } from './directory-filter.ts';
import { scimWriteTransaction } from './scim-write.ts';
import { isVerifiedDomain } from './verified-domains.ts';

/** The organisation a SCIM token speaks for; `tokenId` is recorded as the actor of its changes. */
export interface DirectoryActor {
  orgId: string;
  orgSlug: string;
  tokenId: string;
}

export interface DirectoryWrite {
  user: StoredUser;
  member: { orgId: string; orgSlug: string; memberId: string; email: string };
  /** For the member's lifecycle: this write's change of state, or an earlier one not yet delivered. */
  event?: DirectoryEvent;
}

interface LinkRow {
  scimId: string;
  memberId: string;
  resource: UserResource;
  directoryState: DirectoryState;
  directorySeq: string;
  directoryChangedAt: Date;
  signalledSeq: string;
  deletedAt: Date | null;
  email: string;
  name: string;
  memberStatus: MemberStatus;
  created: Date;
  lastModified: Date;
}

const linkColumns = (sql: Queryable) => sql`
  l.scim_id as "scimId", l.member_id as "memberId", l.resource, l.directory_state as "directoryState",
  l.directory_seq as "directorySeq", l.directory_changed_at as "directoryChangedAt", l.signalled_seq as "signalledSeq",
  l.deleted_at as "deletedAt", m.email, m.name, m.status as "memberStatus",
  l.created_at as created, greatest(l.updated_at, m.updated_at) as "lastModified"`;

const stateOf = (user: UserResource): DirectoryState => (user.active ? 'active' : 'inactive');
const externalIdOf = (user: UserResource) => (typeof user.externalId === 'string' ? user.externalId : null);

const toStoredUser = (row: LinkRow): StoredUser => ({
  id: row.scimId,
  resource: row.resource,
  directoryState: row.directoryState,
  memberStatus: row.memberStatus,
  created: row.created,
  lastModified: row.lastModified,
});

/** `claimed`: this write holds the delivery of the link's event (see the header); others hand on none. */
function toWrite(actor: DirectoryActor, row: LinkRow, claimed: boolean): DirectoryWrite {
  const seq = Number(row.directorySeq);
  return {
    user: toStoredUser(row),
    member: { orgId: actor.orgId, orgSlug: actor.orgSlug, memberId: row.memberId, email: row.email },
    ...(claimed && seq > Number(row.signalledSeq) ? { event: { state: row.directoryState, seq, at: row.directoryChangedAt.toISOString() } } : {}),
  };
}

/**
 * A claim older than this belongs to a request that crashed or hung: it outlasts the api's signal
 * deadline (5 s, api/scim/users.ts) with room to spare, so a live request is never overtaken.
 */
export const DELIVERY_CLAIM_STALE = '30 seconds';

/** Claims the link's undelivered event unless another request is handing it on; whether this one got it. */
async function claimDelivery(sql: Queryable, memberId: string): Promise<boolean> {
  const claimed = await sql`
    update directory_links set delivery_claimed_at = now()
    where member_id = ${memberId} and directory_seq > signalled_seq
      and (delivery_claimed_at is null or delivery_claimed_at < now() - ${DELIVERY_CLAIM_STALE}::interval)
    returning 1`;
  return claimed.length > 0;
}

const audit = (tx: Queryable, actor: DirectoryActor, memberId: string, type: string, data: Record<string, unknown>) =>
  insertAuditEvent(tx, { orgId: actor.orgId, memberId, actor: `scim:${actor.tokenId}`, type, data });

/** userName and externalId are unique among the organisation's live users (RFC 7643 "uniqueness": server). */
async function checkUnique(tx: Queryable, orgId: string, user: UserResource, memberId?: string): Promise<void> {
  const [taken]: [{ userName: string; externalId: string | null }?] = await tx`
    select user_name as "userName", external_id as "externalId" from directory_links
    where org_id = ${orgId} and deleted_at is null and member_id is distinct from ${memberId ?? null}
      and (user_name = ${user.userName} or external_id = ${externalIdOf(user)})
    limit 1`;
  if (!taken) return;
  const which = taken.userName.toLowerCase() === user.userName.toLowerCase() ? `userName "${user.userName}"` : `externalId "${externalIdOf(user)}"`;
  throw uniqueness(`A User with ${which.slice(0, 200)} already exists in this directory.`);
}

/** One User write in one transaction (db/scim-write.ts). */
const writeTransaction = <T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> =>
  scimWriteTransaction(sql, 'User', 'A User with this userName, externalId or email already exists in this directory.', work);

const readLink = async (tx: Queryable, memberId: string): Promise<LinkRow> => {
  const [row]: [LinkRow] = await tx`select ${linkColumns(tx)} from directory_links l join members m on m.id = l.member_id where l.member_id = ${memberId}`;
  return row;
};

/**
 * POST /Users. The same rules as a first sign-in (domain/identity-linking.ts): the email must be on
 * one of the organisation's verified domains; an existing member of this organisation with that
 * email is linked (a member of another organisation is never looked at), a new one is created as
 * a plain Member. A person the directory deleted and creates again gets their old member back,
 * under a new resource id. Not idempotent by design: a repeated create is a 409 (RFC 7644 §3.3).
 */
export function createDirectoryUser(sql: Sql, actor: DirectoryActor, user: UserResource): Promise<DirectoryWrite> {
  const email = memberEmailOf(user);
  return writeTransaction(sql, async (tx) => {
    await checkUnique(tx, actor.orgId, user);
    const [existing]: [{ id: string; name: string }?] = await tx`
      select id, name from members where org_id = ${actor.orgId} and email = ${email} for update`;
    const [link]: [{ live: boolean }?] = existing ? await tx`select deleted_at is null as live from directory_links where member_id = ${existing.id} for update` : [];
    const decision = decideNewIdentity({
      domainVerified: await isVerifiedDomain(tx, actor.orgId, email),
      invited: false,
      // The directory's counterpart of "another subject at this IdP": a live directory user already holds the member.
      ...(existing ? { member: { hasOtherIdentityAtThisIdp: Boolean(link?.live) } } : {}),
    });
    if (decision.action === 'refuse' && decision.reason === 'identity_conflict') throw uniqueness(`Another User of this directory already holds ${email}.`);
    if (decision.action === 'refuse') throw invalidValue(`${email} is not on a verified domain of this organisation; ask the operator to verify the domain.`);
    const memberId = existing ? existing.id : await insertMember(tx, actor, email, memberNameOf(user), user);
    if (existing) await updateMember(tx, actor, { memberId, email, name: existing.name }, user);
    await tx`
      insert into directory_links (member_id, org_id, external_id, user_name, resource, directory_state, delivery_claimed_at)
      values (${memberId}, ${actor.orgId}, ${externalIdOf(user)}, ${user.userName}, ${tx.json(user as never)}, ${stateOf(user)}, now())
      on conflict (member_id) do update set
        scim_id = excluded.scim_id, external_id = excluded.external_id, user_name = excluded.user_name,
        resource = excluded.resource, directory_state = excluded.directory_state, directory_seq = excluded.directory_seq,
        directory_changed_at = excluded.directory_changed_at, delivery_claimed_at = excluded.delivery_claimed_at,
        deleted_at = null, created_at = now(), updated_at = now()`;
    const row = await readLink(tx, memberId);
    await audit(tx, actor, memberId, 'directory.user_created', { scimId: row.scimId, userName: user.userName, externalId: externalIdOf(user), linked: Boolean(existing) });
    return toWrite(actor, row, true);
  });
}

async function insertMember(tx: Queryable, actor: DirectoryActor, email: string, name: string, user: UserResource): Promise<string> {
  // A directory never makes an org admin, whatever roles it sends: only an invitation or the operator does.
  // A person created inactive is never an active member, not even before the lifecycle applies it.
  const status = stateOf(user) === 'active' ? 'active' : 'disabled';
  const [member]: [{ id: string }] = await tx`
    insert into members (org_id, email, name, source, org_role, status, directory_state)
    values (${actor.orgId}, ${email}, ${name}, 'directory', 'member', ${status}, ${status === 'active' ? 'none' : 'inactive'}) returning id`;
  await audit(tx, actor, member.id, 'member.created', { source: 'directory', email });
  return member.id;
}

/**
 * Name and email follow the directory, the email under the same rules as at sign-in; refused changes
 * are errors here. Whether the email changed: the lifecycle is told (its MemberEmailHash search attribute).
 */
async function updateMember(tx: Queryable, actor: DirectoryActor, member: { memberId: string; email: string; name: string }, user: UserResource): Promise<boolean> {
  const changes: Record<string, { from: string; to: string }> = {};
  const email = memberEmailOf(user);
  const name = memberNameOf(user);
  if (name && name !== member.name) changes.name = { from: member.name, to: name };
  if (email !== member.email.toLowerCase()) {
    const [taken] = await tx`select 1 from members where org_id = ${actor.orgId} and email = ${email} and id <> ${member.memberId}`;
    const refusal = emailChangeRefusal({ domainVerified: await isVerifiedDomain(tx, actor.orgId, email), takenByOtherMember: Boolean(taken) });
    if (refusal === 'email_taken') throw uniqueness(`Another member of this organisation already has ${email}.`);
    if (refusal) throw invalidValue(`${email} is not on a verified domain of this organisation; the email stays ${member.email}.`);
    changes.email = { from: member.email, to: email };
  }
  if (!changes.name && !changes.email) return false;
  await tx`update members set name = ${changes.name?.to ?? member.name}, email = ${changes.email?.to ?? member.email}, updated_at = now()
           where id = ${member.memberId}`;
  await audit(tx, actor, member.memberId, 'member.profile_updated', changes);
  return Boolean(changes.email);
}

/** Resource ids are UUIDs (any case); anything else names no resource, and is answered without a query. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const resourceId = (scimId: string) => (UUID.test(scimId) ? scimId.toLowerCase() : undefined);

/** The live user's member, then its link (the lock order above), the link read again under its lock. */
const lockLive = async (tx: Queryable, actor: DirectoryActor, scimId: string): Promise<LinkRow> => {
  const id = resourceId(scimId);
  const [member]: [{ id: string }?] = id
    ? await tx`
        select id from members
        where id = (select member_id from directory_links where org_id = ${actor.orgId} and scim_id = ${id} and deleted_at is null)
        for update`
    : [];
  const [row]: [LinkRow?] = member
    ? await tx`
        select ${linkColumns(tx)} from directory_links l join members m on m.id = l.member_id
        where l.member_id = ${member.id} and l.scim_id = ${id!} and l.deleted_at is null
        for update of l`
    : [];
  if (!row) throw resourceNotFound(scimId);
  return row;
};

const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const sorted = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(sorted) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])) : value;

/**
 * PUT and PATCH: `change` turns the stored user into the new one (pure, may refuse). The same
 * request repeated finds nothing to change and writes nothing, so client retries are harmless.
 */
export function updateDirectoryUser(sql: Sql, actor: DirectoryActor, scimId: string, change: (current: UserResource) => UserResource): Promise<DirectoryWrite> {
  return writeTransaction(sql, async (tx) => {
    const row = await lockLive(tx, actor, scimId);
    const next = change(row.resource);
    if (same(next, row.resource)) return toWrite(actor, row, await claimDelivery(tx, row.memberId));
    await checkUnique(tx, actor.orgId, next, row.memberId);
    const emailChanged = await updateMember(tx, actor, row, next);
    await tx`update directory_links set resource = ${tx.json(next as never)}, user_name = ${next.userName}, external_id = ${externalIdOf(next)}, updated_at = now()
             where member_id = ${row.memberId}`;
    const advanced = stateOf(next) !== row.directoryState || emailChanged;
    if (advanced) await advanceState(tx, row.memberId, stateOf(next));
    const changed = Object.keys({ ...row.resource, ...next }).filter((k) => !same(row.resource[k], next[k]));
    await audit(tx, actor, row.memberId, 'directory.user_updated', { scimId: row.scimId, changed });
    return toWrite(actor, await readLink(tx, row.memberId), advanced || (await claimDelivery(tx, row.memberId)));
  });
}

/** A new event (state or email changed), claimed for delivery by the write that made it. */
const advanceState = (tx: Queryable, memberId: string, state: DirectoryState) => tx`
  update directory_links set directory_state = ${state}, directory_seq = nextval('directory_event_seq'), directory_changed_at = clock_timestamp(),
    delivery_claimed_at = now(), deleted_at = ${state === 'deleted' ? tx`now()` : null}
  where member_id = ${memberId}`;

/**
 * DELETE: the resource ends (404 from now on), the member and their history stay; the lifecycle
 * disables them. Repeating it is a 404, which still hands on a deletion whose delivery failed.
 */
export function deleteDirectoryUser(sql: Sql, actor: DirectoryActor, scimId: string): Promise<DirectoryWrite & { deleted: boolean }> {
  return writeTransaction(sql, async (tx) => {
    const id = resourceId(scimId);
    const [earlier]: [LinkRow?] = id
      ? await tx`
          select ${linkColumns(tx)} from directory_links l join members m on m.id = l.member_id
          where l.org_id = ${actor.orgId} and l.scim_id = ${id} and l.deleted_at is not null`
      : [];
    if (earlier) return { ...toWrite(actor, earlier, await claimDelivery(tx, earlier.memberId)), deleted: false };
    const row = await lockLive(tx, actor, scimId);
    await advanceState(tx, row.memberId, 'deleted');
    await audit(tx, actor, row.memberId, 'directory.user_deleted', { scimId: row.scimId, userName: row.resource.userName });
    return { ...toWrite(actor, await readLink(tx, row.memberId), true), deleted: true };
  });
}

/** After the lifecycle accepted the signal: a later retry of the request need not send it again. */
export async function markDelivered(sql: Sql, memberId: string, seq: number): Promise<void> {
  await sql`update directory_links set signalled_seq = greatest(signalled_seq, ${seq}) where member_id = ${memberId}`;
}

/** The signal failed: the claim is given back, so the request's retry (or the backstop) delivers at once. */
export async function releaseDelivery(sql: Sql, memberId: string, seq: number): Promise<void> {
  await sql`update directory_links set delivery_claimed_at = null where member_id = ${memberId} and directory_seq = ${seq}`;
}

export async function findDirectoryUser(sql: Sql, orgId: string, scimId: string): Promise<StoredUser | undefined> {
  const id = resourceId(scimId);
  if (!id) return undefined;
  const [row]: [LinkRow?] = await sql`
    select ${linkColumns(sql)} from directory_links l join members m on m.id = l.member_id
    where l.org_id = ${orgId} and l.scim_id = ${id} and l.deleted_at is null`;
  return row && toStoredUser(row);
}

export interface UserPage {
  totalResults: number;
  users: StoredUser[];
}

/** One page of the organisation's live users in a stable order (creation, then id); startIndex is 1-based. */
export async function listDirectoryUsers(sql: Sql, orgId: string, { filter, startIndex, count }: { filter?: Filter; startIndex: number; count: number }): Promise<UserPage> {
  const where = () => sql`l.org_id = ${orgId} and l.deleted_at is null ${filter ? sql`and ${filterToSql(sql, filter)}` : sql``}`;
  const [{ total }]: [{ total: number }] = await sql`
    select count(*)::int as total from directory_links l join members m on m.id = l.member_id where ${where()}`;
  if (count === 0 || startIndex > total) return { totalResults: total, users: [] };
  const rows: LinkRow[] = await sql`
    select ${linkColumns(sql)} from directory_links l join members m on m.id = l.member_id
    where ${where()} order by l.created_at, l.scim_id offset ${startIndex - 1} limit ${count}`;
  return { totalResults: total, users: rows.map(toStoredUser) };
}

/**
 * The live user a create collided with, with its undelivered event if any: a create retried after
 * its answer was lost (or after the lifecycle could not be told) is a 409, and still hands the event on.
 */
export async function findLiveByUserName(sql: Sql, actor: DirectoryActor, userName: string): Promise<DirectoryWrite | undefined> {
  const [row]: [LinkRow?] = await sql`
    select ${linkColumns(sql)} from directory_links l join members m on m.id = l.member_id
    where l.org_id = ${actor.orgId} and l.user_name = ${userName} and l.deleted_at is null`;
  return row && toWrite(actor, row, await claimDelivery(sql, row.memberId));
}
