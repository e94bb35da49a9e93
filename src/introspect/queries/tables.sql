-- Tables of the managed schemas with RLS flags and comments, a partitioned table's key, a
-- partition's parent and bound, whether the table is unlogged, and the parents of a table
-- that is not a partition (INHERITS) in inhseqno order, as two arrays (schemas, names).
-- $1: schemas (text[]); $2, $3: only the tables whose oid is $3 modulo $2 (a share of the
-- tables, for one of several connections; 1, 0 for all).
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       ds.description AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pn.nspname AS parent_schema,
       pc.relname AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       c.relpersistence = 'u' AS unlogged,
       ARRAY(SELECT hn.nspname FROM pg_inherits hi
             JOIN pg_class hc ON hc.oid = hi.inhparent JOIN pg_namespace hn ON hn.oid = hc.relnamespace
             WHERE hi.inhrelid = c.oid AND NOT c.relispartition ORDER BY hi.inhseqno) AS inherits_schemas,
       ARRAY(SELECT hc.relname FROM pg_inherits hi JOIN pg_class hc ON hc.oid = hi.inhparent
             WHERE hi.inhrelid = c.oid AND NOT c.relispartition ORDER BY hi.inhseqno) AS inherits_names
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
-- A join, not obj_description(), which runs a query per table.
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
-- A partition has one parent.
LEFT JOIN pg_inherits ih ON c.relispartition AND ih.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = ih.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND c.oid::int8 % $2 = $3
ORDER BY 1, 2
