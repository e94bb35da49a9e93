-- Publications with their operations and published tables (all of them; diff compares only
-- the publications a project declares).
SELECT p.pubname AS name,
       p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate,
       ARRAY(SELECT pt.schemaname::text FROM pg_publication_tables pt WHERE pt.pubname = p.pubname ORDER BY pt.schemaname, pt.tablename) AS schemas,
       ARRAY(SELECT pt.tablename::text FROM pg_publication_tables pt WHERE pt.pubname = p.pubname ORDER BY pt.schemaname, pt.tablename) AS tables
FROM pg_publication p
ORDER BY 1
