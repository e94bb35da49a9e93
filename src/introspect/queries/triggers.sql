-- User triggers on the managed schemas' tables, with their comments. $1: schemas (text[]); $2, $3: only the tables
-- whose oid is $3 modulo $2 (a share of the tables, for one of several connections; 1, 0 for
-- all). A partition's triggers cloned from its parent's (tgparentid) are the parent's, and
-- are left out. $4: by form (`introspect::forms`): a table's trigger that is not a
-- constraint trigger gets no text but its parts.
-- Rows come in no order: `introspect::build` files each by its names (sorting them here
-- by name cost the server up to a fifth of the query's time on 1 000 tables).
SELECT n.nspname AS schema,
       c.relname AS table_name,
       t.tgname AS name,
       CASE WHEN $4 AND t.tgconstraint = 0 AND c.relkind IN ('r', 'p') THEN NULL
            ELSE pg_get_triggerdef(t.oid) END AS definition,
       t.tgenabled::text AS enabled,
       d.description AS comment,
       t.oid::int8 AS oid,
       t.tgrelid::int8 AS relid,
       t.tgtype::int4 AS type,
       t.tgfoid::int8 AS function,
       t.tgargs AS args,
       t.tgattr::int2[] AS columns,
       CASE WHEN $4 THEN t.tgqual::text END AS tree,
       t.tgdeferrable AS deferrable,
       t.tginitdeferred AS deferred,
       t.tgoldtable::text AS old_table,
       t.tgnewtable::text AS new_table
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
  ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
WHERE NOT t.tgisinternal
  AND t.tgparentid = 0
  -- The relations that can have triggers (the others cost an index probe each).
  AND c.relkind IN ('r', 'p', 'v', 'f')
  AND n.nspname = ANY($1)
  AND c.oid::int8 % $2 = $3
