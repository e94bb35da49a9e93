//! The `schemac` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library and in `cli`.

mod cli;

// schemac allocates many small strings (names, SQL fragments, positions); mimalloc makes
// loading and rendering a large project about a third faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
