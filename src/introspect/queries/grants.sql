-- Table and view privileges granted to roles other than the owner. $1: schemas (text[]).
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE WHEN acl.grantee = 0 THEN 'public' ELSE pg_get_userbyid(acl.grantee)::text END AS grantee,
       acl.privilege_type AS privilege
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) acl
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND n.nspname = ANY($1)
  AND acl.grantee <> c.relowner
ORDER BY 1, 2, 3, 4
