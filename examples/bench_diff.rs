//! Benchmark of `schemac diff` against a database holding the project, beside
//! `pg_dump --schema-only` of the same database.
//!
//! `bash scripts/with-pg.sh cargo run --release --example bench_diff -- 100 1000`
//! `bash scripts/with-pg.sh cargo run --release --example bench_diff -- tests/fixtures/projects/*`
//!
//! Each argument is a size (a synthetic project as in bench_gen) or a project directory
//! (the seed projects). gen's output is applied to a fresh database (after the Supabase
//! stubs and the project's external roles), then the median of 3 runs of the whole diff as
//! `schemac diff` runs it, of `diff --always-shadow`, and of the introspection alone is
//! compared with the median of 3 `pg_dump --schema-only`. The `shadow` column says whether
//! plain `diff` had to build a shadow database (the catalog prediction did not prove the
//! match), and why.
#[path = "common/mod.rs"]
mod common;
#[path = "common/fresh.rs"]
mod fresh;
use common::{median, time_pg_dump, write_project};

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("TEST_DATABASE_URL")
        .map_err(|_| "set TEST_DATABASE_URL (run through scripts/with-pg.sh)")?;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["100".into(), "1000".into()];
    }
    println!("| project | tables | diff | shadow | diff --always-shadow | introspect only | round trips | pg_dump --schema-only | diff / pg_dump |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|");
    for (i, arg) in args.iter().enumerate() {
        let synthetic = tempfile::tempdir()?;
        let (dir, label) = match arg.parse::<usize>() {
            Ok(n) => {
                write_project(synthetic.path(), n)?;
                (synthetic.path().to_path_buf(), "synthetic".to_string())
            }
            Err(_) => (
                std::path::PathBuf::from(arg),
                Path::new(arg)
                    .file_name()
                    .map_or(arg.clone(), |n| n.to_string_lossy().into_owned()),
            ),
        };
        let (model, migration) = fresh::compiled(&dir, arg)?;
        let n = model.tables.len();
        let db = format!("bench_diff_{i}");
        let (db_url, mut c) = fresh::database(&url, &db)?;
        for (role, _) in &model.config.external_roles {
            let q = schemac::model::names::quote_ident(role);
            c.batch_execute(&format!(
                "DO $r$ BEGIN CREATE ROLE {q}; EXCEPTION WHEN duplicate_object THEN NULL; END $r$"
            ))?;
        }
        schemac::pg::apply_in_batches(&mut c, &migration.objects, 200)?;
        let (mut diff_t, mut shadow_t, mut intro_t, mut dump_t) = (vec![], vec![], vec![], vec![]);
        let mut reason = None;
        for _ in 0..3 {
            let t = Instant::now();
            let d =
                schemac::diff_project_with(&model, &db_url, None, schemac::DiffOptions::default())?;
            diff_t.push(t.elapsed());
            assert!(
                d.changes.is_empty(),
                "unexpected drift: {:?}",
                d.changes.first()
            );
            reason = d.shadow_reason;
            let t = Instant::now();
            let d = schemac::diff_project_with(
                &model,
                &db_url,
                None,
                schemac::DiffOptions {
                    always_shadow: true,
                    templates: None,
                    trust_raw_sql: false,
                },
            )?;
            shadow_t.push(t.elapsed());
            assert!(
                d.changes.is_empty(),
                "unexpected drift: {:?}",
                d.changes.first()
            );
            let t = Instant::now();
            schemac::introspect::introspect_scope(&mut c, &schemac::scope_of(&model))?;
            intro_t.push(t.elapsed());
            dump_t.push(time_pg_dump(&db_url)?);
        }
        let (d, sh, i, p) = (
            median(diff_t),
            median(shadow_t),
            median(intro_t),
            median(dump_t),
        );
        let mut row = String::new();
        let _ = write!(
            row,
            "| {label} | {n} | {:.0} ms | {} | {:.0} ms | {:.0} ms | {} | {:.0} ms | {:.2} |",
            d.as_secs_f64() * 1e3,
            reason.map_or("no".to_string(), |r| format!("yes: `{r}`")),
            sh.as_secs_f64() * 1e3,
            i.as_secs_f64() * 1e3,
            schemac::DIFF_ROUND_TRIPS,
            p.as_secs_f64() * 1e3,
            d.as_secs_f64() / p.as_secs_f64()
        );
        println!("{row}");
        drop(c);
        schemac::pg::connect(&url)?
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
    }
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
