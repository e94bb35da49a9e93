-- Composite types of the managed schemas: attributes in order, each as format_type with its
-- collation where it is not the attribute type's own, and the comment. $1: schemas.
SELECT n.nspname AS schema,
       t.typname AS name,
       coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '{}') AS attributes,
       coalesce(array_agg(format_type(a.atttypid, a.atttypmod)
                          || CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                  THEN ' COLLATE ' || quote_ident(co.collname) ELSE '' END
                          ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '{}') AS types,
       (SELECT ds.description FROM pg_description ds WHERE ds.objoid = t.oid AND ds.classoid = 'pg_type'::regclass AND ds.objsubid = 0) AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type at ON at.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = ANY($1)
  AND t.typtype = 'c'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY n.nspname, t.typname, t.oid
ORDER BY 1, 2
