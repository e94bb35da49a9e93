-- What the forms of stored expression trees and keys (`introspect::forms`) depend on
-- besides themselves: the server's major version (the trees' format and how they are
-- deparsed), the search path (which names the deparser qualifies), the signatures of the
-- functions that are not PostgreSQL's own (a tree names a function by its oid, which differs
-- between databases; `regprocedure` qualifies it unless the search path finds it), and the
-- columns that foreign keys of the schemas ($1) reference in tables outside them, which the
-- catalog does not read otherwise (auth.users, in Supabase).
-- The tables referenced are found first (a few, usually), and all their columns read.
WITH ns AS MATERIALIZED (
  SELECT oid FROM pg_namespace WHERE nspname = ANY($1)
), referenced AS MATERIALIZED (
  SELECT DISTINCT con.confrelid AS relid
  FROM pg_constraint con
  WHERE con.contype = 'f' AND con.connamespace IN (SELECT oid FROM ns)
), outside AS MATERIALIZED (
  SELECT x.relid
  FROM referenced x
  WHERE (SELECT r.relnamespace FROM pg_class r WHERE r.oid = x.relid) NOT IN (SELECT oid FROM ns)
), named AS MATERIALIZED (
  SELECT o.relid::int8 AS relid, a.attnum, a.attname::text AS name
  FROM outside o
  -- By the index, table by table (OFFSET 0 keeps the planner from hashing pg_attribute).
  CROSS JOIN LATERAL (SELECT a.attnum, a.attname FROM pg_attribute a
                      WHERE a.attrelid = o.relid AND a.attnum > 0 AND NOT a.attisdropped
                      OFFSET 0) a
)
SELECT current_setting('server_version_num')::int / 10000 AS major,
       current_schemas(true)::text[] AS search_path,
       ARRAY(SELECT p.oid::int8 FROM pg_proc p WHERE p.oid >= 12000 ORDER BY p.oid) AS function_oids,
       ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid >= 12000 ORDER BY p.oid) AS function_names,
       ARRAY(SELECT relid FROM named ORDER BY relid, attnum) AS referenced_relids,
       ARRAY(SELECT attnum FROM named ORDER BY relid, attnum) AS referenced_attnums,
       ARRAY(SELECT name FROM named ORDER BY relid, attnum) AS referenced_names
