-- Roles, bans, hidden posts and comments, reports and the audit log: as migrations/mysql/0008.
alter table user add column role text not null default 'user';
alter table user add column ban_reason text null;
alter table user add column banned_until text null;
create index user_role on user (role);

create table moderation_audit (
    seq integer not null primary key autoincrement,
    actor_id text null,
    action text not null,
    target_kind text not null,
    target_id text not null,
    reason text null,
    detail text null,
    created_at text not null
);

create table moderation_hidden (
    target_kind text not null,
    target_id text not null,
    hidden_at text not null,
    hidden_by text not null,
    reason text not null,
    primary key (target_kind, target_id)
);

create table moderation_report (
    id integer not null primary key autoincrement,
    target_kind text not null,
    target_id text not null,
    board_id text not null,
    reporter_id text not null,
    reason text not null,
    created_at text not null,
    open_flag integer null,
    resolved_at text null,
    resolved_by text null,
    resolution text null,
    note text null
);
create unique index moderation_report_once
    on moderation_report (target_kind, target_id, reporter_id, open_flag);
create index moderation_report_queue on moderation_report (open_flag, id);
