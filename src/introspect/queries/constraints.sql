-- Primary key, unique, check and foreign-key constraints, with their comments. $1: schemas (text[]); $2, $3: only
-- the tables whose oid is $3 modulo $2 (a share of the tables, for one of several connections;
-- 1, 0 for all). A partition's constraints cloned from or inherited from its parent's are
-- the parent's, and are left out; so are the checks an inheritance child (INHERITS) inherits
-- and does not also declare (conislocal). $4: by form (`introspect::forms`): a check's stored
-- tree instead of its text, which the server deparses only by opening the table.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       con.conname AS name,
       con.contype::text AS kind,
       CASE WHEN $4 AND con.contype = 'c' THEN NULL ELSE pg_get_constraintdef(con.oid) END AS definition,
       d.description AS comment,
       con.oid::int8 AS oid,
       CASE WHEN $4 AND con.contype = 'c' THEN con.conbin::text END AS tree,
       con.connoinherit AS no_inherit,
       con.convalidated AS validated
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
  ON d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x')
  AND n.nspname = ANY($1)
  AND (NOT c.relispartition OR (con.conparentid = 0 AND con.coninhcount = 0))
  AND (c.relispartition OR con.conislocal)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND c.oid::int8 % $2 = $3
ORDER BY 1, 2, 3
