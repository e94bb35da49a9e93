//! The catalog queries spell some definitions themselves instead of calling the server's
//! deparsers (`pg_get_indexdef`, `pg_get_constraintdef`), which cost tens of microseconds a
//! row. The text must be the server's, byte for byte, or every database diff would report
//! drift: each query runs here on a broad set of indexes and constraints with its own
//! spelling turned off and on, and the two answers must be the same row for row.

use postgres::Client;

/// Tables, indexes and constraints of every shape the fast paths meet or must leave to
/// the server: quoted, keyword, mixed-case and non-ASCII names, several columns, other
/// schemas (one of them off the search path), every foreign-key action, MATCH FULL,
/// deferrable and NOT VALID constraints, partial, expression, descending, operator-class,
/// collation, INCLUDE and storage-parameter indexes, other access methods, NULLS NOT
/// DISTINCT, exclusion constraints and partitioned tables.
pub const FIXTURE: &str = r#"
CREATE SCHEMA "Other Schema";
CREATE SCHEMA hidden;
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);

CREATE TABLE public.users (id int PRIMARY KEY, email text);
CREATE TABLE hidden.users (id int PRIMARY KEY, email text UNIQUE, "Code" text);
ALTER TABLE hidden.users ADD CONSTRAINT "users Code key" UNIQUE ("Code", email);
ALTER TABLE hidden.users ADD CONSTRAINT users_id_email UNIQUE (email, id);
CREATE TABLE "Other Schema"."Ref Table" ("Key" int, k2 int, "select" text, PRIMARY KEY ("Key", k2));
CREATE TABLE app.plain (
  dropped_first int,
  id bigint GENERATED ALWAYS AS IDENTITY,
  "Mixed" text,
  "select" int,
  "ünï" text,
  a int, b int,
  c text COLLATE "C",
  d varchar(10),
  e int[],
  f jsonb,
  g tsvector,
  h numeric,
  m mood,
  p posint,
  r int4range,
  "user" int,
  "1st" int,
  CONSTRAINT "Plain PK" PRIMARY KEY (id),
  CONSTRAINT plain_a_b_key UNIQUE (a, b),
  CONSTRAINT plain_nnd UNIQUE NULLS NOT DISTINCT ("select"),
  CONSTRAINT plain_incl UNIQUE (h) INCLUDE (a),
  CONSTRAINT plain_with_key UNIQUE ("1st") WITH (fillfactor = 70),
  CONSTRAINT plain_deferrable UNIQUE ("user") DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT "ünï key" UNIQUE ("ünï", "Mixed") DEFERRABLE,
  CONSTRAINT plain_check CHECK (a > 0) NO INHERIT,
  CONSTRAINT plain_excl EXCLUDE USING gist (r WITH &&)
);
ALTER TABLE app.plain DROP COLUMN dropped_first;
ALTER TABLE app.plain ADD CONSTRAINT plain_not_valid CHECK (b > 0) NOT VALID;

CREATE TABLE app.child (
  id int PRIMARY KEY,
  plain_id bigint REFERENCES app.plain,
  u int REFERENCES public.users ON DELETE CASCADE ON UPDATE CASCADE,
  hu int REFERENCES hidden.users (id) ON DELETE SET NULL,
  hu2 int,
  hu3 int,
  he text,
  "Ref Key" int, rk2 int,
  x int, y int,
  CONSTRAINT child_hu2 FOREIGN KEY (hu2) REFERENCES hidden.users ON DELETE SET NULL (hu2),
  CONSTRAINT child_hu3 FOREIGN KEY (hu3) REFERENCES hidden.users ON DELETE SET DEFAULT ON UPDATE RESTRICT,
  CONSTRAINT "Child Ref" FOREIGN KEY ("Ref Key", rk2) REFERENCES "Other Schema"."Ref Table" MATCH FULL ON DELETE RESTRICT ON UPDATE SET NULL,
  CONSTRAINT child_code FOREIGN KEY (he, x) REFERENCES hidden.users (email, id) NOT VALID,
  CONSTRAINT child_code2 FOREIGN KEY (he) REFERENCES hidden.users (email) ON UPDATE SET DEFAULT DEFERRABLE,
  CONSTRAINT child_code3 FOREIGN KEY (he) REFERENCES hidden.users (email) ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT child_self FOREIGN KEY (x) REFERENCES app.child (id) ON DELETE RESTRICT,
  CONSTRAINT "select" FOREIGN KEY (y, x) REFERENCES app.plain (a, b) MATCH SIMPLE
);
ALTER TABLE app.child ADD CONSTRAINT child_not_valid FOREIGN KEY (hu) REFERENCES public.users ON DELETE RESTRICT NOT VALID;
ALTER TABLE app.child ADD CONSTRAINT child_not_valid_check CHECK (x > 0) NOT VALID;
CREATE TABLE "Other Schema".back (id int PRIMARY KEY, u int REFERENCES public.users, c int REFERENCES app.child);

CREATE INDEX plain_single ON app.plain (a);
CREATE INDEX plain_multi ON app.plain (b, a, "Mixed");
CREATE INDEX "Plain Quoted" ON app.plain ("select", "ünï", "user", "1st");
CREATE UNIQUE INDEX plain_unique ON app.plain (c, a);
CREATE UNIQUE INDEX plain_unique_nnd ON app.plain (b) NULLS NOT DISTINCT;
CREATE INDEX plain_desc ON app.plain (a DESC);
CREATE INDEX plain_desc_nulls_last ON app.plain (a DESC NULLS LAST, b);
CREATE INDEX plain_nulls_first ON app.plain (b NULLS FIRST);
CREATE INDEX plain_collate ON app.plain ("Mixed" COLLATE "C");
CREATE INDEX plain_same_collate ON app.plain (c COLLATE "C");
CREATE INDEX plain_pattern ON app.plain ("Mixed" text_pattern_ops);
CREATE INDEX plain_varchar ON app.plain (d);
CREATE INDEX plain_array ON app.plain (e);
CREATE INDEX plain_enum ON app.plain (m);
CREATE INDEX plain_domain ON app.plain (p);
CREATE INDEX plain_numeric ON app.plain (h);
CREATE INDEX plain_include ON app.plain (a) INCLUDE (b, "Mixed");
CREATE INDEX plain_with ON app.plain (a) WITH (fillfactor = 80, deduplicate_items = off);
CREATE INDEX plain_partial ON app.plain (a) WHERE b > 0;
CREATE INDEX plain_expr ON app.plain (lower("Mixed"));
CREATE INDEX plain_expr_mixed ON app.plain (a, (b + 1), "Mixed");
CREATE INDEX plain_gin ON app.plain USING gin (f);
CREATE INDEX plain_gin_ops ON app.plain USING gin (f jsonb_path_ops);
CREATE INDEX plain_gist ON app.plain USING gist (g);
CREATE INDEX plain_hash ON app.plain USING hash (a);
CREATE INDEX plain_brin ON app.plain USING brin (h);
CREATE INDEX "ünï idx" ON app.plain ("ünï");
CREATE INDEX "Other Idx" ON "Other Schema"."Ref Table" ("select", k2);
CREATE INDEX users_email ON hidden.users (email);
CREATE INDEX ON public.users (email, id);
CREATE INDEX child_fk ON app.child ("Ref Key", rk2);

CREATE TABLE app.parted (id int, at date, k text, n int, PRIMARY KEY (id, at), UNIQUE (k, at)) PARTITION BY RANGE (at);
CREATE TABLE app.parted_2026 PARTITION OF app.parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE app.parted_2027 PARTITION OF app.parted FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX parted_n ON app.parted (n);
CREATE INDEX parted_k_n ON app.parted (k, n DESC);
CREATE INDEX parted_2026_only ON app.parted_2026 (k);
ALTER TABLE app.parted ADD CONSTRAINT parted_fk FOREIGN KEY (n) REFERENCES public.users ON DELETE CASCADE;
CREATE TABLE app.parted_ref (pid int, pat date, CONSTRAINT parted_ref_fk FOREIGN KEY (pid, pat) REFERENCES app.parted MATCH FULL);
ALTER TABLE app.parted ADD CONSTRAINT parted_check CHECK (n > 0);

CREATE TABLE app.inh_parent (id int PRIMARY KEY, v int CHECK (v > 0));
CREATE TABLE app.inh_child (w int UNIQUE) INHERITS (app.inh_parent);
CREATE INDEX inh_child_v ON app.inh_child (v);
"#;

/// The schemas the fixture's queries read.
fn schemas() -> Vec<String> {
    ["app", "hidden", "public", "Other Schema"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The query's rows read as the catalog reads them (not by form): schema, table, name,
/// definition and comment, as text (the columns after those serve reading by form), sorted
/// (the queries leave the order to the catalog).
fn rows(c: &mut Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let (of, index, by_form) = (1i64, 0i64, false);
    let mut rows: Vec<Vec<Option<String>>> = c
        .query(sql, &[&schemas(), &of, &index, &by_form])
        .expect("catalog query")
        .iter()
        .map(|r| (0..r.len().min(5)).map(|i| r.get(i)).collect())
        .collect();
    rows.sort();
    rows
}

/// `query` with `fast` (`WHEN <the test that picks the query's own spelling>`) replaced by
/// `WHEN false` must give the same rows as `query`; with the deparser call `deparse` replaced by NULL,
/// exactly the rows named in `expected_fast` must keep a definition.
fn same_text(query: &str, fast: &str, deparse: &str, expected_fast: &[&str]) {
    let Some(mut db) = crate::pg::test_db("introspect_fast") else {
        return;
    };
    db.client.batch_execute(FIXTURE).expect("fixture");
    assert!(
        query.contains(fast),
        "the fast path's test `{fast}` is gone"
    );
    assert!(
        query.contains(deparse),
        "the deparser call `{deparse}` is gone"
    );
    let with_fast = rows(&mut db.client, query);
    let server_only = rows(&mut db.client, &query.replace(fast, "WHEN false"));
    assert!(
        with_fast.len() > 20,
        "too few rows to prove anything: {with_fast:#?}"
    );
    assert_eq!(
        with_fast.len(),
        server_only.len(),
        "different row counts:\n{with_fast:#?}\n{server_only:#?}"
    );
    for (a, b) in with_fast.iter().zip(&server_only) {
        assert_eq!(a, b, "the query's own text differs from the server's");
    }
    // The rows the fast path spells: their definition (the fourth column) survives without
    // the deparser.
    let fast_rows: Vec<Vec<Option<String>>> =
        rows(&mut db.client, &query.replace(deparse, "NULL::text"))
            .into_iter()
            .filter(|r| r[3].is_some())
            .collect();
    let mut got: Vec<&str> = fast_rows.iter().filter_map(|r| r[2].as_deref()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = expected_fast.to_vec();
    want.sort_unstable();
    assert_eq!(
        got, want,
        "the rows spelled without the deparser:\n{fast_rows:#?}"
    );
}

#[test]
fn index_text_is_the_servers() {
    same_text(
        schemac::introspect::INDEXES,
        "WHEN keys.plain",
        "pg_get_indexdef(ix.oid)",
        &[
            "plain_single",
            "plain_multi",
            "Plain Quoted",
            "plain_unique",
            "plain_same_collate",
            "plain_numeric",
            "ünï idx",
            "Other Idx",
            "users_email",
            "users_email_id_idx",
            "child_fk",
            "parted_2026_only",
            "inh_child_v",
        ],
    );
}
