-- Indexes that do not belong to a constraint, with their comments. $1: schemas (text[]); $2, $3: only the tables
-- whose oid is $3 modulo $2 (a share of the tables, for one of several connections; 1, 0 for
-- all). A partition's indexes attached to an index of its parent are the parent's, and are
-- left out. A partitioned table's index is printed `ON ONLY` (made on the parent alone):
-- the `ONLY` is taken out, so that making it again makes it on every partition too.
SELECT n.nspname AS schema,
       t.relname AS table_name,
       i.relname AS name,
       CASE WHEN t.relkind = 'p' AND starts_with(pg_get_indexdef(i.oid), only_prefix)
            THEN head || ' ON ' || substr(pg_get_indexdef(i.oid), length(only_prefix) + 1)
            ELSE pg_get_indexdef(i.oid) END AS definition,
       d.description AS comment
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
-- What pg_get_indexdef starts with on a partitioned table, up to the name, and up to ONLY.
CROSS JOIN LATERAL (SELECT 'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END
                           || 'INDEX ' || quote_ident(i.relname) AS head) h
CROSS JOIN LATERAL (SELECT h.head || ' ON ONLY ' AS only_prefix) op
LEFT JOIN pg_description d
  ON d.objoid = i.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE n.nspname = ANY($1)
  AND t.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = t.oid AND con.conindid = i.oid AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  AND t.oid::int8 % $2 = $3
ORDER BY 1, 2, 3
