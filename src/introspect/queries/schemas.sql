-- Which of the scope's schemas exist. $1: schemas (text[]).
SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1
