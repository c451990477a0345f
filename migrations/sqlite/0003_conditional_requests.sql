-- Posts by author, and retries that create nothing twice: as migrations/mysql/0004.

create index board_author_live on board (user_id, created_at desc, id desc) where deleted_at is null;

create table idempotency_key (
    user_id text not null,
    idem_key text not null,
    fingerprint text not null,
    board_id text not null,
    title text not null,
    content text not null,
    created_at text not null,
    primary key (user_id, idem_key)
);
create index idempotency_key_age on idempotency_key (created_at);
