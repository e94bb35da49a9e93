-- Indexes that do not belong to a constraint, with their comments. $1: schemas (text[]); $2, $3: only the tables
-- whose oid is $3 modulo $2 (a share of the tables, for one of several connections; 1, 0 for
-- all). A partition's indexes attached to an index of its parent are the parent's, and are
-- left out. A partitioned table's index is printed `ON ONLY` (made on the parent alone):
-- the `ONLY` is taken out, so that making it again makes it on every partition too.
--
-- The text is pg_get_indexdef's, which costs about 40 µs an index (it looks for the column
-- type's default operator class in pg_opclass, for every column). A plain btree index (a
-- table's, on columns only, with the default operator class and collation of each, ascending,
-- with no INCLUDE, WITH, WHERE or NULLS NOT DISTINCT) is spelled here instead, as
-- pg_get_indexdef spells it: `CREATE [UNIQUE ]INDEX name ON schema.table USING btree (a, b)`,
-- each name through quote_ident (the server's quote_identifier). The other indexes are
-- deparsed by the server. tests/it/introspect_fast.rs checks the two texts are the same.
-- $4: by form (`introspect::forms`): a plain index gets no text but its parts (columns by
-- number, operator classes, collations, options, access method), compared as they are.
-- Rows come in no order: `introspect::build` files each by its names (sorting them here
-- by name cost the server up to a fifth of the query's time on 1 000 tables).
-- Follows `tables_cte.sql` (the tables, as `t`).
, ix AS MATERIALIZED (
  SELECT t.nspname, t.relname AS table_name, i.relname, i.oid, t.relkind, x.indisunique,
         x.indrelid, x.indkey, x.indclass, x.indcollation, x.indoption, i.relam,
         -- Whether the index may be plain (its columns are looked at below). NULLS NOT
         -- DISTINCT (PostgreSQL 15) is read from the row as JSON, so that the query also
         -- runs on servers without the column.
         i.relkind = 'i' AND i.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
           AND x.indexprs IS NULL AND x.indpred IS NULL AND i.reloptions IS NULL
           AND x.indnatts = x.indnkeyatts
           AND (NOT x.indisunique OR (to_jsonb(x) ->> 'indnullsnotdistinct') IS DISTINCT FROM 'true')
           AS plain
  FROM t
  JOIN pg_index x ON x.indrelid = t.oid
  JOIN pg_class i ON i.oid = x.indexrelid
  WHERE NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.oid)
    -- The indexes of constraints, as one hashed set (probing each table's constraints for
    -- each index cost a third of the query).
    AND x.indexrelid NOT IN (SELECT con.conindid FROM pg_constraint con
                             WHERE con.contype IN ('p', 'u', 'x'))
)
SELECT ix.nspname AS schema,
       ix.table_name,
       ix.relname AS name,
       CASE WHEN $4 AND ix.plain THEN NULL
            WHEN keys.plain
            THEN 'CREATE ' || CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                 || quote_ident(ix.relname) || ' ON ' || quote_ident(ix.nspname) || '.'
                 || quote_ident(ix.table_name) || ' USING btree (' || keys.cols || ')'
            WHEN ix.relkind = 'p' AND starts_with(pg_get_indexdef(ix.oid), only_prefix)
            THEN head || ' ON ' || substr(pg_get_indexdef(ix.oid), length(only_prefix) + 1)
            ELSE pg_get_indexdef(ix.oid) END AS definition,
       d.description AS comment,
       ix.oid::int8 AS oid,
       ix.indrelid::int8 AS relid,
       ix.indisunique AS is_unique,
       ix.relam::int8 AS am,
       CASE WHEN $4 AND ix.plain THEN ix.indkey::int2[] END AS keys,
       CASE WHEN $4 AND ix.plain THEN ix.indclass::oid[]::int8[] END AS classes,
       CASE WHEN $4 AND ix.plain THEN ix.indcollation::oid[]::int8[] END AS collations,
       CASE WHEN $4 AND ix.plain THEN ix.indoption::int2[] END AS options
FROM ix
-- The columns of a plain index, and whether each is printed as its bare name: ascending
-- with nulls last (indoption 0), in the column's collation, with the default operator class
-- of exactly the column's type (pg_get_indexdef prints any other). Lookups by key, one row
-- at a time: the planner's estimates for the CTE are too low for a join of the whole.
LEFT JOIN LATERAL (
  SELECT bool_and(k.opt = 0 AND (k.coll = 0 OR k.coll = a.attcollation)
                  AND oc.opcdefault AND oc.opcintype = a.atttypid AND oc.opcmethod = ix.relam) AS plain,
         string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) AS cols
  FROM unnest(ix.indkey::int2[], ix.indclass::oid[], ix.indcollation::oid[], ix.indoption::int2[])
    WITH ORDINALITY k(attnum, cls, coll, opt, i)
  CROSS JOIN LATERAL (SELECT a.attname, a.attcollation, a.atttypid FROM pg_attribute a
                      WHERE a.attrelid = ix.indrelid AND a.attnum = k.attnum) a
  CROSS JOIN LATERAL (SELECT oc.opcdefault, oc.opcintype, oc.opcmethod FROM pg_opclass oc
                      WHERE oc.oid = k.cls) oc
  WHERE ix.plain AND NOT $4
) keys ON true
-- What pg_get_indexdef starts with on a partitioned table, up to the name, and up to ONLY.
CROSS JOIN LATERAL (SELECT 'CREATE ' || CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END
                           || 'INDEX ' || quote_ident(ix.relname) AS head) h
CROSS JOIN LATERAL (SELECT h.head || ' ON ONLY ' AS only_prefix) op
LEFT JOIN pg_description d
  ON d.objoid = ix.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
