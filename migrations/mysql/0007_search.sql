-- What feeds each instance's search index (src/search). Every write that changes what search
-- may find (a post created, edited or deleted, an account deleted) adds a row naming the post,
-- in the write's own transaction; each instance reads the rows after the last one it applied
-- and re-reads those posts. A row says only "look at this post again", so applying one twice,
-- or late, is harmless. Housekeeping removes old rows (an index that fell behind them is
-- rebuilt from `board`).
create table board_search_log (
    seq bigint not null auto_increment primary key,
    board_id varchar(50) not null
) character set ascii collate ascii_bin;

-- This database's identity: an index folder built from another database is rebuilt, not used.
create table board_search_origin (
    id tinyint not null primary key,
    origin char(36) character set ascii collate ascii_bin not null
);
insert into board_search_origin (id, origin) values (1, uuid());
