//! Upgrades: a database holding an older version of a project, with rows, is brought to the
//! new version by gen's master file and by `schemac apply`; both must end exactly like a
//! fresh database of the new version, with nothing left for diff, and with the rows kept.
//! Cases live in `tests/fixtures/upgrades/<case>/` (`old/`, `new/`, optional `seed.sql`
//! run after the old version, optional `rows.sql`: a query on the new version whose result,
//! snapshotted, shows the seeded rows kept).

use crate::gen::{apply as psql, create_external_roles, dump, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::{leaf, schemac, settings, subdirs};

/// A database with the Supabase stubs and the roles `dir` lists as external.
fn base(name: &str, dir: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    psql(&mut db, &stubs(), "stubs");
    create_external_roles(&mut db, dir);
    Some(db)
}

/// The old version of `case`, with its seed rows.
fn old_version(case: &str, name: &str) -> Option<TestDb> {
    let mut db = base(name, &format!("{case}/old"))?;
    psql(
        &mut db,
        &gen_stdout(&format!("{case}/old")),
        "the old version",
    );
    if let Ok(seed) = std::fs::read_to_string(crate::root().join(case).join("seed.sql")) {
        psql(&mut db, &seed, "seed.sql");
    }
    Some(db)
}

/// The result of `rows.sql` (each value as text), or None when the case has none.
fn rows(db: &mut TestDb, case: &str) -> Option<String> {
    let query = std::fs::read_to_string(crate::root().join(case).join("rows.sql")).ok()?;
    let rows = db
        .client
        .simple_query(&query)
        .unwrap_or_else(|e| panic!("{case}/rows.sql: {e}"));
    let mut out = String::new();
    for m in rows {
        if let postgres::SimpleQueryMessage::Row(r) = m {
            let vals: Vec<&str> = (0..r.len()).map(|i| r.get(i).unwrap_or("NULL")).collect();
            out.push_str(&vals.join(" | "));
            out.push('\n');
        }
    }
    Some(out)
}

fn no_drift(db: &TestDb, new: &str, how: &str) {
    let d = schemac(&["diff", new, "--db", &db.url]);
    assert_eq!(
        d.code, 0,
        "{how}: diff after the upgrade\n{}{}",
        d.stdout, d.stderr
    );
}

/// The cases run on two threads: each is a chain of databases, diffs and applies that waits
/// on the server half the time.
#[test]
fn older_versions_with_rows_upgrade_like_a_fresh_database() {
    let cases = subdirs("tests/fixtures/upgrades");
    assert!(!cases.is_empty(), "no upgrade cases");
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        // Let test_db report the skip (or fail under CI).
        let _ = test_db("upgrades");
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(n) else {
                        break;
                    };
                    upgrade_case(case);
                })
            })
            .collect();
        for w in workers {
            if let Err(p) = w.join() {
                std::panic::resume_unwind(p);
            }
        }
    });
}

/// One case: its new version made fresh, then from the old version by gen and by apply.
fn upgrade_case(case: &str) {
    let new = format!("{case}/new");
    let name = leaf(case).replace('-', "_");
    let Some(mut fresh) = base(&format!("up_{name}_fresh"), &new) else {
        return;
    };
    let new_sql = gen_stdout(&new);
    psql(&mut fresh, &new_sql, "a fresh new version");
    let want = dump(&fresh);
    drop(fresh);

    // (a) gen's master file of the new version over the old version, twice.
    let Some(mut by_gen) = old_version(case, &format!("up_{name}_gen")) else {
        return;
    };
    psql(
        &mut by_gen,
        &new_sql,
        "the new version's master file over the old one",
    );
    assert!(
        dump(&by_gen) == want,
        "{case}: gen's upgrade differs from a fresh database"
    );
    psql(&mut by_gen, &new_sql, "the new version's master file again");
    assert!(
        dump(&by_gen) == want,
        "{case}: gen's second run changed the schema"
    );
    no_drift(&by_gen, &new, "gen");
    let after_gen = rows(&mut by_gen, case);
    drop(by_gen);

    // (b) diff --sql shows the plan; apply runs it.
    let Some(mut by_apply) = old_version(case, &format!("up_{name}_apply")) else {
        return;
    };
    let shown = schemac::pg::redact(&by_apply.url);
    let report = schemac(&["diff", &new, "--db", &by_apply.url]);
    assert_eq!(report.code, 1, "{}{}", report.stdout, report.stderr);
    let plan = schemac(&["diff", &new, "--db", &by_apply.url, "--sql"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    let json = schemac(&["diff", &new, "--db", &by_apply.url, "--format", "json"]);
    let applied = schemac(&["apply", &new, "--db", &by_apply.url]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(
        dump(&by_apply) == want,
        "{case}: apply's upgrade differs from a fresh database"
    );
    no_drift(&by_apply, &new, "apply");
    let after_apply = rows(&mut by_apply, case);
    settings().bind(|| {
        let clean = |s: &str| s.replace(&shown, "DATABASE");
        insta::assert_snapshot!(format!("upgrades__{name}__diff"), clean(&report.stdout));
        insta::assert_snapshot!(format!("upgrades__{name}__sql"), clean(&plan.stdout));
        insta::assert_snapshot!(format!("upgrades__{name}__json"), clean(&json.stdout));
        insta::assert_snapshot!(format!("upgrades__{name}__apply"), clean(&applied.stdout));
        if let Some(a) = &after_gen {
            insta::assert_snapshot!(format!("upgrades__{name}__rows"), a);
        }
    });
    assert_eq!(
        after_gen, after_apply,
        "{case}: gen and apply kept different rows"
    );
}
