/**
 * Which attempt of a digest is sending it, until when: a lease in short statements instead of an
 * advisory lock held on a pooled connection for the whole SMTP exchange (which, ten digests at a
 * time, took every connection of the worker's pool and then waited for one more).
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table site_access_digests add column sender text;
    alter table site_access_digests add column sending_until timestamptz;
    alter table site_access_digests add constraint site_access_digests_lease check ((sender is null) = (sending_until is null));
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    alter table site_access_digests drop constraint site_access_digests_lease;
    alter table site_access_digests drop column sending_until;
    alter table site_access_digests drop column sender;
  `);
}
