//! A diff of two databases compares check constraints and policies by the forms of their
//! stored trees (`src/introspect/forms.rs`) and has them deparsed only when something
//! differs. A form must never make two different definitions look the same, and what the
//! user sees must be PostgreSQL's text, never a form. Each case builds two databases that
//! differ (or not) in exactly one way a form has to get right, diffs them with the CLI,
//! and checks the answer and that the plan converges.

use crate::schemac;

/// Objects both databases of every case have.
const COMMON: &str = r#"
CREATE SCHEMA app;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE FUNCTION app.me() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid';
CREATE FUNCTION public.me() RETURNS uuid LANGUAGE sql STABLE AS 'SELECT NULL::uuid';
CREATE TYPE public.mood AS ENUM ('a', 'b');
"#;

/// (case, the --from database, the --to database, a text the plan must hold, or None when
/// the two must diff clean).
const CASES: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "a column dropped before: other numbers, same text",
        "CREATE TABLE t (x int, a int, CONSTRAINT c CHECK (a > 0)); ALTER TABLE t DROP COLUMN x;",
        "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0));",
        None,
    ),
    (
        "the same column number, another column",
        "CREATE TABLE t (a int, b int, CONSTRAINT c CHECK (a > 0));",
        "CREATE TABLE t (b int, a int, CONSTRAINT c CHECK (b > 0));",
        Some("CHECK ((b > 0))"),
    ),
    (
        "another constant",
        "CREATE TABLE t (a numeric(12,2), CONSTRAINT c CHECK (a < 1000));",
        "CREATE TABLE t (a numeric(12,2), CONSTRAINT c CHECK (a < 1001));",
        Some("(1001)::numeric"),
    ),
    (
        "NOT VALID",
        "CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
        "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0));",
        Some("VALIDATE CONSTRAINT c"),
    ),
    (
        "a check on an enum column (no form: deparsed first), the same",
        "CREATE TABLE t (m mood, CONSTRAINT c CHECK (m <> 'b'));",
        "CREATE TABLE t (m mood, CONSTRAINT c CHECK (m <> 'b'));",
        None,
    ),
    (
        "a check on an enum column, another value",
        "CREATE TABLE t (m mood, CONSTRAINT c CHECK (m <> 'b'));",
        "CREATE TABLE t (m mood, CONSTRAINT c CHECK (m <> 'a'));",
        Some("'a'::mood"),
    ),
    (
        "a policy calling a function of the project, the same",
        "CREATE TABLE t (u uuid); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (u = (SELECT app.me()));",
        "CREATE TABLE t (u uuid); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (u = (SELECT app.me()));",
        None,
    ),
    (
        "a policy calling a function of the same name in another schema",
        "CREATE TABLE t (u uuid); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (u = (SELECT app.me()));",
        "CREATE TABLE t (u uuid); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (u = (SELECT public.me()));",
        Some("me() AS me"),
    ),
    (
        "a policy reading another table (no form: deparsed first), the same",
        "CREATE TABLE o (id int); CREATE TABLE t (o int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (EXISTS (SELECT 1 FROM o WHERE o.id = t.o));",
        "CREATE TABLE o (id int); CREATE TABLE t (o int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (EXISTS (SELECT 1 FROM o WHERE o.id = t.o));",
        None,
    ),
    (
        "a primary key: the same column number, another column",
        "CREATE TABLE t (a int, b int, CONSTRAINT k PRIMARY KEY (a));",
        "CREATE TABLE t (b int, a int, CONSTRAINT k PRIMARY KEY (b));",
        Some("PRIMARY KEY (b)"),
    ),
    (
        "a primary key, deferrable",
        "CREATE TABLE t (a int, CONSTRAINT k PRIMARY KEY (a));",
        "CREATE TABLE t (a int, CONSTRAINT k PRIMARY KEY (a) DEFERRABLE INITIALLY DEFERRED);",
        Some("DEFERRABLE INITIALLY DEFERRED"),
    ),
    (
        "a foreign key: the referenced table's column of the same number, another column",
        "CREATE TABLE o (id int UNIQUE, id2 int UNIQUE);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES o (id));",
        "CREATE TABLE o (id2 int UNIQUE, id int UNIQUE);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES o (id2));",
        Some("REFERENCES o(id2)"),
    ),
    (
        "a foreign key, another action",
        "CREATE TABLE o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES o ON DELETE CASCADE);",
        "CREATE TABLE o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES o ON DELETE RESTRICT);",
        Some("ON DELETE RESTRICT"),
    ),
    (
        "a foreign key, MATCH FULL",
        "CREATE TABLE o (id int, k int, PRIMARY KEY (id, k));
         CREATE TABLE t (a int, b int, CONSTRAINT f FOREIGN KEY (a, b) REFERENCES o);",
        "CREATE TABLE o (id int, k int, PRIMARY KEY (id, k));
         CREATE TABLE t (a int, b int, CONSTRAINT f FOREIGN KEY (a, b) REFERENCES o MATCH FULL);",
        Some("MATCH FULL"),
    ),
    (
        "a foreign key to a table of another schema (no form: deparsed first), the same",
        "CREATE TABLE app.o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES app.o);",
        "CREATE TABLE app.o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES app.o);",
        None,
    ),
    (
        "a foreign key to a table of another schema, another table",
        "CREATE TABLE app.o (id int PRIMARY KEY); CREATE TABLE o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES app.o);",
        "CREATE TABLE app.o (id int PRIMARY KEY); CREATE TABLE o (id int PRIMARY KEY);
         CREATE TABLE t (a int, CONSTRAINT f FOREIGN KEY (a) REFERENCES public.o);",
        Some("REFERENCES o(id)"),
    ),
    (
        "an index: other column numbers, same text",
        "CREATE TABLE t (x int, a int, b text); ALTER TABLE t DROP COLUMN x; CREATE INDEX i ON t (a, b);",
        "CREATE TABLE t (a int, b text); CREATE INDEX i ON t (a, b);",
        None,
    ),
    (
        "an index: the same column number, another column",
        "CREATE TABLE t (a int, b int); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (b int, a int); CREATE INDEX i ON t (b);",
        Some("USING btree (b)"),
    ),
    (
        "an index, descending",
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a DESC);",
        Some("(a DESC)"),
    ),
    (
        "an index, another operator class",
        "CREATE TABLE t (a text); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a text); CREATE INDEX i ON t (a text_pattern_ops);",
        Some("text_pattern_ops"),
    ),
    (
        "an index, another collation",
        "CREATE TABLE t (a text); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a text); CREATE INDEX i ON t (a COLLATE \"C\");",
        Some("COLLATE \"C\""),
    ),
    (
        "an index, unique",
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a int); CREATE UNIQUE INDEX i ON t (a);",
        Some("CREATE UNIQUE INDEX i"),
    ),
    (
        "an index, another access method",
        "CREATE TABLE t (a int); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a int); CREATE INDEX i ON t USING hash (a);",
        Some("USING hash (a)"),
    ),
    (
        "an index of a partitioned table, another column",
        "CREATE TABLE t (a int, b int) PARTITION BY RANGE (a); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (a int, b int) PARTITION BY RANGE (a); CREATE INDEX i ON t (b);",
        Some("CREATE INDEX i ON public.t USING btree (b)"),
    ),
    (
        "a trigger: other column numbers, same text",
        "CREATE TABLE t (x int, a int, b int); ALTER TABLE t DROP COLUMN x;
         CREATE TRIGGER g BEFORE UPDATE OF b ON t FOR EACH ROW WHEN (OLD.a > 0) EXECUTE FUNCTION touch('x');",
        "CREATE TABLE t (a int, b int);
         CREATE TRIGGER g BEFORE UPDATE OF b ON t FOR EACH ROW WHEN (OLD.a > 0) EXECUTE FUNCTION touch('x');",
        None,
    ),
    (
        "a trigger, another timing",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        "CREATE TABLE t (a int); CREATE TRIGGER g AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        Some("AFTER UPDATE"),
    ),
    (
        "a trigger, a function of the same name in another schema",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION app.touch();",
        Some("EXECUTE FUNCTION app.touch()"),
    ),
    (
        "a trigger, another argument",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch('x');",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch('y');",
        Some("touch('y')"),
    ),
    (
        "a trigger: UPDATE OF the same column number, another column",
        "CREATE TABLE t (a int, b int); CREATE TRIGGER g BEFORE UPDATE OF a ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        "CREATE TABLE t (b int, a int); CREATE TRIGGER g BEFORE UPDATE OF b ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        Some("UPDATE OF b"),
    ),
    (
        "a trigger, another condition",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW WHEN (OLD.a > 0) EXECUTE FUNCTION touch();",
        "CREATE TABLE t (a int); CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW WHEN (OLD.a > 1) EXECUTE FUNCTION touch();",
        Some("(old.a > 1)"),
    ),
    (
        "a policy's WITH CHECK",
        "CREATE TABLE t (a int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t FOR INSERT WITH CHECK (a > 0);",
        "CREATE TABLE t (a int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t FOR INSERT WITH CHECK (a >= 0);",
        Some("WITH CHECK ((a >= 0))"),
    ),
];

/// Two copies of the catalog queries' own fixture (indexes and constraints of every shape:
/// keys over quoted and non-ASCII names, every foreign-key action, MATCH FULL, deferrable
/// and NOT VALID constraints, expression, partial and operator-class indexes, partitions,
/// inheritance) diff clean, forms and placeholders alike.
#[test]
fn two_copies_of_every_shape_diff_clean() {
    let Some(mut from) = crate::pg::test_db("forms_copy_from") else {
        return;
    };
    let Some(mut to) = crate::pg::test_db("forms_copy_to") else {
        return;
    };
    for db in [&mut from, &mut to] {
        db.client
            .batch_execute(crate::introspect_fast::FIXTURE)
            .expect("fixture");
    }
    let r = schemac(&[
        "diff",
        "--from",
        &from.url,
        "--to",
        &to.url,
        "--schema",
        "app",
        "--schema",
        "hidden",
        "--schema",
        "public",
        "--schema",
        "Other Schema",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn forms_tell_every_difference_and_show_postgres_text() {
    for (i, (case, from_sql, to_sql, expected)) in CASES.iter().enumerate() {
        let Some(mut from) = crate::pg::test_db(&format!("forms_from_{i}")) else {
            return;
        };
        let Some(mut to) = crate::pg::test_db(&format!("forms_to_{i}")) else {
            return;
        };
        for (db, sql) in [(&mut from, from_sql), (&mut to, to_sql)] {
            db.client
                .batch_execute(&format!("{COMMON}{sql}"))
                .unwrap_or_else(|e| panic!("{case}: {e}"));
        }
        let r = schemac(&["diff", "--from", &from.url, "--to", &to.url, "--sql"]);
        assert!(
            !r.stdout.contains('\0') && !r.stderr.contains('\0'),
            "{case}: a form reached the output: {r:?}"
        );
        match expected {
            None => assert_eq!(r.code, 0, "{case}: {r:?}"),
            Some(text) => {
                assert_eq!(r.code, 1, "{case}: {r:?}");
                assert!(r.stdout.contains(text), "{case}: no {text:?} in {r:?}");
                from.client
                    .batch_execute(&r.stdout)
                    .unwrap_or_else(|e| panic!("{case}: the plan fails: {e}\n{}", r.stdout));
                let again = schemac(&["diff", "--from", &from.url, "--to", &to.url]);
                assert_eq!(again.code, 0, "{case}: not converged: {again:?}");
            }
        }
    }
}
