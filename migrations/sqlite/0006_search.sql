-- What feeds each instance's search index: as migrations/mysql/0007. AUTOINCREMENT: a seq is
-- never used twice, also after housekeeping removed the newest rows' predecessors.
create table board_search_log (
    seq integer not null primary key autoincrement,
    board_id text not null
);

create table board_search_origin (
    id integer not null primary key,
    origin text not null
);
insert into board_search_origin (id, origin) values (1, lower(hex(randomblob(16))));
