-- Privileges on schemas granted to roles other than the owner, and whether each is held
-- WITH GRANT OPTION. $1: schemas (text[]).
SELECT n.nspname AS schema,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END AS grantee,
       a.privilege_type AS privilege,
       a.is_grantable AS grantable
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) a
WHERE n.nspname = ANY($1)
  AND a.grantee <> n.nspowner
ORDER BY 1, 2, 3
