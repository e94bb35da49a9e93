-- Functions and procedures of the managed schemas, with their full definition and who may
-- execute them besides the owner (a NULL ACL is PostgreSQL's default: EXECUTE for PUBLIC),
-- and whether each holds it WITH GRANT OPTION.
-- $1: schemas.
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_get_functiondef(p.oid) AS definition,
       (SELECT ds.description FROM pg_description ds WHERE ds.objoid = p.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0) AS comment,
       ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END
             FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
             WHERE a.grantee <> p.proowner ORDER BY 1) AS grantees,
       ARRAY(SELECT a.privilege_type::text
             FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
             WHERE a.grantee <> p.proowner
             ORDER BY CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END) AS privileges,
       ARRAY(SELECT a.is_grantable
             FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
             WHERE a.grantee <> p.proowner
             ORDER BY CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END) AS grantable,
       -- Privileges passed on by a grantee holding them WITH GRANT OPTION: grantor,
       -- grantee, privilege, in one order.
       ARRAY(SELECT pg_get_userbyid(a.grantor)::text
             FROM aclexplode(p.proacl) a
             WHERE a.grantor <> p.proowner ORDER BY a.grantor, a.grantee, a.privilege_type) AS passed_by,
       ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END
             FROM aclexplode(p.proacl) a
             WHERE a.grantor <> p.proowner ORDER BY a.grantor, a.grantee, a.privilege_type) AS passed_to,
       ARRAY(SELECT a.privilege_type::text
             FROM aclexplode(p.proacl) a
             WHERE a.grantor <> p.proowner ORDER BY a.grantor, a.grantee, a.privilege_type) AS passed
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1)
  AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
