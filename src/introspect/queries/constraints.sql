-- Primary key, unique, check and foreign-key constraints, with their comments. $1: schemas (text[]); $2, $3: only
-- the tables whose oid is $3 modulo $2 (a share of the tables, for one of several connections;
-- 1, 0 for all). A partition's constraints cloned from or inherited from its parent's are
-- the parent's, and are left out; so are the checks an inheritance child (INHERITS) inherits
-- and does not also declare (conislocal). $4: by form (`introspect::forms`): no text for a
-- check (its stored tree instead: the server deparses it only by opening the table), for a
-- primary key without INCLUDE columns, or for a foreign key whose ON DELETE does not set
-- columns (their parts instead; the deparser's lookups cost more than the reading).
-- Rows come in no order: `introspect::build` files each by its names (sorting them here
-- by name cost the server up to a fifth of the query's time on 1 000 tables).
-- Follows `tables_cte.sql` (the tables, as `t`). A primary key's index is looked up only
-- for a primary key (a join probed it for every foreign key too), and a comment only when
-- some constraint of the database has one. 27 → 14 ms of server time for 5 000
-- constraints, with the tables read first.
SELECT t.nspname AS schema,
       t.relname AS table_name,
       con.conname AS name,
       con.contype::text AS kind,
       CASE WHEN $4 AND (con.contype = 'c'
                         OR (con.contype = 'p'
                             AND (SELECT i.indnatts = i.indnkeyatts FROM pg_index i
                                  WHERE i.indexrelid = con.conindid))
                         OR (con.contype = 'f' AND con.confdeltype NOT IN ('n', 'd')))
            THEN NULL ELSE pg_get_constraintdef(con.oid) END AS definition,
       CASE WHEN (SELECT EXISTS (SELECT 1 FROM pg_description
                                 WHERE classoid = 'pg_constraint'::regclass)) THEN
         (SELECT d.description FROM pg_description d
          WHERE d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0)
       END AS comment,
       con.oid::int8 AS oid,
       CASE WHEN $4 AND con.contype = 'c' THEN con.conbin::text END AS tree,
       con.connoinherit AS no_inherit,
       con.convalidated AS validated,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.conkey AS columns,
       -- The referenced table as the deparser names it (qualified unless visible).
       CASE WHEN $4 AND con.contype = 'f' THEN con.confrelid::regclass::text END AS refers_to,
       con.confrelid::int8 AS refers_to_oid,
       con.confkey AS referenced,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.confmatchtype::text AS matching
FROM t
JOIN pg_constraint con ON con.conrelid = t.oid
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x')
  AND (NOT t.relispartition OR (con.conparentid = 0 AND con.coninhcount = 0))
  AND (t.relispartition OR con.conislocal)
