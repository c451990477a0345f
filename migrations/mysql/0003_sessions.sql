-- Sessions and accounts. New tables only: the original service's `user` and `board` keep
-- their shape (an account deletion rewrites its `user` row, see store/accounts.rs).

-- A login starts a session; a logout, a password change (for the other sessions), an account
-- deletion, a refresh-token reuse or the per-user cap ends it by deleting its row. Access
-- tokens name their session (`sid`) and are refused once it is gone. Only a SHA-256 hash of
-- the current refresh token is kept.
create table user_session (
    id char(36) not null primary key,
    user_id varchar(50) not null,
    refresh_hash char(64) not null,
    created_at datetime(6) not null,
    -- the current refresh token's end; rotation moves it
    expires_at datetime(6) not null,
    unique key user_session_refresh (refresh_hash),
    key user_session_user (user_id, created_at),
    key user_session_expiry (expires_at),
    constraint user_session_user_fk foreign key (user_id) references `user` (id) on delete cascade
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- Refresh tokens rotated out, for as long as their session lives: presenting one again
-- means it was stolen, and ends the session (RFC 9700 §4.14).
create table used_refresh_token (
    token_hash char(64) not null primary key,
    session_id char(36) not null,
    key used_refresh_token_session (session_id),
    constraint used_refresh_token_session_fk foreign key (session_id)
        references user_session (id) on delete cascade
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- Access tokens without a session (issued by the original service) that a logout refused,
-- until they would have expired anyway.
create table revoked_token (
    jti varchar(64) not null primary key,
    expires_at datetime(6) not null,
    key revoked_token_expiry (expires_at)
) character set utf8mb4 collate utf8mb4_unicode_ci;

-- Session-less access tokens of a user issued before `not_before` are refused (set by a
-- password change and an account deletion).
create table token_floor (
    user_id varchar(50) not null primary key,
    not_before datetime(6) not null
) character set utf8mb4 collate utf8mb4_unicode_ci;
