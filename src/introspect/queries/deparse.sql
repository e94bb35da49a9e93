-- The texts of what was read by form (`introspect::forms`), by oid: constraints ($1), with
-- their definition; policies ($2), with their two conditions; indexes ($3), with their
-- definition as `queries/indexes.sql` gives it (a partitioned table's without `ONLY`);
-- triggers ($4), with their definition.
SELECT 'c' AS kind, con.oid::int8 AS oid, pg_get_constraintdef(con.oid) AS a, NULL::text AS b
FROM pg_constraint con
WHERE con.oid::int8 = ANY($1)
UNION ALL
SELECT 'p', p.oid::int8, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy p
WHERE p.oid::int8 = ANY($2)
UNION ALL
SELECT 'i', i.oid::int8,
       CASE WHEN t.relkind = 'p' AND starts_with(h.def, h.head || ' ON ONLY ')
            THEN h.head || ' ON ' || substr(h.def, length(h.head || ' ON ONLY ') + 1)
            ELSE h.def END,
       NULL
FROM pg_class i
JOIN pg_index x ON x.indexrelid = i.oid
JOIN pg_class t ON t.oid = x.indrelid
CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.oid) AS def,
                           'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END
                           || 'INDEX ' || quote_ident(i.relname) AS head) h
WHERE i.oid::int8 = ANY($3)
UNION ALL
SELECT 't', t.oid::int8, pg_get_triggerdef(t.oid), NULL
FROM pg_trigger t
WHERE t.oid::int8 = ANY($4)
