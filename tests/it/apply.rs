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
