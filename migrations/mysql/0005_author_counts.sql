-- Each author's number of live posts, kept in the same transaction as every create and
-- delete (like board_stats), so that `totalBoard` of `?userId=` does not grow with the
-- author's posts (a count over their range of board_author_newest took 226 ms for an
-- author with 10,000 posts). One row per account: written at signup, and here for the
-- accounts that exist. An account without a row (one the original service created after
-- this migration ran) is counted with COUNT(*) instead, so a missing row is never wrong.
create table author_stats (
    user_id varchar(50) not null primary key,
    live_count bigint not null,
    constraint author_stats_user_fk foreign key (user_id) references `user` (id) on delete cascade
) character set utf8mb4 collate utf8mb4_unicode_ci;

insert into author_stats (user_id, live_count)
select u.id, (select count(*) from board b where b.user_id = u.id and b.deleted_at is null)
from `user` u;
