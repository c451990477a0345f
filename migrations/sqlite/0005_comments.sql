-- Comments on posts and their counts: as migrations/mysql/0006.
create table board_comment (
    id text not null primary key,
    board_id text not null references board (id) on delete cascade,
    user_id text not null references user (id) on delete cascade,
    parent_id text,
    thread_key text not null,
    content text not null,
    created_at text not null,
    updated_at text,
    deleted_at text,
    live_replies integer not null default 0
);
create index board_comment_thread on board_comment (board_id, thread_key);
create index board_comment_author on board_comment (user_id, deleted_at);

create table board_comment_stats (
    board_id text not null primary key references board (id) on delete cascade,
    live_count integer not null,
    listed_count integer not null
);

insert into board_comment_stats (board_id, live_count, listed_count) select id, 0, 0 from board;
