//! The integration tests: one binary (fast to link), one module per area.
//!
//! Tests run the real `schemac` binary from the repository root with relative paths, so the
//! file names in snapshots are the ones a user sees. Snapshots live in the top-level
//! `snapshots/` directory.

mod api_grants;
mod apply;
mod check;
mod conformance;
mod diff;
mod forms;
mod gen;
mod import;
mod introspect_fast;
mod pg;
mod rawsql;
mod rls;
mod robust;
mod secrets;
mod security;
mod shadow;
mod supabase;
mod upgrades;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `schemac` with `args` in the repository root.
pub fn schemac(args: &[&str]) -> Run {
    run_bin(env!("CARGO_BIN_EXE_schemac"), args)
}

/// Runs the schemac binary at `bin` (another build, for measurements) with `args` in the
/// repository root, without the caller's `DATABASE_URL`.
pub fn run_bin(bin: &str, args: &[&str]) -> Run {
    let out = Command::new(bin)
        .args(args)
        .current_dir(root())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemac");
    Run::from(out)
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Directories directly below `dir` (relative to the root), sorted.
pub fn subdirs(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
        .collect();
    v.sort();
    v
}

/// insta settings: snapshots in `snapshots/`, named without the module prefix.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The last path component, for snapshot names.
pub fn leaf(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
