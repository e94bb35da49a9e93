//! Bad input never panics: every line-prefix of every file of the shipped project (which
//! cuts mappings, flow collections and quoted strings at every point) must load to either a
//! model or positioned diagnostics.
//!
//! Nor does it cost more than linear time: generated inputs of a few hundred kilobytes that
//! used to take minutes (deep nesting, alias expansion, long names in "did you mean" hints)
//! are simply run, and their positioned errors snapshotted. Their times are measured by hand
//! and in benchmarks, never asserted here.

use crate::{settings, Run};
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn truncated_files_never_panic() {
    let src = crate::root().join("schema");
    let mut files: Vec<_> = fs::read_dir(src.join("tables"))
        .expect("read schema/tables")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.push(src.join("functions.yaml"));
    files.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("schemac.yaml"), "schemac: 1\n").expect("write config");
    let target = dir.path().join("defs.yaml");
    let mut runs = 0;
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..=lines.len() {
            let mut prefix = lines[..n].join("\n");
            // Also cut in the middle of the next line, where flow mappings and quotes open.
            for cut in [None, Some(lines.get(n).map_or(0, |l| l.len() / 2))] {
                if let Some(c) = cut {
                    if let Some(l) = lines.get(n) {
                        prefix = format!(
                            "{}\n{}",
                            lines[..n].join("\n"),
                            &l[..l.floor_char_boundary_compat(c)]
                        );
                    }
                }
                fs::write(&target, &prefix).expect("write");
                match schemac::check_project(dir.path(), "p") {
                    Ok(_) => {}
                    Err(fail) => {
                        assert!(!fail.diagnostics.is_empty(), "a failed load must say why");
                        for d in &fail.diagnostics {
                            assert!(
                                d.code == "SC005" || !d.labels.is_empty(),
                                "diagnostic without position for prefix of {}:\n{prefix}\n{d:?}",
                                f.display()
                            );
                        }
                    }
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 100);
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// Runs `schemac check p` where `p` is a fresh project whose one definition file holds `defs`.
fn check_generated(defs: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("p");
    fs::create_dir(&project).expect("mkdir");
    fs::write(project.join("schemac.yaml"), "schemac: 1\n").expect("write config");
    fs::write(project.join("defs.yaml"), defs).expect("write defs");
    run_in(dir.path(), &["check", "p"])
}

/// Runs `schemac` with `args` in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run schemac");
    Run::from(out)
}

/// Output lines cut to 300 characters: snippets repeat the offending line, which is the whole
/// generated input here.
fn shortened(text: &str) -> String {
    text.lines()
        .map(|l| match l.char_indices().nth(300) {
            Some((cut, _)) => format!(
                "{}… ({} more characters)",
                &l[..cut],
                l[cut..].chars().count()
            ),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks a generated input that must be refused: exit 2, a positioned error on stderr.
fn refused(name: &str, defs: &str) {
    assert!(defs.len() >= 200_000, "{name}: only {} bytes", defs.len());
    let r = check_generated(defs);
    assert_eq!(r.code, 2, "{name}: {}", shortened(&r.stderr));
    assert!(r.stdout.is_empty(), "{name}: {}", shortened(&r.stdout));
    assert!(
        r.stderr.contains(" --> p/defs.yaml:"),
        "{name}: {}",
        shortened(&r.stderr)
    );
    settings().bind(|| insta::assert_snapshot!(format!("robust__{name}"), shortened(&r.stderr)));
}

const COMMENT: &str = "tables:\n  t:\n    comment: ";

#[test]
fn deep_flow_nesting_is_refused_at_the_limit() {
    refused(
        "flow_sequences",
        &format!("{COMMENT}{}\n", "[".repeat(200_000)),
    );
    let closed = format!("{COMMENT}{}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    refused("flow_sequences_closed", &closed);
    refused(
        "flow_mappings",
        &format!("{COMMENT}{}\n", "{a: ".repeat(50_000)),
    );
    // An anchor, and flow collections over many lines, leave the fast scanner: yaml-rust2
    // reads them, and stops at 255 flow levels.
    refused(
        "flow_after_anchor",
        &format!("{COMMENT}&x {}\n", "[".repeat(200_000)),
    );
    let lines = format!(
        "tables:\n  t:\n    comment:\n{}",
        "      [\n".repeat(30_000)
    );
    refused("flow_over_lines", &lines);
}

#[test]
fn deep_block_nesting_is_refused_at_the_limit() {
    refused(
        "compact_sequences",
        &format!("roles:\n  {}x\n", "- ".repeat(100_000)),
    );
    // Each level one space deeper: 630 levels in 200 KB.
    let mut indented = String::from("tables:\n");
    let mut i = 1;
    while indented.len() < 200_000 {
        indented.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        i += 1;
    }
    indented.push_str(&format!("{}x: y\n", " ".repeat(i)));
    refused("block_indentation", &indented);
    // Block nesting, then flow nesting on its last line.
    let mut mixed: String = (0..30)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    mixed.push_str(&format!(
        "{}k: {}\n",
        " ".repeat(30),
        "[{a: ".repeat(40_000)
    ));
    refused("block_then_flow", &mixed);
}

/// yaml-rust2 rejects a tab after `:`, libyaml (behind serde_yaml, asked next for its message)
/// does not, and would read on into the deep part; a later document is read by serde_yaml too.
#[test]
fn deep_nesting_after_an_error_or_in_a_later_document_is_refused() {
    let tab = format!(
        "tables:\n  t:\n    rls:\tx\n    comment: {}\n",
        "[".repeat(200_000)
    );
    refused("syntax_error_then_deep", &tab);
    refused(
        "later_document_deep",
        &format!("tables:\n---\n{}\n", "[".repeat(200_000)),
    );
}

#[test]
fn alias_expansion_is_refused_past_the_limit() {
    // A table of 10 000 columns, anchored, and 10 000 tables that are aliases of it.
    let columns: String = (0..10_000).map(|i| format!("c{i}: text, ")).collect();
    let mut defs = format!("tables:\n  t0: &t {{columns: {{{columns}id: uuid}}}}\n");
    for i in 1..10_000 {
        defs.push_str(&format!("  t{i}: *t\n"));
    }
    refused("alias_amplification", &defs);
}

/// Long and wide inputs that are not errors of their own run as usual.
#[test]
fn long_flat_inputs_load() {
    let ok = |name: &str, defs: &str| {
        assert!(defs.len() >= 200_000, "{name}: only {} bytes", defs.len());
        let r = check_generated(defs);
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: exit {}\n{}",
            r.code,
            shortened(&r.stderr)
        );
        assert!(!r.stderr.contains("panicked"), "{name}");
    };
    ok("long plain", &format!("{COMMENT}{}\n", "x".repeat(200_000)));
    ok(
        "long quoted",
        &format!("{COMMENT}\"{}\"\n", "é".repeat(100_000)),
    );
    let block = format!(
        "{COMMENT}|\n{}",
        format!("      {}\n", "x".repeat(70)).repeat(3000)
    );
    ok("long block scalar", &block);
    ok(
        "long comment",
        &format!("# {}\ntables:\n", "x".repeat(200_000)),
    );
    let many: String = (0..17_000).map(|i| format!("  t{i}: {{}}\n")).collect();
    ok("many tables", &format!("tables:\n{many}"));
    ok(
        "many repeated tables",
        &format!("tables:\n{}", "  t: {}\n".repeat(30_000)),
    );
    // Columns on a line with wide characters, one per scalar.
    let columns: String = (0..20_000).map(|i| format!(", c{i}: text")).collect();
    let wide = format!("tables:\n  t:\n    columns: {{é: text{columns}}}\n");
    ok("wide line", &wide);
    // A long key above many repeated keys: the paths of the repetitions cut it.
    let long_key = format!(
        "tables:\n  ? {}\n  :\n{}",
        "k".repeat(100_000),
        "    comment: x\n".repeat(7_000)
    );
    let r = check_generated(&long_key);
    assert_eq!(r.code, 2, "{}", shortened(&r.stderr));
}

/// A one-megabyte unknown type, table or role name gets no "did you mean" hint (the edit
/// distance took seconds per megabyte): the finding itself is reported as usual.
#[test]
fn long_unknown_names_get_no_hint() {
    let name = "x".repeat(1 << 20);
    let table = "tables:\n  t:\n    rls: true\n    columns:\n";
    for (what, defs) in [
        ("type", format!("{table}      id: {name}\n")),
        (
            "table",
            format!("{table}      id: {{ type: uuid, references: {name}(id) }}\n"),
        ),
        (
            "role",
            format!("{table}      id: uuid\n    policies:\n      p: {{ using: 'true', roles: [{name}] }}\n"),
        ),
    ] {
        let r = check_generated(&defs);
        assert_eq!(r.code, 1, "{what}: {}", shortened(&r.stdout));
        assert!(r.stdout.contains(&name[..80]), "{what}: the finding names it");
        // Messages and snippets are cut: a megabyte of name is not a megabyte of output.
        assert!(r.stdout.len() < 4096, "{what}: {} bytes of output", r.stdout.len());
        assert!(!r.stdout.contains("did you mean"), "{what}");
        let finding = r
            .stdout
            .split("\n\n")
            .find(|d| d.starts_with("error[SC3") && d.contains(&format!("unknown-{what}]")))
            .unwrap_or_else(|| panic!("{what}: no error naming it:\n{}", shortened(&r.stdout)));
        settings().bind(|| {
            insta::assert_snapshot!(format!("robust__long_unknown_{what}"), shortened(finding))
        });
    }
}

/// Runs `schemac` with `args` in the repository root, its stdout a pipe whose reader is
/// already closed: a FIFO opened for reading and writing (which does not block on Linux), then
/// for writing, then closed for reading, so that the first write fails with `EPIPE`, however
/// early it comes. Returns the exit code and stderr.
#[cfg(target_os = "linux")]
fn run_into_closed_pipe(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("stdout");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    let reader = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    let writer = fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open fifo for writing");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(args)
        .current_dir(crate::root())
        .env_remove("DATABASE_URL")
        .stdout(writer)
        .output()
        .expect("run schemac");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every command that writes to stdout stops quietly when its reader has gone, as ripgrep
/// does: exit 0, nothing on stderr (it used to print "Broken pipe" and exit 2).
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut commands: Vec<Vec<String>> = [
        &["check", "schema"][..],
        &["check", "tests/fixtures/conflicts/user_kpis_types"],
        &["check", "schema", "--format", "json"],
        &[
            "check",
            "tests/fixtures/bad/top-level-list",
            "--format",
            "json",
        ],
        &["gen", "schema", "--stdout"],
        &["gen", "tests/fixtures/projects/production", "--stdout"],
        &["rules"],
        &["schema-json"],
        &["schema-json", "--config"],
        &["stubs"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.to_string()).collect())
    .collect();
    let db = crate::pg::test_db("closed_stdout");
    if let Some(db) = &db {
        commands.push(vec![
            "diff".into(),
            "schema".into(),
            "--db".into(),
            db.url.clone(),
        ]);
        let both = ["diff", "--from", &db.url, "--to", &db.url, "--sql"];
        commands.push(both.iter().map(|s| s.to_string()).collect());
    }
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = run_into_closed_pipe(&args);
        assert_eq!(
            (code, stderr.as_str()),
            (0, ""),
            "schemac {}",
            args.join(" ")
        );
    }
}
