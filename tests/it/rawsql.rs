//! `sql:` blocks (raw SQL): gen runs them after every declared object, applied twice with
//! one `pg_dump`; diff reports them as unmanaged (not drift), never runs them in the shadow
//! database unless `--trust-raw-sql`, and leaves alone what they made; a project without
//! `raw_sql: true` is refused by gen and diff, whatever it holds.

use crate::gen::{apply, dump, gen_stdout};
use crate::pg::{test_db, TestDb};
use crate::{schemac, settings};

const AGGREGATE: &str = "tests/fixtures/rawsql/aggregate";
const GUARD: &str = "tests/fixtures/rawsql/shadow-guard";

/// The report with the test database's URL replaced by `db`.
fn masked(text: &str, db: &TestDb) -> String {
    text.replace(&schemac::pg::redact(&db.url), "db")
        .replace(&db.url, "db")
}

fn gen_twice(dir: &str, name: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    let sql = gen_stdout(dir);
    apply(&mut db, &sql, &format!("first apply of {dir}"));
    let first = dump(&db);
    apply(&mut db, &sql, &format!("second apply of {dir}"));
    assert!(
        first == dump(&db),
        "{dir}: the second apply changed the schema"
    );
    Some(db)
}

#[test]
fn raw_sql_gen_output_is_snapshotted() {
    let sql = gen_stdout(AGGREGATE);
    settings().bind(|| insta::assert_snapshot!("rawsql__gen_aggregate", sql));
}

/// gen applied twice gives one dump, the blocks made what they say, and diff finds no drift
/// by the prediction, by the shadow, and by the shadow that runs the blocks; each block is
/// reported once as unmanaged.
#[test]
fn raw_sql_gen_applies_twice_and_diff_reports_blocks_as_unmanaged() {
    let Some(mut db) = gen_twice(AGGREGATE, "rawsql_aggregate") else {
        return;
    };
    apply(
        &mut db,
        "INSERT INTO public.measurements VALUES (1, 2), (2, 3)",
        "rows",
    );
    let ss: String = db
        .client
        .query_one(
            "SELECT sum_of_squares::text FROM public.measurement_stats",
            &[],
        )
        .map(|r| r.get(0))
        .unwrap_or_else(|e| panic!("the blocks' view: {e}"));
    assert_eq!(ss, "13");
    let fast = schemac(&["diff", AGGREGATE, "--db", &db.url, "-v"]);
    assert_eq!(fast.code, 0, "{}{}", fast.stdout, fast.stderr);
    assert!(
        fast.stderr.contains("no shadow database was needed"),
        "{}",
        fast.stderr
    );
    let shadow = schemac(&["diff", AGGREGATE, "--db", &db.url, "--always-shadow"]);
    assert_eq!(shadow.code, 0, "{}{}", shadow.stdout, shadow.stderr);
    assert_eq!(shadow.stdout, fast.stdout);
    let trusted = schemac(&["diff", AGGREGATE, "--db", &db.url, "--trust-raw-sql", "-v"]);
    assert_eq!(trusted.code, 0, "{}{}", trusted.stdout, trusted.stderr);
    assert!(
        trusted
            .stderr
            .contains("built a shadow database (--trust-raw-sql"),
        "{}",
        trusted.stderr
    );
    assert_eq!(trusted.stdout, fast.stdout);
    let json = schemac(&["diff", AGGREGATE, "--db", &db.url, "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let sql = schemac(&["diff", AGGREGATE, "--db", &db.url, "--sql"]);
    assert_eq!(sql.code, 0, "{}", sql.stderr);
    // What --sql re-runs applies on the database as it is.
    apply(&mut db, &sql.stdout, "diff --sql");
    settings().bind(|| {
        insta::assert_snapshot!("rawsql__diff_text", masked(&fast.stdout, &db));
        insta::assert_snapshot!("rawsql__diff_json", json.stdout);
        insta::assert_snapshot!("rawsql__diff_sql", sql.stdout);
    });

    // An undeclared function no block names is still drift; what the blocks made is not.
    apply(
        &mut db,
        "CREATE FUNCTION public.stale() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "an undeclared function",
    );
    for extra in [&[][..], &["--trust-raw-sql"][..]] {
        let mut args = vec!["diff", AGGREGATE, "--db", &db.url, "--format", "json"];
        args.extend_from_slice(extra);
        let r = schemac(&args);
        assert_eq!(r.code, 1, "{extra:?}: {}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        let objects: Vec<String> = v["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| format!("{} {}", c["kind"], c["object"]["name"]))
            .collect();
        assert_eq!(objects, ["\"drop_function\" \"stale()\""], "{extra:?}");
    }

    // apply drops the stray function, keeps the blocks' objects, and re-runs the blocks.
    let r = schemac(&["apply", AGGREGATE, "--db", &db.url]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("Re-ran 2 sql blocks (unmanaged): sum_of_squares, measurement_stats"),
        "{}",
        r.stdout
    );
    let left: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_proc WHERE proname IN ('sum_sq', 'sum_sq_step', 'stale')",
            &[],
        )
        .map(|r| r.get(0))
        .expect("count");
    assert_eq!(
        left, 2,
        "the aggregate and its state function stay, `stale` goes"
    );
}

/// The shadow database runs a block only with --trust-raw-sql: the guard block raises when
/// it runs in a shadow, so diff succeeds without the flag and fails with it.
#[test]
fn raw_sql_shadow_runs_blocks_only_when_trusted() {
    let Some(db) = gen_twice(GUARD, "rawsql_guard") else {
        return;
    };
    let r = schemac(&["diff", GUARD, "--db", &db.url, "--always-shadow"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("sql block shadow_guard: unmanaged; re-run by apply"),
        "{}",
        r.stdout
    );
    let r = schemac(&["diff", GUARD, "--db", &db.url, "--trust-raw-sql"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("running sql block `shadow_guard` in the shadow database")
            && r.stderr.contains("sql block ran in a shadow database"),
        "{}",
        r.stderr
    );
}

/// gen writes the blocks after everything else, each after the blocks its `after:` names,
/// otherwise by name, and a body without a final `;` gets one (on its own line after a `--`
/// comment).
#[test]
fn raw_sql_gen_orders_blocks_by_after_then_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("schemac.yaml"),
        "schemac: 1\ntarget: postgres\nraw_sql: true\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("blocks.yaml"),
        "sql:\n  c_last: { after: [a_middle], body: SELECT 3 }\n  \
         a_middle: { after: [b_first], body: \"SELECT 2 -- two\" }\n  \
         b_first: { body: SELECT 1; }\n  d_free: { body: SELECT 4; }\n",
    )
    .expect("write");
    let r = schemac(&["gen", dir.to_str().expect("utf-8"), "--stdout"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let at = |s: &str| {
        r.stdout
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{}", r.stdout))
    };
    assert!(at("-- sql: b_first") < at("-- sql: a_middle"));
    assert!(at("-- sql: a_middle") < at("-- sql: c_last"));
    assert!(at("-- sql: a_middle") < at("-- sql: d_free"));
    assert!(r.stdout.contains("SELECT 2 -- two\n;"), "{}", r.stdout);
    assert!(r.stdout.contains("SELECT 3;"), "{}", r.stdout);
    assert!(at("-- sql: d_free") < at("COMMIT;"));
}
