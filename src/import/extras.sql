-- What else the database holds that the catalog does not read and a project cannot
-- declare, one row per object: kind, schema, name, definition. $1: the imported schemas;
-- $2: the catalogs of the kinds of `crate::kinds` that have one (`dependency_catalogs`).
-- Listed in the import report as "not representable", never left out silently.
-- A table inheriting from one outside the imported schemas, which the project cannot name
-- (inheritance within them is written as `inherits:`).
SELECT 'table inheritance from a table outside the imported schemas', n.nspname, c.relname,
       'INHERITS (' || (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(pc.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid) || ')'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind = 'r' AND NOT c.relispartition
  AND EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
              WHERE i.inhrelid = c.oid AND NOT pn.nspname = ANY($1))
UNION ALL
SELECT 'storage parameters', n.nspname, c.relname, 'WITH (' || array_to_string(c.reloptions, ', ') || ')'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL
UNION ALL
SELECT 'column statistics or storage', n.nspname, c.relname || '.' || a.attname,
       'SET STATISTICS ' || a.attstattarget::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0
UNION ALL
SELECT 'rule', n.nspname, c.relname || '.' || r.rulename, pg_get_ruledef(r.oid)
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND r.rulename <> '_RETURN'
UNION ALL
SELECT 'disabled trigger', n.nspname, c.relname || '.' || t.tgname, 'ALTER TABLE … DISABLE TRIGGER (' || t.tgenabled::text || ')'
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND NOT t.tgisinternal AND t.tgenabled <> 'O'
UNION ALL
SELECT 'replica identity', n.nspname, c.relname, 'REPLICA IDENTITY ' || CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' ELSE 'USING INDEX' END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND c.relreplident <> 'd'
UNION ALL
SELECT 'type', n.nspname, t.typname,
       CASE t.typtype WHEN 'r' THEN 'range type' WHEN 'b' THEN 'base type' WHEN 'm' THEN 'multirange type' ELSE 'type' END
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY($1) AND t.typtype IN ('r', 'b')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
  AND t.typelem = 0 AND t.typrelid = 0
UNION ALL
SELECT 'foreign table', n.nspname, c.relname, 'CREATE FOREIGN TABLE'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind = 'f'
UNION ALL
SELECT 'collation, operator or text search object', n.nspname, x.name, x.what
FROM pg_namespace n
CROSS JOIN LATERAL (
  SELECT collname::text AS name, 'collation' AS what, oid, 'pg_collation'::regclass AS cls FROM pg_collation WHERE collnamespace = n.oid
  UNION ALL SELECT oprname::text, 'operator', oid, 'pg_operator'::regclass FROM pg_operator WHERE oprnamespace = n.oid
  UNION ALL SELECT cfgname::text, 'text search configuration', oid, 'pg_ts_config'::regclass FROM pg_ts_config WHERE cfgnamespace = n.oid
) x
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = x.cls AND d.objid = x.oid AND d.deptype = 'e')
  AND n.nspname <> 'pg_catalog'
  -- the catalogs of kinds the project declares (crate::kinds, such as pg_collation)
  AND NOT x.cls = ANY($2::text[]::regclass[])
ORDER BY 1, 2, 3
