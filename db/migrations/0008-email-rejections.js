/**
 * A recipient the mail server refused for good (5xx) is logged as `rejected` with the server's
 * answer: operators see why nothing arrived, and retries of a digest skip that recipient instead of
 * blocking the others or trying forever.
 */
export async function up(sql) {
  await sql.unsafe(`
    alter table email_log drop constraint email_log_status_check;
    alter table email_log add constraint email_log_status_check check (status in ('pending', 'sent', 'rejected'));
    alter table email_log add column error text;
  `);
}

export async function down(sql) {
  await sql.unsafe(`
    update email_log set status = 'pending' where status = 'rejected';
    alter table email_log drop column error;
    alter table email_log drop constraint email_log_status_check;
    alter table email_log add constraint email_log_status_check check (status in ('pending', 'sent'));
  `);
}
