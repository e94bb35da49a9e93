//! The `schemac` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library and in `cli`.
//!
//! Rust's runtime ignores SIGPIPE, so writing to a closed pipe is an `EPIPE` error rather
//! than a silent death; `cli::main` turns it into a quiet exit 0 (as ripgrep does).

mod cli;

// schemac allocates many small strings (names, SQL fragments, positions); mimalloc makes
// loading and rendering a large project about a third faster than the system allocator.
// Built without transparent huge pages (`no_thp`): each fresh 2 MiB page is zeroed whole,
// and the drift path at 10 000 tables (a gigabyte of catalogs) spent 1.5 of its 3 s of
// system time doing so; with 4 KiB pages that fell to 0.9 s, and at 1 000 tables from
// 0.23–0.36 s to 0.06–0.11 s. Database-to-database diff did not move (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
