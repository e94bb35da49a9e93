-- Table, view and sequence privileges granted to roles other than the owner. $1: schemas
-- (text[]). Every sequence has a row (with a NULL grantee when nobody else holds anything),
-- so that a sequence without privileges can be told from a missing one.
SELECT n.nspname AS schema,
       c.relname AS name,
       g.grantee,
       g.privilege,
       c.relkind = 'S' AS is_sequence
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT CASE WHEN acl.grantee = 0 THEN 'public' ELSE pg_get_userbyid(acl.grantee)::text END AS grantee,
         acl.privilege_type AS privilege
  FROM aclexplode(c.relacl) acl
  WHERE acl.grantee <> c.relowner
) g ON true
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND n.nspname = ANY($1)
  AND (g.grantee IS NOT NULL OR c.relkind = 'S')
ORDER BY 1, 2, 3, 4
