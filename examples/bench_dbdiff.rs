//! Benchmark of database ↔ database diff (`schemac diff --from URL --to URL`) beside
//! `pg_dump --schema-only` of one of the two databases, and migra when one is on the PATH
//! (or at `$MIGRA`).
//!
//! `bash scripts/with-pg.sh cargo run --release --example bench_dbdiff -- 100 1000`
//!
//! Each argument is a size: the synthetic project of bench_gen, applied by gen to two fresh
//! databases (identical, the case a CI check of two environments meets). Each round times,
//! in this order, the whole diff as the CLI runs it, `pg_dump --schema-only` of the `--to`
//! database and migra; the table gives the medians of 5 rounds and the ratio of the
//! medians, so the peer is measured under the same load. `--breakdown` also prints where
//! one diff's time goes (connections, reading each side, comparing, ordering).
#[path = "common/mod.rs"]
mod common;
#[path = "common/fresh.rs"]
mod fresh;
use common::{median, write_project};

use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("TEST_DATABASE_URL")
        .map_err(|_| "set TEST_DATABASE_URL (run through scripts/with-pg.sh)")?;
    let migra = std::env::var("MIGRA").ok().or_else(|| {
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("migra"))
                .find(|m| m.is_file())
                .map(|m| m.to_string_lossy().into_owned())
        })
    });
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let breakdown = args.iter().any(|a| a == "--breakdown");
    // Keep the two databases of the last size, to look at them afterwards.
    let keep = args.iter().any(|a| a == "--keep");
    args.retain(|a| a != "--breakdown" && a != "--keep");
    if args.is_empty() {
        args = vec!["100".into(), "1000".into()];
    }
    let rounds = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    println!("| tables | diff --from --to | pg_dump --schema-only | diff / pg_dump | migra | migra / pg_dump |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for arg in &args {
        let n: usize = arg.parse()?;
        let dir = tempfile::tempdir()?;
        write_project(dir.path(), n)?;
        let (model, migration) = fresh::compiled(dir.path(), arg)?;
        let mut admin = schemac::pg::connect(&url)?;
        let mut urls = Vec::new();
        for side in ["a", "b"] {
            let (db_url, mut c) = fresh::database(&url, &format!("bench_dbdiff_{side}"))?;
            schemac::pg::apply_in_batches(&mut c, &migration.objects, 200)?;
            c.batch_execute("ANALYZE")?;
            urls.push(db_url);
        }
        let schemas = model.config.schemas.clone();
        let (mut diff_t, mut dump_t, mut migra_t) = (vec![], vec![], vec![]);
        for _ in 0..rounds {
            let t = Instant::now();
            let changes = schemac::diff_databases(&urls[0], &urls[1], &schemas)?;
            diff_t.push(t.elapsed());
            assert!(
                changes.is_empty(),
                "unexpected drift: {:?}",
                changes.first()
            );
            dump_t.push(common::time_pg_dump(&urls[1])?);
            if let Some(m) = &migra {
                let t = Instant::now();
                let out = std::process::Command::new(m)
                    .args(["--unsafe", &urls[0], &urls[1]])
                    .output()?;
                migra_t.push(t.elapsed());
                assert!(out.status.success() || out.status.code() == Some(2));
            }
        }
        if breakdown {
            // As the diff reads them: checks and policies by form.
            let scope = schemac::catalog::Scope {
                schemas: schemas.clone(),
                privilege_schemas: schemas.clone(),
                by_form: Some(schemac::catalog::FormTable::new()),
                ..schemac::catalog::Scope::default()
            };
            let t = Instant::now();
            let mut c = schemac::pg::connect(&urls[0])?;
            eprintln!("{n} tables: connect {:.1} ms", ms(t.elapsed()));
            let mut seq = Duration::ZERO;
            let list = schemac::introspect::queries(&scope, true);
            let mut all = Vec::new();
            for q in &list {
                let t = Instant::now();
                let rows = q.run(&mut c, &scope, schemac::introspect::Share::ALL)?;
                seq += t.elapsed();
                eprintln!("  {q:?}: {:.1} ms, {} rows", ms(t.elapsed()), rows.len());
                all.push(rows);
            }
            eprintln!("  all queries on one connection: {:.1} ms", ms(seq));
            let t = Instant::now();
            let built = schemac::introspect::build(&scope, &list, all);
            eprintln!(
                "  building the catalog from the rows: {:.1} ms",
                ms(t.elapsed())
            );
            let t = Instant::now();
            let copy = built.clone();
            let cloned = t.elapsed();
            let t = Instant::now();
            let same = schemac::diff::diff(&copy, &built, schemac::diff::Options::default());
            eprintln!(
                "  comparing it with itself: {:.1} ms ({} changes; cloning {:.1} ms)",
                ms(t.elapsed()),
                same.len(),
                ms(cloned)
            );
            let t = Instant::now();
            let mut c1 = schemac::pg::connect(&urls[0])?;
            let mut cat = schemac::introspect::introspect_scope(&mut c1, &scope)?;
            cat.deps = schemac::introspect::dependencies(&mut c1, &schemas)?;
            eprintln!(
                "  read one side (sequential, with building): {:.1} ms",
                ms(t.elapsed())
            );
            // Both sides at once without their dependencies (as a clean diff reads them),
            // by connections per side, each beside pg_dump in the same round.
            let mut by_conns: Vec<(usize, Vec<Duration>, Vec<Duration>)> =
                [1, 2, 3, 4].iter().map(|&c| (c, vec![], vec![])).collect();
            for _ in 0..rounds {
                for (conns, times, dumps) in by_conns.iter_mut() {
                    let source = |url: &str| -> Result<_, Box<dyn std::error::Error>> {
                        Ok(schemac::introspect::Source {
                            cfg: schemac::pg::config(url)?,
                            url: "",
                            scope: &scope,
                            deps: false,
                            connections: *conns,
                            parallel_from: 0,
                        })
                    };
                    let both = [source(&urls[0])?, source(&urls[1])?];
                    let t = Instant::now();
                    schemac::introspect::read_parallel(&both)
                        .map_err(|e| format!("{:?}", e.error))?;
                    times.push(t.elapsed());
                    dumps.push(common::time_pg_dump(&urls[1])?);
                }
            }
            for (conns, times, dumps) in by_conns {
                let (t, d) = (median(times), median(dumps));
                eprintln!(
                    "  {conns} connection(s) per side: both sides {:.1} ms, pg_dump {:.1} ms, ratio {:.2}",
                    ms(t),
                    ms(d),
                    t.as_secs_f64() / d.as_secs_f64()
                );
            }
            drop(cat);
        }
        let (d, p) = (median(diff_t), median(dump_t));
        let (m, mr) = if migra_t.is_empty() {
            ("—".to_string(), "—".to_string())
        } else {
            let m = median(migra_t);
            (
                format!("{:.0} ms", ms(m)),
                format!("{:.2}", m.as_secs_f64() / p.as_secs_f64()),
            )
        };
        println!(
            "| {n} | {:.0} ms | {:.0} ms | {:.2} | {m} | {mr} |",
            ms(d),
            ms(p),
            d.as_secs_f64() / p.as_secs_f64()
        );
        for db in ["bench_dbdiff_a", "bench_dbdiff_b"] {
            if keep {
                break;
            }
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
        }
    }
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
