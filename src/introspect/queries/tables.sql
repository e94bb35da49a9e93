-- Tables of the managed schemas with RLS flags and comments. $1: schemas (text[]); $2, $3:
-- only the tables whose oid is $3 modulo $2 (a share of the tables, for one of several
-- connections; 1, 0 for all).
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       ds.description AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
-- A join, not obj_description(), which runs a query per table.
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND c.oid::int8 % $2 = $3
ORDER BY 1, 2
