-- User triggers on the managed schemas' tables, with their comments. $1: schemas (text[]); $2, $3: only the tables
-- whose oid is $3 modulo $2 (a share of the tables, for one of several connections; 1, 0 for
-- all). A partition's triggers cloned from its parent's (tgparentid) are the parent's, and
-- are left out.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       t.tgname AS name,
       pg_get_triggerdef(t.oid) AS definition,
       t.tgenabled::text AS enabled,
       d.description AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
  ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
WHERE NOT t.tgisinternal
  AND t.tgparentid = 0
  AND n.nspname = ANY($1)
  AND c.oid::int8 % $2 = $3
ORDER BY 1, 2, 3
