-- Posts by author, and retries that create nothing twice.

-- Serves `GET /api/board/boards?userId=…`: one author's live posts newest first, and their
-- count (a range of this index, not the table).
alter table board add index board_author_newest (user_id, created_at, id, deleted_at);

-- `Idempotency-Key` of `POST /api/board`, per user, kept 24 hours: the request's fingerprint
-- and the first answer's post as it was created, committed with the post itself.
create table idempotency_key (
    user_id varchar(50) not null,
    -- case-sensitive: keys are opaque strings of printable ASCII
    idem_key varchar(255) character set ascii collate ascii_bin not null,
    fingerprint char(64) not null,
    board_id char(36) not null,
    title varchar(255) not null,
    content text not null,
    created_at datetime(6) not null,
    primary key (user_id, idem_key),
    key idempotency_key_age (created_at)
) character set utf8mb4 collate utf8mb4_unicode_ci;
