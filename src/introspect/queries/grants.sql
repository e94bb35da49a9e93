-- Table, view and sequence privileges granted to roles other than the owner, and column
-- privileges (`pg_attribute.attacl`, with the column's name). $1: schemas (text[]). Every
-- sequence has a row (with a NULL grantee when nobody else holds anything), so that a
-- sequence without privileges can be told from a missing one. `grantable`: held WITH
-- GRANT OPTION. `grantor`: who granted it, when not the owner (a grantee passing on a
-- privilege it holds WITH GRANT OPTION).
-- Rows come in no order: `introspect::build` files each by its names (sorting them here
-- by name cost the server up to a fifth of the query's time on 1 000 tables).
SELECT n.nspname AS schema,
       c.relname AS name,
       g.grantee,
       g.privilege,
       c.relkind = 'S' AS is_sequence,
       NULL::text AS column_name,
       coalesce(g.grantable, false) AS grantable,
       g.grantor
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT CASE WHEN acl.grantee = 0 THEN 'public' ELSE pg_get_userbyid(acl.grantee)::text END AS grantee,
         acl.privilege_type AS privilege,
         acl.is_grantable AS grantable,
         CASE WHEN acl.grantor <> c.relowner THEN pg_get_userbyid(acl.grantor)::text END AS grantor
  FROM aclexplode(c.relacl) acl
  WHERE acl.grantee <> c.relowner
) g ON true
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND n.nspname = ANY($1)
  AND (g.grantee IS NOT NULL OR c.relkind = 'S')
UNION ALL
SELECT n.nspname,
       c.relname,
       CASE WHEN acl.grantee = 0 THEN 'public' ELSE pg_get_userbyid(acl.grantee)::text END,
       acl.privilege_type,
       false,
       a.attname::text,
       acl.is_grantable,
       CASE WHEN acl.grantor <> c.relowner THEN pg_get_userbyid(acl.grantor)::text END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
CROSS JOIN LATERAL aclexplode(a.attacl) acl
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND a.attacl IS NOT NULL
  AND acl.grantee <> c.relowner
  AND n.nspname = ANY($1)
