-- Sessions and accounts: the same tables as migrations/mysql/0003_sessions.sql.

create table user_session (
    id text not null primary key,
    user_id text not null references user (id) on delete cascade,
    refresh_hash text not null unique,
    created_at text not null,
    expires_at text not null
);
create index user_session_user on user_session (user_id, created_at);
create index user_session_expiry on user_session (expires_at);

create table used_refresh_token (
    token_hash text not null primary key,
    session_id text not null references user_session (id) on delete cascade
);
create index used_refresh_token_session on used_refresh_token (session_id);

create table revoked_token (
    jti text not null primary key,
    expires_at text not null
);
create index revoked_token_expiry on revoked_token (expires_at);

create table token_floor (
    user_id text not null primary key,
    not_before text not null
);
