-- The first part of the queries that read what belongs to the managed schemas' tables
-- (`introspect::COLUMNS`, `introspect::CONSTRAINTS`, `introspect::INDEXES`): the tables,
-- once each, as `t`.
-- $1: schemas (text[]); $2, $3: only the tables whose oid is $3 modulo $2 (a share of the
-- tables, for one of several connections; 1, 0 for all). Extension members are left out.
-- Reading the tables first tests each once: the test ran once per column, constraint or
-- index when it sat beside them, and every relation of the schemas was probed for them.
WITH t AS MATERIALIZED (
  SELECT c.oid, c.relname, c.relkind, c.relispartition, n.nspname
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname = ANY($1)
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    AND c.oid::int8 % $2 = $3
)
