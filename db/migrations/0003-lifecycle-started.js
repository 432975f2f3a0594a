/**
 * Every member must have a running lifecycle workflow. The lifecycle stamps its member when it
 * starts; a sign-in that finds no stamp starts it, which also heals members whose first sign-in
 * committed but failed before the lifecycle could start.
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table members add column lifecycle_started_at timestamptz;
    update members m set lifecycle_started_at = e.created_at
      from audit_events e where e.member_id = m.id and e.type = 'member.lifecycle_started';
  `);
}

export async function down(sql) {
  await sql.unsafe('alter table members drop column lifecycle_started_at');
}
