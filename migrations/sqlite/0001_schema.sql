-- Same tables and columns as the MySQL schema (and the original service's),
-- in SQLite's dialect. Timestamps are RFC 3339 text in UTC.
create table if not exists user (
    id text not null primary key,
    email text not null unique,
    password text not null,
    created_at text not null
);

create table if not exists board (
    id text not null primary key,
    user_id text not null references user (id) on delete cascade,
    title text not null,
    content text not null,
    created_at text,
    updated_at text,
    deleted_at text
);

-- serves the list: live posts, newest first, id as tie-break
create index board_live_newest on board (created_at desc, id desc) where deleted_at is null;
create index board_user on board (user_id);

-- The number of live posts, kept in the same transaction as every create and delete.
create table board_stats (
    id integer not null primary key,
    live_count integer not null
);

insert into board_stats (id, live_count)
select 1, count(*) from board where deleted_at is null;
