//! The `schemac` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library and in `cli`.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
