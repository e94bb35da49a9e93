-- What depends on what, as PostgreSQL records it in pg_depend: a view on what its rewrite
-- rule reads, a function on its argument and result types, a column on its type and on the
-- functions of its default or generation expression, a constraint, trigger or policy on the
-- functions, tables and columns it uses, a domain on the functions of its checks. Only the
-- catalogs dependency_names.sql names objects of; the reader keeps the edges whose two ends
-- it names. $1: the catalogs of the kinds of `crate::kinds` that have one of their own
-- (pg_collation).
-- One row of six arrays, one element per edge (as dependency_names.sql, for the same reason).
SELECT coalesce(array_agg(d.classid), '{}') AS classids,
       coalesce(array_agg(d.objid), '{}') AS objids,
       coalesce(array_agg(d.objsubid), '{}') AS objsubids,
       coalesce(array_agg(d.refclassid), '{}') AS refclassids,
       coalesce(array_agg(d.refobjid), '{}') AS refobjids,
       coalesce(array_agg(d.refobjsubid), '{}') AS refobjsubids
FROM pg_depend d
WHERE d.deptype IN ('n', 'a', 'i')
  AND (d.classid IN ('pg_class'::regclass, 'pg_attrdef'::regclass, 'pg_constraint'::regclass,
                     'pg_proc'::regclass, 'pg_type'::regclass, 'pg_rewrite'::regclass,
                     'pg_trigger'::regclass, 'pg_policy'::regclass)
       OR d.classid = ANY($1::text[]::regclass[]))
  AND (d.refclassid IN ('pg_class'::regclass, 'pg_attrdef'::regclass, 'pg_constraint'::regclass,
                        'pg_proc'::regclass, 'pg_type'::regclass, 'pg_rewrite'::regclass,
                        'pg_trigger'::regclass, 'pg_policy'::regclass)
       OR d.refclassid = ANY($1::text[]::regclass[]))
