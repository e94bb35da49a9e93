//! Benchmark of load + check + gen on synthetic projects.
//!
//! `cargo run --release --example bench_gen -- 100 1000 10000`
//!
//! Each synthetic table has 10 columns, 2 foreign keys, 2 indexes, 1 trigger and 2 policies,
//! spread over files of 50 tables. Prints one line per size: the median of 5 runs of each
//! stage, so the numbers in BENCHMARKS.md can be reproduced.

#[path = "common/mod.rs"]
mod common;
use common::{median, write_project};

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--write DIR N` only writes the synthetic project, for profiling.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--write") {
        let (dir, n) = (args.get(2).ok_or("DIR")?, args.get(3).ok_or("N")?.parse()?);
        std::fs::create_dir_all(dir)?;
        return Ok(write_project(Path::new(dir), n)?);
    }
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000, 10000]
    } else {
        sizes
    };
    println!("| tables | load + model | check | gen | total | output |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let dir = tempfile::tempdir()?;
        write_project(dir.path(), n)?;
        let (mut load, mut check, mut gen, mut total) = (vec![], vec![], vec![], vec![]);
        let mut bytes = 0;
        for _ in 0..5 {
            let t0 = Instant::now();
            let model = schemac::compile(dir.path(), "bench")
                .map_err(|f| format!("{:?}", f.diagnostics.first()))?;
            let t1 = Instant::now();
            let diags = schemac::check::run(&model);
            let t2 = Instant::now();
            let sql = schemac::generate(&model, None)?;
            let t3 = Instant::now();
            assert!(
                diags
                    .iter()
                    .all(|d| d.severity != schemac::diagnostic::Severity::Error),
                "{:?}",
                diags.first()
            );
            bytes = sql.len();
            load.push(t1 - t0);
            check.push(t2 - t1);
            gen.push(t3 - t2);
            total.push(t3 - t0);
        }
        println!(
            "| {n} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MB |",
            median(load).as_secs_f64() * 1e3,
            median(check).as_secs_f64() * 1e3,
            median(gen).as_secs_f64() * 1e3,
            median(total).as_secs_f64() * 1e3,
            bytes as f64 / 1e6
        );
    }
    Ok(())
}

// The same allocator as the binary, so the numbers are the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
