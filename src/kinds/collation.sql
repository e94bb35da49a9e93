-- Collations of the managed schemas: provider ('c' libc, 'i' ICU), LC_COLLATE and LC_CTYPE
-- (libc), the ICU locale (colliculocale on PostgreSQL 15 and 16, colllocale from 17, read
-- through to_jsonb so one query serves both), whether it is deterministic, its owner and
-- its comment. Extensions' collations are not read. $1: schemas.
SELECT n.nspname AS schema,
       c.collname AS name,
       c.collprovider::text AS provider,
       CASE WHEN c.collprovider = 'c' THEN c.collcollate END AS lc_collate,
       CASE WHEN c.collprovider = 'c' THEN c.collctype END AS lc_ctype,
       CASE WHEN c.collprovider = 'i'
            THEN coalesce(to_jsonb(c) ->> 'colliculocale', to_jsonb(c) ->> 'colllocale') END AS icu_locale,
       c.collisdeterministic AS deterministic,
       pg_get_userbyid(c.collowner)::text AS owner,
       (SELECT ds.description FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_collation'::regclass AND ds.objsubid = 0) AS comment
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname = ANY($1)
  AND c.collprovider IN ('c', 'i')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
