//! The `schemac` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library and in `cli`.
//!
//! Rust's runtime ignores SIGPIPE, so writing to a closed pipe is an `EPIPE` error rather
//! than a silent death; `cli::main` turns it into a quiet exit 0 (as ripgrep does).

mod cli;

// schemac allocates many small strings (names, SQL fragments, positions); mimalloc makes
// loading and rendering a large project about a third faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
