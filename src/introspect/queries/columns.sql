-- Columns of the managed schemas' tables; none of a partition, whose columns are its
-- parent's (it cannot have others), and of an inheritance child (INHERITS) only its own
-- (attislocal: also those it inherits and declares, or kept when it stopped inheriting;
-- ALTER TABLE parent DROP COLUMN leaves those on it). $1: schemas (text[]); $2, $3: only the
-- tables whose oid is $3 modulo $2 (a share of the tables, for one of several connections;
-- 1, 0 for all).
-- In no order: `introspect::build` sorts them by table and `attnum` (a sort by name here
-- was 6 to 8 ms of 34 for 10 000 columns).
-- The tables come first, once each (the extension-member test ran once per column when the
-- planner placed it above the columns), each with its defaults, deparsed, as two arrays
-- (one index probe per table instead of one per column with a default). The lookup of an
-- identity's sequence is gated on the column inside a LATERAL subquery, so that the planner
-- skips it for the other columns instead of probing an index for every one (OFFSET 0 keeps
-- the planner from pulling the subquery up, which would make the gate a mere filter).
-- A column's comment is looked up only on a table with column comments (10 000 index probes
-- for nothing on 1 000 tables without any), and its collation's name only when it is not
-- its type's; both as scalar subqueries (not joins: the planner sorted all the columns for
-- a merge join on pg_collation). 52 → 24 ms of server time for 10 000 columns.
-- Follows `tables_cte.sql` (the tables, as `t`).
, c AS MATERIALIZED (
  SELECT t.oid, t.relname, t.nspname, d.nums, d.exprs,
         -- Whether any of its columns has a comment: most tables have none, and their
         -- columns are not looked up one by one.
         EXISTS (SELECT 1 FROM pg_description ds WHERE ds.objoid = t.oid
                   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid > 0) AS commented
  FROM t
  LEFT JOIN LATERAL (
    -- An expression without a column (every default, some generated columns) is deparsed
    -- without the table (relid 0): the same text, without opening the table, which costs a
    -- relation cache entry per table. A column is a Var node in the stored tree.
    SELECT array_agg(ad.adnum) AS nums,
           array_agg(CASE WHEN ad.adbin::text LIKE '%{VAR %' THEN pg_get_expr(ad.adbin, ad.adrelid)
                          ELSE pg_get_expr(ad.adbin, 0) END) AS exprs
    FROM pg_attrdef ad WHERE ad.adrelid = t.oid) d ON true
  WHERE NOT t.relispartition
)
SELECT c.nspname AS schema,
       c.relname AS table_name,
       a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.atthasdef AND a.attgenerated = ''
            THEN c.exprs[array_position(c.nums, a.attnum)] END AS default_expr,
       CASE WHEN a.atthasdef AND a.attgenerated <> ''
            THEN c.exprs[array_position(c.nums, a.attnum)] END AS generated_expr,
       a.attidentity::text AS identity,
       CASE WHEN c.commented THEN
         (SELECT ds.description FROM pg_description ds
          WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum)
       END AS comment,
       -- An identity column's sequence (NULLs for other columns).
       format_type(sq.seqtypid, NULL) AS seq_type,
       sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle,
       -- A collation other than the type's: its name, qualified unless in pg_catalog.
       CASE WHEN a.attcollation <> 0
                 AND a.attcollation <> (SELECT ty.typcollation FROM pg_type ty WHERE ty.oid = a.atttypid) THEN
         (SELECT CASE WHEN con.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                      ELSE quote_ident(con.nspname) || '.' || quote_ident(co.collname) END
          FROM pg_collation co JOIN pg_namespace con ON con.oid = co.collnamespace
          WHERE co.oid = a.attcollation)
       END AS collation,
       -- Its number and its table's oid, which stored expression trees and keys name it by
       -- (`introspect::forms`).
       a.attnum,
       c.oid::int8 AS relid
FROM c
JOIN pg_attribute a ON a.attrelid = c.oid
LEFT JOIN LATERAL (SELECT sq.* FROM pg_depend sd JOIN pg_sequence sq ON sq.seqrelid = sd.objid
                   WHERE a.attidentity <> '' AND sd.refclassid = 'pg_class'::regclass
                     AND sd.refobjid = a.attrelid AND sd.refobjsubid = a.attnum
                     AND sd.classid = 'pg_class'::regclass AND sd.deptype = 'i'
                   OFFSET 0) sq ON true
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.attislocal
