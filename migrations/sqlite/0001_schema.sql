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

-- The number of live posts, kept in the same transaction as every create and delete, so
-- that the list's totalBoard never needs COUNT(*) over the table. Spread over 16 rows (a
-- post's own row is picked by its id) so that concurrent writers do not queue on one row
-- lock; the total is their sum.
create table board_stats (
    id integer not null primary key,
    live_count integer not null
);

insert into board_stats (id, live_count)
select shard.n, case when shard.n = 0 then (select count(*) from board where deleted_at is null) else 0 end
from (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
      union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
      union all select 10 union all select 11 union all select 12 union all select 13 union all select 14
      union all select 15) as shard;
