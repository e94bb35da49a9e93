-- Default privileges per schema (ALTER DEFAULT PRIVILEGES IN SCHEMA …). $1: schemas.
SELECT n.nspname AS schema,
       d.defaclobjtype::text AS object_type,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
       a.privilege_type AS privilege
FROM pg_default_acl d
JOIN pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL aclexplode(d.defaclacl) a
WHERE n.nspname = ANY($1)
ORDER BY 1, 2, 3, 4
