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
        "a policy's WITH CHECK",
        "CREATE TABLE t (a int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t FOR INSERT WITH CHECK (a > 0);",
        "CREATE TABLE t (a int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t FOR INSERT WITH CHECK (a >= 0);",
        Some("WITH CHECK ((a >= 0))"),
    ),
];

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
