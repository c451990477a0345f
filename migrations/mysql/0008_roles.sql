-- Roles, bans, hidden posts and comments, reports and the moderation audit log (README,
-- "Moderation"). Tables of their own beside the original service's, plus three columns of
-- `user` with defaults: the original's inserts name their columns, so they keep working.

-- Every account is a `user` until an admin (or `board admin set-role`) says otherwise.
alter table `user` add column role varchar(16) not null default 'user';
-- A ban: login is refused while ban_reason is set and banned_until is null or later.
alter table `user` add column ban_reason varchar(2000) null;
alter table `user` add column banned_until datetime(6) null;
-- Finds the admins (the last one may not lose the role) without reading every account.
alter table `user` add index user_role (role);

-- Append-only: the server has no statement that updates or deletes a row of it.
create table moderation_audit (
    seq bigint not null auto_increment primary key,
    -- null: the command line (`board admin ...`)
    actor_id varchar(50) null,
    action varchar(32) not null,
    target_kind varchar(16) not null,
    target_id varchar(50) not null,
    reason varchar(2000) null,
    detail varchar(200) null,
    created_at datetime(6) not null
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- A hidden post or comment is soft-deleted (deleted_at set, every count down, out of search)
-- and has a row here; restoring it removes the row and undoes the deletion. The row is what
-- tells a hide from the author's own deletion.
create table moderation_hidden (
    target_kind varchar(16) not null,
    target_id varchar(50) not null,
    hidden_at datetime(6) not null,
    hidden_by varchar(50) not null,
    reason varchar(2000) not null,
    primary key (target_kind, target_id)
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- Users' reports. open_flag is 1 while the report is open and null once resolved, so the
-- unique key allows one open report per user and target (and any number of resolved ones).
create table moderation_report (
    id bigint not null auto_increment primary key,
    target_kind varchar(16) not null,
    target_id varchar(50) not null,
    board_id varchar(50) not null,
    reporter_id varchar(50) not null,
    reason varchar(2000) not null,
    created_at datetime(6) not null,
    open_flag tinyint null,
    resolved_at datetime(6) null,
    resolved_by varchar(50) null,
    resolution varchar(16) null,
    note varchar(2000) null,
    unique key moderation_report_once (target_kind, target_id, reporter_id, open_flag),
    key moderation_report_queue (open_flag, id)
) character set utf8mb4 collate utf8mb4_unicode_ci;
