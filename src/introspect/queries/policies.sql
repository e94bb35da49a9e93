-- Row-level-security policies, expressions in PostgreSQL's canonical form, and comments.
-- $1: schemas; $2, $3: only the tables whose oid is $3 modulo $2 (a share of the tables, for
-- one of several connections; 1, 0 for all). $4: by form (`introspect::forms`): the stored
-- trees of the conditions instead of their texts, which the server deparses only by opening
-- the table.
-- Rows come in no order: `introspect::build` files each by its names (sorting them here
-- by name cost the server up to a fifth of the query's time on 1 000 tables).
SELECT n.nspname AS schema,
       c.relname AS table_name,
       p.polname AS name,
       p.polcmd::text AS command,
       p.polpermissive AS permissive,
       CASE WHEN p.polroles = '{0}' THEN ARRAY['public']::text[]
            ELSE ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.oid = ANY(p.polroles) ORDER BY 1) END AS roles,
       CASE WHEN NOT $4 THEN pg_get_expr(p.polqual, p.polrelid) END AS using_expr,
       CASE WHEN NOT $4 THEN pg_get_expr(p.polwithcheck, p.polrelid) END AS check_expr,
       d.description AS comment,
       p.oid::int8 AS oid,
       CASE WHEN $4 THEN p.polqual::text END AS using_tree,
       CASE WHEN $4 THEN p.polwithcheck::text END AS check_tree
FROM pg_policy p
-- A join, not obj_description(), which runs a query per policy.
LEFT JOIN pg_description d
  ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass AND d.objsubid = 0
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
-- The relations that can have policies (the others cost an index probe each).
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY($1)
  AND c.oid::int8 % $2 = $3
