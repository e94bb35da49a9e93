-- The texts of check constraints ($1) and policies ($2) read by form (`introspect::forms`),
-- by oid: a constraint's row has its definition, a policy's its two conditions.
SELECT 'c' AS kind, con.oid::int8 AS oid, pg_get_constraintdef(con.oid) AS a, NULL::text AS b
FROM pg_constraint con
WHERE con.oid::int8 = ANY($1)
UNION ALL
SELECT 'p', p.oid::int8, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy p
WHERE p.oid::int8 = ANY($2)
