-- Each author's number of live posts: as migrations/mysql/0005.
create table author_stats (
    user_id text not null primary key references user (id) on delete cascade,
    live_count integer not null
);

insert into author_stats (user_id, live_count)
select u.id, (select count(*) from board b where b.user_id = u.id and b.deleted_at is null)
from user u;
