//! Benchmark of `schemac import` of a database beside `pg_dump --schema-only` of it.
//!
//! `bash scripts/with-pg.sh cargo run --release --example bench_import -- 100 1000`
//!
//! Each argument is a size: the synthetic project of bench_gen, applied by gen to a fresh
//! database (after the Supabase stubs). The median of 3 imports (reading the catalog,
//! choosing how privileges are written, writing the files) without the round trip, and of
//! 3 with it (the project applied to a throwaway database and compared), is set beside the
//! median of 3 `pg_dump --schema-only` of the same database in the same run.
#[path = "common/mod.rs"]
mod common;
#[path = "common/fresh.rs"]
mod fresh;
use common::{median, time_pg_dump, write_project};

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("TEST_DATABASE_URL")
        .map_err(|_| "set TEST_DATABASE_URL (run through scripts/with-pg.sh)")?;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["100".into(), "1000".into()];
    }
    println!("| tables | import | import + round trip | pg_dump --schema-only | import / pg_dump | round trip |");
    println!("|---:|---:|---:|---:|---:|---|");
    for (i, arg) in args.iter().enumerate() {
        let n: usize = arg.parse()?;
        let synthetic = tempfile::tempdir()?;
        write_project(synthetic.path(), n)?;
        let (_, migration) = fresh::compiled(synthetic.path(), arg)?;
        let db = format!("bench_import_{i}");
        let (db_url, mut c) = fresh::database(&url, &db)?;
        schemac::pg::apply_in_batches(&mut c, &migration.objects, 200)?;
        let out_root = tempfile::tempdir()?;
        let (mut imp_t, mut ver_t, mut dump_t) = (vec![], vec![], vec![]);
        let mut verdict = String::new();
        for run in 0..3 {
            for verify in [false, true] {
                let out = out_root.path().join(format!("p{run}{verify}"));
                let opts = schemac::import::Options {
                    verify_server: verify.then(|| db_url.clone()),
                    display: "p".into(),
                };
                let t = Instant::now();
                let staging = schemac::import::staging(&out)?;
                let r =
                    schemac::import::import_database(&db_url, &["public".into()], &staging, &opts)?;
                schemac::import::commit(staging, &out)?;
                let e = t.elapsed();
                if verify {
                    ver_t.push(e);
                    verdict = schemac::import::report::verdict(&r);
                } else {
                    imp_t.push(e);
                }
            }
            dump_t.push(time_pg_dump(&db_url)?);
        }
        let (im, ve, du) = (median(imp_t), median(ver_t), median(dump_t));
        println!(
            "| {n} | {:.0} ms | {:.0} ms | {:.0} ms | {:.2} | {verdict} |",
            im.as_secs_f64() * 1e3,
            ve.as_secs_f64() * 1e3,
            du.as_secs_f64() * 1e3,
            im.as_secs_f64() / du.as_secs_f64()
        );
        drop(c);
        schemac::pg::connect(&url)?
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
    }
    Ok(())
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
