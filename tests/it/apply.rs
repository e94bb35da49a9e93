//! `schemac apply`: plans what differs, applies it under the deploy lock, and proves that
//! nothing is left; a failing statement leaves the database as it was; a second apply of
//! the same project waits for the first.

use crate::gen::{apply as psql_apply, create_external_roles, dump, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::{schemac, settings, Run};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROJECT: &str = "schema";

/// A database with Supabase's stubs and the project's external roles, and nothing else.
fn empty(name: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    psql_apply(&mut db, &stubs(), "stubs");
    create_external_roles(&mut db, PROJECT);
    Some(db)
}

fn apply(db: &TestDb) -> Run {
    schemac(&["apply", PROJECT, "--db", &db.url])
}

#[test]
fn apply_builds_the_project_and_then_has_nothing_to_do() {
    let Some(db) = empty("apply_fresh") else {
        return;
    };
    let r = apply(&db);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("The database now matches project schema."),
        "{}",
        r.stdout
    );
    let shown = schemac::pg::redact(&db.url);
    settings()
        .bind(|| insta::assert_snapshot!("apply__fresh", r.stdout.replace(&shown, "DATABASE")));
    // The same schema as gen's file applied to an empty database.
    let Some(mut fresh) = empty("apply_fresh_gen") else {
        return;
    };
    psql_apply(&mut fresh, &gen_stdout(PROJECT), "gen");
    assert_eq!(dump(&db), dump(&fresh), "apply and gen differ");
    let again = apply(&db);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(
        again.stdout.starts_with("Nothing to apply:"),
        "{}",
        again.stdout
    );
    settings()
        .bind(|| insta::assert_snapshot!("apply__again", again.stdout.replace(&shown, "DATABASE")));
    let d = schemac(&["diff", PROJECT, "--db", &db.url]);
    assert_eq!(d.code, 0, "{}", d.stdout);
}

#[test]
fn a_failing_statement_leaves_the_database_unchanged() {
    let Some(mut db) = empty("apply_fails") else {
        return;
    };
    psql_apply(&mut db, &gen_stdout(PROJECT), "gen");
    // Drift that cannot be repaired while the rows are there: a NOT NULL column that holds
    // a NULL (found by diff as a nullability change; SET NOT NULL then fails).
    psql_apply(
        &mut db,
        "ALTER TABLE public.content_items ALTER COLUMN title DROP NOT NULL;
         INSERT INTO public.content_items (user_id, content_id, title, platform, content_type, published_date)
           VALUES ('u1', 'c1', NULL, 'web', 'post', '2026-01-01');
         ALTER TABLE public.content_items ADD COLUMN scratch text;",
        "drift",
    );
    let before = dump(&db);
    let r = apply(&db);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("failed, and its transaction was rolled back")
            && r.stderr.contains("statement: ALTER TABLE"),
        "{}",
        r.stderr
    );
    assert_eq!(dump(&db), before, "a failed apply changed the database");
    settings().bind(|| insta::assert_snapshot!("apply__failed", r.stderr));
}

#[test]
fn a_second_apply_waits_for_the_first() {
    let Some(mut db) = empty("apply_lock") else {
        return;
    };
    // Hold the project's deploy lock as a running apply would.
    db.client
        .execute(
            "SELECT pg_advisory_lock(hashtext('schemac apply schema'))",
            &[],
        )
        .expect("lock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(["apply", PROJECT, "--db", &db.url])
        .current_dir(crate::root())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "apply finished while another held the lock"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    db.client
        .execute(
            "SELECT pg_advisory_unlock(hashtext('schemac apply schema'))",
            &[],
        )
        .expect("unlock");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let d = schemac(&["diff", PROJECT, "--db", &db.url]);
    assert_eq!(d.code, 0, "{}", d.stdout);
}

/// A database built by gen, then drifted in ways a plan repairs: a dropped policy, a changed
/// default, an extra column.
fn drifted(name: &str) -> Option<TestDb> {
    let mut db = empty(name)?;
    psql_apply(&mut db, &gen_stdout(PROJECT), "gen");
    psql_apply(
        &mut db,
        "DROP POLICY content_items_owner ON public.content_items;
         ALTER TABLE public.content_items ALTER COLUMN platform SET DEFAULT 'web';
         ALTER TABLE public.content_items ADD COLUMN scratch text;",
        "drift",
    );
    Some(db)
}

#[test]
fn dry_run_proves_the_plan_and_applies_nothing() {
    let Some(db) = drifted("apply_dry_run") else {
        return;
    };
    let before = dump(&db);
    let r = schemac(&["apply", PROJECT, "--db", &db.url, "--dry-run"]);
    // The extra column's DROP is withheld (destructive): exit 1.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let shown = schemac::pg::redact(&db.url);
    assert!(
        r.stdout.contains(&format!(
            "-- proven: applies and converges on a copy of {shown}"
        )),
        "{}",
        r.stdout
    );
    assert_eq!(dump(&db), before, "--dry-run changed the database");
    settings()
        .bind(|| insta::assert_snapshot!("apply__dry_run", r.stdout.replace(&shown, "DATABASE")));
    // diff --sql --prove says the same of the same plan.
    let d = schemac(&["diff", PROJECT, "--db", &db.url, "--sql", "--prove"]);
    assert_eq!(d.code, 1, "{}{}", d.stdout, d.stderr);
    assert!(d.stdout.contains("-- proven: applies and converges"));
    assert_eq!(dump(&db), before, "--prove changed the database");
}

#[test]
fn prove_catches_a_plan_that_fails_or_does_not_converge() {
    let Some(db) = drifted("apply_prove") else {
        return;
    };
    let before = dump(&db);
    let model = schemac::compile(std::path::Path::new(PROJECT), PROJECT).expect("loads");
    let d = schemac::diff_project_with(&model, &db.url, None, schemac::DiffOptions::default())
        .expect("diff");
    let sides = d.sides.expect("drift builds a shadow");
    let target = schemac::apply::Target {
        db_url: &db.url,
        server_url: &db.url,
        timeouts: Some(("5s", "60s")),
    };
    let prove = |changes: &[schemac::diff::Change]| {
        let p = schemac::plan::plan(changes, true);
        schemac::apply::prove(target, &sides, &p).expect("prove runs")
    };
    assert_eq!(prove(&d.changes), schemac::apply::Proof::Proven);

    // A statement PostgreSQL rejects: the proof names it.
    let mut failing = d.changes.clone();
    failing[0]
        .sql
        .push("ALTER TABLE public.no_such_table ADD COLUMN x int;".into());
    match prove(&failing) {
        schemac::apply::Proof::Fails {
            step,
            statement,
            message,
        } => {
            assert_eq!(step, schemac::plan::label(&failing[0]));
            assert!(statement.contains("no_such_table"), "{statement}");
            assert!(message.contains("does not exist"), "{message}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }

    // A plan that leaves a change out applies, but does not converge.
    let policy = d
        .changes
        .iter()
        .position(|c| c.object.kind == "policy")
        .expect("the dropped policy is planned");
    let mut short = d.changes.clone();
    let missing = short.remove(policy);
    assert_eq!(
        prove(&short),
        schemac::apply::Proof::Diverges {
            left: vec![schemac::plan::label(&missing)]
        }
    );
    assert_eq!(dump(&db), before, "proving changed the database");
}

#[test]
fn from_file_applies_gens_file_under_the_lock_and_reports_what_is_left() {
    let Some(mut db) = empty("apply_from_file") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("master.sql");
    std::fs::write(&file, gen_stdout(PROJECT)).expect("write");
    let file = file.to_string_lossy().into_owned();
    let r = schemac(&["apply", PROJECT, "--db", &db.url, "--from-file", &file]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("The database now matches project schema."),
        "{}",
        r.stdout
    );
    // gen's file drops nothing, such as an index the project does not declare: apply says
    // what is left (exit 1). A changed default it sets back.
    psql_apply(
        &mut db,
        "CREATE INDEX content_items_scratch ON public.content_items (title);
         ALTER TABLE public.content_items ALTER COLUMN platform SET DEFAULT 'web';",
        "drift",
    );
    let r = schemac(&["apply", PROJECT, "--db", &db.url, "--from-file", &file]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let shown = schemac::pg::redact(&db.url);
    settings().bind(|| {
        insta::assert_snapshot!(
            "apply__from_file_left",
            r.stdout.replace(&shown, "DATABASE").replace(&file, "FILE")
        )
    });

    // A failing statement is named by its line, and its transaction is rolled back.
    let before = dump(&db);
    let bad = dir.path().join("bad.sql");
    std::fs::write(
        &bad,
        "BEGIN;\nCREATE TABLE public.made_by_file (id int);\n\nALTER TABLE public.no_such_table\n  ADD COLUMN x int;\nCOMMIT;\n",
    )
    .expect("write");
    let bad = bad.to_string_lossy().into_owned();
    let r = schemac(&["apply", PROJECT, "--db", &db.url, "--from-file", &bad]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!("{bad}:4: the statement failed")),
        "{}",
        r.stderr
    );
    assert_eq!(dump(&db), before, "a failed file changed the database");
}
