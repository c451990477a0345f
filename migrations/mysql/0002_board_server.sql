-- What this server adds on top of the original schema. Only widening changes:
-- no column is dropped and no row is rewritten.

-- Tables the original service created in a 3-byte `utf8` database cannot store emoji:
-- convert them to utf8mb4 (lossless; TEXT may widen to MEDIUMTEXT). MySQL refuses to
-- change the charset of a column under a foreign key, even with checks off, so the key
-- (unnamed in both schemas, hence `board_ibfk_1`) is dropped and made again around it.
alter table board drop foreign key board_ibfk_1;
alter table `user` convert to character set utf8mb4 collate utf8mb4_unicode_ci;
alter table board convert to character set utf8mb4 collate utf8mb4_unicode_ci;
alter table board
    add constraint board_user_fk foreign key (user_id) references `user` (id) on delete cascade;

-- email up to 254 characters (RFC 5321); argon2id PHC strings are ~100 characters;
-- timestamps keep microseconds so that the list order is stable.
alter table `user`
    modify email varchar(254) not null,
    modify password varchar(255) not null,
    modify created_at datetime(6) not null;

alter table board
    modify created_at datetime(6) null,
    modify updated_at datetime(6) null,
    modify deleted_at datetime(6) null,
    -- serves the list, newest first with id as tie-break, and covers its deleted_at filter.
    -- Not (deleted_at, created_at, id): with that equality prefix, MariaDB under load often
    -- picked a scan from the newest post over the cursor's range seek (10,000+ rows read
    -- per deep cursor page instead of 20).
    add index board_newest (created_at, id, deleted_at);

-- The number of live posts, kept in the same transaction as every create and delete, so
-- that the list's totalBoard never needs COUNT(*) over the table. Spread over 16 rows (a
-- post's own row is picked by its id) so that concurrent writers do not queue on one row
-- lock; the total is their sum.
create table board_stats (
    id tinyint not null primary key,
    live_count bigint not null
);

insert into board_stats (id, live_count)
select shard.n, case when shard.n = 0 then (select count(*) from board where deleted_at is null) else 0 end
from (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
      union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
      union all select 10 union all select 11 union all select 12 union all select 13 union all select 14
      union all select 15) as shard;
