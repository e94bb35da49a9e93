-- The parts of each function of the managed schemas that a project's `functions:` entry
-- holds, and the attributes it cannot hold (so they are reported, never dropped silently).
-- $1: schemas. Keyed like the catalog's functions (schema, name, identity arguments).
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_args,
       coalesce(p.proargnames, '{}') AS arg_names,
       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, i) ORDER BY i) AS arg_types,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       l.lanname AS language,
       p.prosecdef AS definer,
       p.provolatile::text AS volatility,
       p.prosrc AS body,
       coalesce(p.proconfig, '{}') AS config,
       p.prokind::text AS kind,
       p.proisstrict AS strict,
       p.proleakproof AS leakproof,
       p.proparallel::text AS parallel,
       p.procost::float8 AS cost,
       p.prorows::float8 AS rows,
       p.proretset AS retset,
       p.proargmodes IS NOT NULL AS has_modes
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY($1)
  AND p.prokind IN ('f', 'p', 'a', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
