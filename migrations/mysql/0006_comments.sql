-- Comments on posts, one level of replies. Tables of their own beside the original
-- service's, which never reads them.
--
-- thread_key orders a post's comments in thread order with one index: a top-level comment's
-- key is `<created_at as 16 digits of unix micros><id>`, a reply's is its parent's key
-- followed by its own; a prefix sorts before what extends it, so each thread is its
-- top-level comment, then its replies oldest first. Keys never change, so keyset pages over
-- them never overlap or skip. live_replies (top-level comments only) tells whether a deleted
-- one still shows as a placeholder.
create table board_comment (
    id char(36) not null primary key,
    board_id varchar(50) not null,
    user_id varchar(50) not null,
    parent_id char(36) null,
    thread_key varchar(104) character set ascii collate ascii_bin not null,
    content text not null,
    created_at datetime(6) not null,
    updated_at datetime(6) null,
    deleted_at datetime(6) null,
    live_replies int not null default 0,
    key board_comment_thread (board_id, thread_key),
    key board_comment_author (user_id, deleted_at),
    constraint board_comment_board_fk foreign key (board_id) references board (id) on delete cascade,
    constraint board_comment_user_fk foreign key (user_id) references `user` (id) on delete cascade
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- Per post: its live comments (totalComment, commentCount) and the ones its thread list shows
-- (live ones and placeholders, for totalPage), kept in the transaction of every comment
-- write, so that no count runs COUNT(*) over a post's comments. A row is written with every
-- post; a post without one (written by an earlier release during a rolling deploy) has no
-- comments, and gets its row at its first comment.
create table board_comment_stats (
    board_id varchar(50) not null primary key,
    live_count bigint not null,
    listed_count bigint not null,
    constraint board_comment_stats_board_fk foreign key (board_id) references board (id) on delete cascade
) character set utf8mb4 collate utf8mb4_unicode_ci;

insert into board_comment_stats (board_id, live_count, listed_count) select id, 0, 0 from board;
