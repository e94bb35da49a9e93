-- What the forms of stored expression trees (`introspect::forms`) depend on besides the
-- trees: the server's major version (the trees' format and how they are deparsed), the
-- search path (which names the deparser qualifies), and the signatures of the functions
-- that are not built in (a tree names a function by its oid, which differs between
-- databases; `regprocedure` qualifies it unless the search path finds it).
SELECT current_setting('server_version_num')::int / 10000 AS major,
       current_schemas(true)::text[] AS search_path,
       ARRAY(SELECT p.oid::int8 FROM pg_proc p WHERE p.oid >= 10000 ORDER BY p.oid) AS function_oids,
       ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid >= 10000 ORDER BY p.oid) AS function_names
