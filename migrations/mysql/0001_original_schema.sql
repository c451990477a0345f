-- The tables exactly as the original Flask service's Alembic migrations left them
-- (cdfdd14427d9 + 3f72ab04c9de). `if not exists` lets this server adopt such a
-- database in place: on an existing one this migration changes nothing.
create table if not exists `user` (
    id varchar(50) not null,
    email varchar(150) not null,
    password varchar(200) not null,
    created_at datetime not null,
    primary key (id),
    unique (email)
) default charset = utf8mb4 collate = utf8mb4_unicode_ci;

create table if not exists board (
    id varchar(50) not null,
    user_id varchar(50) not null,
    title varchar(200) not null,
    content text not null,
    created_at datetime null,
    updated_at datetime null,
    deleted_at datetime null,
    primary key (id),
    foreign key (user_id) references `user` (id) on delete cascade
) default charset = utf8mb4 collate = utf8mb4_unicode_ci;
