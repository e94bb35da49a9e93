-- What the forms of stored expression trees and keys (`introspect::forms`) depend on
-- besides themselves: the server's major version (the trees' format and how they are
-- deparsed), the search path (which names the deparser qualifies), the signatures of the
-- functions that are not PostgreSQL's own (a tree names a function by its oid, which differs
-- between databases; `regprocedure` qualifies it unless the search path finds it), and the
-- columns that foreign keys of the schemas ($1) reference in tables outside them, which the
-- catalog does not read otherwise (auth.users, in Supabase).
WITH referenced AS (
  SELECT DISTINCT con.confrelid::int8 AS relid, k.n AS attnum
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class r ON r.oid = con.confrelid
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
  CROSS JOIN LATERAL unnest(con.confkey) k(n)
  WHERE con.contype = 'f' AND n.nspname = ANY($1) AND NOT rn.nspname = ANY($1)
), named AS (
  SELECT x.relid, x.attnum, a.attname::text AS name
  FROM referenced x
  JOIN pg_attribute a ON a.attrelid = x.relid::oid AND a.attnum = x.attnum
)
SELECT current_setting('server_version_num')::int / 10000 AS major,
       current_schemas(true)::text[] AS search_path,
       ARRAY(SELECT p.oid::int8 FROM pg_proc p WHERE p.oid >= 12000 ORDER BY p.oid) AS function_oids,
       ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid >= 12000 ORDER BY p.oid) AS function_names,
       ARRAY(SELECT relid FROM named ORDER BY relid, attnum) AS referenced_relids,
       ARRAY(SELECT attnum FROM named ORDER BY relid, attnum) AS referenced_attnums,
       ARRAY(SELECT name FROM named ORDER BY relid, attnum) AS referenced_names
