-- The service's database and its two roles. Run by a superuser with psql 15+ (`psql --file`), reading
-- APP_DATABASE, DB_OWNER_ROLE, DB_OWNER_PASSWORD, DB_APP_ROLE and DB_APP_PASSWORD from the environment.
-- Idempotent: docker-compose runs it at every start (a changed password takes effect).
--
-- The owner role owns the database, its schema and every table; only migrations connect as it.
-- The app role (api, worker, operator CLI) owns nothing, so it can neither alter a table nor disable a
-- trigger (both need ownership), and it cannot set session_replication_role (superuser only). It gets
-- DML on the owner's tables through default privileges, which also covers tables of later migrations;
-- migration 0005 cuts that to SELECT and INSERT on the append-only audit_events.
\set ON_ERROR_STOP on
\getenv database APP_DATABASE
\getenv owner_role DB_OWNER_ROLE
\getenv owner_password DB_OWNER_PASSWORD
\getenv app_role DB_APP_ROLE
\getenv app_password DB_APP_PASSWORD

select format('create role %I', :'owner_role') where not exists (select from pg_roles where rolname = :'owner_role') \gexec
select format('create role %I', :'app_role') where not exists (select from pg_roles where rolname = :'app_role') \gexec
alter role :"owner_role" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'owner_password';
alter role :"app_role" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'app_password';

select format('create database %I owner %I', :'database', :'owner_role')
where not exists (select from pg_database where datname = :'database') \gexec
revoke all on database :"database" from public;
grant connect on database :"database" to :"app_role";

\connect :"database"
alter schema public owner to :"owner_role";
revoke all on schema public from public;
grant usage on schema public to :"app_role";
alter default privileges for role :"owner_role" in schema public
  grant select, insert, update, delete on tables to :"app_role";
alter default privileges for role :"owner_role" in schema public
  grant usage on sequences to :"app_role";
