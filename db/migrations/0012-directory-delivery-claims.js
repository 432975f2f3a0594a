/**
 * Which SCIM request is handing a directory link's latest event to the member's lifecycle, and
 * since when. The write that changed the link claims its event in the same transaction; identical
 * writes arriving meanwhile (a directory sending the same deactivate five times) and the backstop
 * leave it to that request, so the lifecycle gets one signal, a billed Action, per change. A request
 * whose signal fails gives the claim back; one that crashed holds it only until it is stale (see
 * db/directory-users.ts), after which a retry or the backstop delivers the event.
 */
export async function up(sql) {
  await sql.unsafe(`alter table directory_links add column delivery_claimed_at timestamptz`);
}

export async function down(sql) {
  await sql.unsafe(`alter table directory_links drop column delivery_claimed_at`);
}
