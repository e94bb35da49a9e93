-- The objects of the managed schemas that dependencies are reported between, each with its
-- pg_depend address (classid, objid, objsubid) and named the way schemac names objects:
-- (kind, schema, table or NULL, name). A column of a view or materialized view, a view's
-- rewrite rule, a relation's row type and an array type stand for their relation or element
-- type. Triggers and policies are read on every table, since those on tables outside the
-- schemas (auth.users, storage.objects) may use the schemas' functions. The edges between
-- them are dependency_edges.sql; the reader joins the two (a join here cost most of the
-- time of reading the catalog). $1: schemas; $2, $3: the catalogs and nouns of the kinds of
-- `crate::kinds` that have a catalog of their own (`kinds::DEPENDENCY_CATALOGS`).
WITH rels AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1)
), named AS (
  -- relations as a whole
  SELECT 'pg_class'::regclass AS classid, r.oid AS objid, 0 AS objsubid,
         CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'c' THEN 'composite type' WHEN 'S' THEN 'sequence'
                        ELSE 'table' END AS kind,
         r.nspname AS schema, NULL::name AS tbl, r.relname AS name
  FROM rels r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'c', 'f', 'S')
  UNION ALL
  -- columns of tables
  SELECT 'pg_class'::regclass, r.oid, a.attnum, 'column', r.nspname, r.relname, a.attname
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE r.relkind IN ('r', 'p', 'f')
  UNION ALL
  -- indexes, or the constraint an index belongs to
  SELECT 'pg_class'::regclass, r.oid, 0,
         CASE WHEN k.conname IS NULL THEN 'index' ELSE 'constraint' END,
         r.nspname, t.relname, coalesce(k.conname, r.relname)
  FROM rels r
  JOIN pg_index i ON i.indexrelid = r.oid
  JOIN pg_class t ON t.oid = i.indrelid
  LEFT JOIN pg_constraint k ON k.conindid = r.oid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
  UNION ALL
  -- column defaults stand for their column
  SELECT 'pg_attrdef'::regclass, d.oid, 0, 'column', r.nspname, r.relname, a.attname
  FROM pg_attrdef d
  JOIN rels r ON r.oid = d.adrelid
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  UNION ALL
  -- table constraints, and domain constraints (which stand for their domain)
  SELECT 'pg_constraint'::regclass, k.oid, 0,
         CASE WHEN k.conrelid <> 0 THEN 'constraint' ELSE 'domain' END,
         n.nspname, t.relname, CASE WHEN k.conrelid <> 0 THEN k.conname ELSE ty.typname END
  FROM pg_constraint k
  JOIN pg_namespace n ON n.oid = k.connamespace
  LEFT JOIN pg_class t ON t.oid = k.conrelid
  LEFT JOIN pg_type ty ON ty.oid = k.contypid
  WHERE n.nspname = ANY($1)
  UNION ALL
  -- functions and procedures, named with their identity arguments
  SELECT 'pg_proc'::regclass, p.oid, 0, 'function', n.nspname, NULL,
         p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY($1)
  UNION ALL
  -- types: enums, domains, composite types; a relation's row type and an array type stand
  -- for their relation or element
  SELECT 'pg_type'::regclass, ty.oid, 0,
         CASE WHEN base.typrelid <> 0 THEN
                CASE rc.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                WHEN 'c' THEN 'composite type' ELSE 'table' END
              WHEN base.typtype = 'e' THEN 'enum'
              WHEN base.typtype = 'd' THEN 'domain'
              ELSE 'type' END,
         n.nspname, NULL, coalesce(rc.relname, base.typname)
  FROM pg_type ty
  JOIN pg_type base ON base.oid = CASE WHEN ty.typelem <> 0 AND ty.typsubscript = 'array_subscript_handler'::regproc
                                       THEN ty.typelem ELSE ty.oid END
  JOIN pg_namespace n ON n.oid = base.typnamespace
  LEFT JOIN pg_class rc ON rc.oid = base.typrelid
  WHERE n.nspname = ANY($1)
  UNION ALL
  -- a view's rewrite rule stands for the view
  SELECT 'pg_rewrite'::regclass, w.oid, 0,
         CASE r.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
         r.nspname, NULL, r.relname
  FROM pg_rewrite w JOIN rels r ON r.oid = w.ev_class
  WHERE r.relkind IN ('v', 'm')
  UNION ALL
  -- triggers and policies on any table, also outside the managed schemas (auth.users,
  -- storage.objects): they may use a function the plan drops
  SELECT 'pg_trigger'::regclass, g.oid, 0, 'trigger', tn.nspname, t.relname, g.tgname
  FROM pg_trigger g
  JOIN pg_class t ON t.oid = g.tgrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  WHERE NOT g.tgisinternal AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT 'pg_policy'::regclass, o.oid, 0, 'policy', tn.nspname, t.relname, o.polname
  FROM pg_policy o
  JOIN pg_class t ON t.oid = o.polrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  WHERE tn.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  -- the objects of the kinds that live in one module each and have a catalog of their own
  -- (collations): $2 their catalogs, $3 their nouns
  SELECT k.classid, k.objid, 0, k.noun, a.object_names[1], NULL, a.object_names[2]
  FROM (SELECT DISTINCT d.refclassid AS classid, d.refobjid AS objid, kn.noun
        FROM pg_depend d JOIN unnest($2::text[], $3::text[]) kn(cls, noun) ON d.refclassid = kn.cls::regclass
        UNION
        SELECT DISTINCT d.classid, d.objid, kn.noun
        FROM pg_depend d JOIN unnest($2::text[], $3::text[]) kn(cls, noun) ON d.classid = kn.cls::regclass) k
  CROSS JOIN LATERAL pg_identify_object_as_address(k.classid, k.objid, 0) a
  WHERE a.object_names[1] = ANY($1)
)
-- One row of seven arrays, one element per object: 290 000 objects at 10 000 tables, which
-- as rows cost the reader a row structure each (its build grew 30-fold from 1 000 tables).
SELECT coalesce(array_agg(classid::oid), '{}') AS classids,
       coalesce(array_agg(objid), '{}') AS objids,
       coalesce(array_agg(objsubid), '{}') AS objsubids,
       coalesce(array_agg(kind), '{}') AS kinds,
       coalesce(array_agg(schema::text), '{}') AS schemas,
       coalesce(array_agg(tbl::text), '{}') AS tables,
       coalesce(array_agg(name::text), '{}') AS names
FROM named
