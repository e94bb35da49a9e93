//! Benchmark of the drift path: `schemac diff DIR --db URL --sql` when the database differs
//! from the project, beside `pg_dump --schema-only` of the same database in the same run.
//!
//! `bash scripts/with-pg.sh cargo run --release --example bench_drift -- 1000 10000`
//!
//! Each argument is a size: the synthetic project of bench_gen is applied by gen to a fresh
//! database, which is then changed in three ways, one after the other:
//!
//! - `one`: one table's column retyped (`title` becomes `varchar(200)`) and another table's
//!   policy changed (`USING (true)`): the case of a hand edit on a production database;
//! - `10%`: the same two changes on every tenth table;
//! - `all`: on every table, the column, the policy, and the trigger dropped (four changes a
//!   table, with the shadow's view of each).
//!
//! Each round times, in this order, the whole `diff --sql` as the CLI runs it (load, check,
//! read the database, predict, build the shadow, compare, order, write the SQL) and
//! `pg_dump --schema-only`; the table gives the medians of 3 rounds (1 at 10 000 tables)
//! and the ratio of the medians. `--check` also runs `diff --always-shadow` once per case
//! and asserts that it finds the same changes, in the same order, with the same SQL.
//!
//! A database of 10 000 tables takes minutes to build. `--reuse` keeps each case's database
//! (`bench_drift_N_one`, `bench_drift_N_10`, `bench_drift_N_all`, copies made with
//! `CREATE DATABASE … TEMPLATE`) and, in a later run on the same server (`TEST_DATABASE_URL`
//! set by hand), uses them instead of building them again. `--cases=10%,all` times only those
//! cases (the databases of the others are still built, the drift being cumulative).
#[path = "common/mod.rs"]
mod common;
#[path = "common/fresh.rs"]
mod fresh;
use common::{median, write_project};

use std::path::Path;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The drift of each case, on top of the previous cases' (the SQL for table `i`).
fn drift(case: &str, n: usize) -> Vec<String> {
    let tables: Vec<usize> = match case {
        "one" => vec![n / 2],
        "10%" => (0..n).step_by(10).collect(),
        _ => (0..n).collect(),
    };
    let mut out = Vec::new();
    for i in &tables {
        // In `one`, the policy is on another table than the column.
        let p = if case == "one" { (i + 1) % n } else { *i };
        out.push(format!(
            "ALTER TABLE t{i} ALTER COLUMN title TYPE varchar(200); ALTER POLICY t{p}_owner ON t{p} USING (true);"
        ));
        if case == "all" {
            out.push(format!("DROP TRIGGER IF EXISTS t{i}_touch ON t{i};"));
        }
    }
    out
}

/// The SQL `diff --sql` writes, the changes, and why a shadow was built.
type Diffed = (String, Vec<schemac::diff::Change>, Option<String>);

fn diff_sql(
    dir: &Path,
    url: &str,
    always_shadow: bool,
) -> Result<Diffed, Box<dyn std::error::Error>> {
    let (model, diags) =
        schemac::check_project(dir, "bench").map_err(|f| format!("{:?}", f.diagnostics.first()))?;
    std::hint::black_box(&diags);
    let d = schemac::diff_project_with(
        &model,
        url,
        None,
        schemac::DiffOptions {
            always_shadow,
            templates: None,
            trust_raw_sql: false,
        },
    )?;
    let sql = schemac::plan::sql_with(
        &d.changes,
        &schemac::plan::SqlOptions {
            allow_destructive: false,
            target: "project",
            timeouts: Some((&model.config.lock_timeout, &model.config.statement_timeout)),
            note: None,
            raw_sql: &[],
        },
    );
    Ok((sql, d.changes, d.shadow_reason))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("TEST_DATABASE_URL")
        .map_err(|_| "set TEST_DATABASE_URL (run through scripts/with-pg.sh)")?;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let reuse = args.iter().any(|a| a == "--reuse");
    let cases: Vec<String> = args
        .iter()
        .find_map(|a| a.strip_prefix("--cases="))
        .map_or_else(
            || vec!["one".into(), "10%".into(), "all".into()],
            |c| c.split(',').map(String::from).collect(),
        );
    args.retain(|a| !a.starts_with("--"));
    if args.is_empty() {
        args = vec!["1000".into()];
    }
    let base = url.rsplit_once('/').map_or(url.as_str(), |(h, _)| h);
    println!("| tables | drift | changes | shadow | diff --sql | pg_dump --schema-only | diff / pg_dump |");
    println!("|---:|---|---:|---|---:|---:|---:|");
    for arg in &args {
        let n: usize = arg.parse()?;
        let rounds = if n >= 5000 { 1 } else { 3 };
        let dir = tempfile::tempdir()?;
        write_project(dir.path(), n)?;
        let (_, migration) = fresh::compiled(dir.path(), arg)?;
        let mut admin = schemac::pg::connect(&url)?;
        let kept = |case: &str| format!("bench_drift_{n}_{}", case.trim_end_matches('%'));
        let exists = |admin: &mut postgres::Client, db: &str| -> Result<bool, postgres::Error> {
            Ok(admin
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])?
                .is_some())
        };
        let built = reuse && {
            let mut all = true;
            for case in ["one", "10%", "all"] {
                all &= exists(&mut admin, &kept(case))?;
            }
            all
        };
        let db = "bench_drift";
        let mut c = None;
        if !built {
            let (_, mut b) = fresh::database(&url, db)?;
            schemac::pg::apply_in_batches(&mut b, &migration.objects, 200)?;
            c = Some(b);
        }
        for case in ["one", "10%", "all"] {
            let mut db_url = format!("{base}/{db}");
            if let Some(b) = c.as_mut() {
                schemac::pg::apply_in_batches(b, &drift(case, n), 500)?;
                b.batch_execute("ANALYZE")?;
                if reuse {
                    // A copy needs the template without connections.
                    drop(c.take());
                    let k = kept(case);
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {k} WITH (FORCE)"))?;
                    admin.batch_execute(&format!("CREATE DATABASE {k} TEMPLATE {db}"))?;
                    c = Some(schemac::pg::connect(&db_url)?);
                }
            } else {
                db_url = format!("{base}/{}", kept(case));
            }
            if !cases.iter().any(|c| c == case) {
                continue;
            }
            let (mut diff_t, mut dump_t) = (vec![], vec![]);
            let mut last = None;
            for _ in 0..rounds {
                let t = Instant::now();
                let r = diff_sql(dir.path(), &db_url, false)?;
                diff_t.push(t.elapsed());
                last = Some(r);
                dump_t.push(common::time_pg_dump(&db_url)?);
            }
            let Some((sql, changes, reason)) = last else {
                continue;
            };
            if check {
                let (whole_sql, whole, _) = diff_sql(dir.path(), &db_url, true)?;
                let label = |cs: &[schemac::diff::Change]| -> Vec<String> {
                    cs.iter().map(schemac::plan::label).collect()
                };
                assert_eq!(label(&changes), label(&whole), "{n} {case}: changes differ");
                assert_eq!(sql, whole_sql, "{n} {case}: SQL differs");
                eprintln!(
                    "{n} tables, {case}: same {} changes as the whole shadow",
                    changes.len()
                );
            }
            let (d, p) = (median(diff_t), median(dump_t));
            println!(
                "| {n} | {case} | {} | {} | {:.0} ms | {:.0} ms | {:.2} |",
                changes.len(),
                reason.unwrap_or_else(|| "none".into()),
                ms(d),
                ms(p),
                d.as_secs_f64() / p.as_secs_f64()
            );
        }
        drop(c);
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
    }
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
