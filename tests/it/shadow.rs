//! Shadow databases never outlive their run: not on SIGINT or SIGTERM at any moment of
//! `schemac diff`, not on an error or a panic; and what a killed run leaves behind is found
//! and dropped by `--cleanup` (and, once an hour old, by any run that builds a shadow),
//! while a shadow another run is using is kept.
//!
//! The signal test sends `SCHEMAC_SIGNAL_RUNS` SIGINTs and as many SIGTERMs (default 10;
//! `scripts/signal-soak.sh` runs 100 + 100) at random moments spread over a whole run;
//! `SCHEMAC_SIGNAL_SEED` repeats a sequence, `SCHEMAC_SIGNAL_BIN` tests another build.

use crate::pg::test_db;
use crate::{root, run_bin, settings};
use postgres::{Client, NoTls};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The project the signal test diffs: small, so a run takes a fraction of a second.
const PROJECT: &str = "tests/fixtures/converge/v2";

fn server() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn admin(server: &str) -> Client {
    Client::connect(server, NoTls).expect("connect to TEST_DATABASE_URL")
}

/// Shadow databases that process `pid` created (the pid is part of every shadow's name,
/// in this version's format and in the older `schemac_shadow_<pid>_<nanos>`).
fn shadows_of(c: &mut Client, pid: u32) -> Vec<String> {
    let pid = pid.to_string();
    c.query(
        "SELECT datname::text FROM pg_database WHERE datname::text LIKE 'schemac\\_shadow\\_%'",
        &[],
    )
    .expect("list shadows")
    .iter()
    .map(|r| r.get::<_, String>(0))
    .filter(|n| {
        n["schemac_shadow_".len()..]
            .split('_')
            .any(|part| part == pid)
    })
    .collect()
}

fn exists(c: &mut Client, name: &str) -> bool {
    c.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
        &[&name],
    )
    .expect("pg_database")
    .get(0)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// What one interrupted run did, judged from its exit status and stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Killed by the signal's default action: it came before diff installed its handler.
    KilledBeforeHandler,
    /// Handled before any shadow was registered.
    NoShadowYet,
    /// Handled while the shadow was registered but did not exist: CREATE DATABASE not
    /// sent yet, or cancelled.
    NotCreated,
    /// Handled with the shadow in existence: dropped.
    Dropped,
    /// The run had finished before the signal arrived.
    Finished,
}

#[cfg(unix)]
#[test]
fn signals_at_any_moment_leave_no_shadow_behind() {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    use std::os::unix::process::ExitStatusExt;

    let Some(db) = test_db("signals") else {
        return;
    };
    let server = server().expect("TEST_DATABASE_URL");
    let mut admin = admin(&server);
    let runs: usize = std::env::var("SCHEMAC_SIGNAL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("SCHEMAC_SIGNAL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    // SCHEMAC_SIGNAL_BIN measures another build (e.g. the previous release) instead.
    let bin = std::env::var("SCHEMAC_SIGNAL_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_schemac").to_string());
    let args = ["diff", PROJECT, "--db", &db.url, "--always-shadow"];

    // How long an uninterrupted run takes (median of 3): signals are spread over
    // 0..1.2 × that, so they hit every phase and some runs finish first.
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let r = run_bin(&bin, &args);
            assert_eq!(r.code, 1, "uninterrupted run: {}", r.stderr);
            started.elapsed()
        })
        .collect();
    times.sort();
    let full = times[1];
    let window_us = (full.as_micros() as u64 * 6 / 5).max(1);

    let mut rng = Rng(seed);
    let mut tally: std::collections::BTreeMap<(&str, Outcome), usize> = Default::default();
    let mut failures = Vec::new();
    let t0 = Instant::now();
    for i in 0..2 * runs {
        let (sig, code) = if i % 2 == 0 {
            (Signal::SIGINT, 130)
        } else {
            (Signal::SIGTERM, 143)
        };
        let delay = Duration::from_micros(rng.next() % window_us);
        let child = Command::new(&bin)
            .args(args)
            .current_dir(root())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn schemac");
        let pid = child.id();
        std::thread::sleep(delay);
        let _ = kill(Pid::from_raw(pid as i32), sig);
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let outcome = match (out.status.code(), out.status.signal()) {
            (Some(0 | 1), _) => Some(Outcome::Finished),
            (None, Some(s)) if s == sig as i32 => Some(Outcome::KilledBeforeHandler),
            (Some(c), _) if c == code => {
                if stderr.contains("dropped shadow database schemac_shadow_") {
                    Some(Outcome::Dropped)
                } else if stderr.contains("does not exist (not created, or already dropped)") {
                    Some(Outcome::NotCreated)
                } else if stderr.contains("no shadow database to drop") {
                    Some(Outcome::NoShadowYet)
                } else {
                    None
                }
            }
            _ => None,
        };
        let left = shadows_of(&mut admin, pid);
        match outcome {
            Some(o) if left.is_empty() => *tally.entry((sig.as_str(), o)).or_default() += 1,
            _ => failures.push(format!(
                "{} after {delay:?} (run {i}, seed {seed}): status {:?}, left behind {left:?}\n{stderr}",
                sig.as_str(),
                out.status
            )),
        }
        for name in left {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
    eprintln!(
        "signals: {} runs in {:.1?} (seed {seed}, uninterrupted run {full:.0?}, signals within 0..{:?})",
        2 * runs,
        t0.elapsed(),
        Duration::from_micros(window_us)
    );
    for ((sig, outcome), n) in &tally {
        eprintln!("  {sig} {outcome:?}: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs failed:\n{}",
        failures.len(),
        2 * runs,
        failures.join("\n")
    );
}

#[test]
fn errors_and_panics_drop_the_shadow() {
    let Some(db) = test_db("errors_drop_shadows") else {
        return;
    };
    let server = server().expect("TEST_DATABASE_URL");
    let mut admin = admin(&server);

    // The binary: the project fails to apply in the shadow database.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("schemac.yaml"),
        "schemac: 1\ntarget: postgres\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("f.yaml"),
        "functions:\n  broken:\n    args: []\n    returns: int\n    language: no_such_language\n    body: \"x\"\n",
    )
    .expect("write");
    let project = dir.path().to_string_lossy().into_owned();
    let child = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(["diff", &project, "--db", &db.url, "--always-shadow"])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("language \"no_such_language\" does not exist"),
        "{stderr}"
    );
    assert_eq!(shadows_of(&mut admin, pid), Vec::<String>::new());

    // The library: an error after CREATE, and a panic.
    let name = {
        let mut shadow = schemac::pg::Shadow::create(&server).expect("create shadow");
        assert!(exists(&mut admin, &shadow.name));
        let err = schemac::pg::apply_in_batches(&mut shadow.client, &["SELECT 1/0;".into()], 1);
        assert!(err.is_err());
        shadow.name.clone()
    };
    assert!(!exists(&mut admin, &name), "{name} survived an error");
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::panic::catch_unwind(|| {
        let shadow = schemac::pg::Shadow::create(&server).expect("create shadow");
        let _ = tx.send(shadow.name.clone());
        panic!("a bug while the shadow exists");
    });
    assert!(result.is_err());
    let name = rx.recv().expect("name");
    assert!(!exists(&mut admin, &name), "{name} survived a panic");
}

/// Creates a database named like a shadow whose creator is gone (`pid` cannot exist:
/// above Linux's pid_max), created `age` seconds ago on host `ci-test`.
fn fake_shadow(c: &mut Client, age: u64, pid: u32) -> String {
    let name = fake_name(age, pid);
    create_fake(c, &name);
    name
}

fn fake_name(age: u64, pid: u32) -> String {
    format!("schemac_shadow_{}_{pid}_{:08x}", unix_now() - age, pid)
}

fn create_fake(c: &mut Client, name: &str) {
    let pid = schemac::pg::shadow::parse_name(name).1.unwrap_or(0);
    c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .expect("create fake shadow");
    c.batch_execute(&format!(
        "COMMENT ON DATABASE \"{name}\" IS 'schemac shadow database: pid={pid} host=ci-test application_name={name}'"
    ))
    .expect("comment");
}

/// The lines of a cleanup report about `names` (other tests' shadows may be listed too),
/// with the names as placeholders, and the summary with its counts as N.
fn our_lines(out: &str, names: &[(&str, &str)], server: &str) -> String {
    let mut kept = Vec::new();
    for line in out.lines() {
        if let Some((name, tag)) = names.iter().find(|(n, _)| line.contains(n)) {
            kept.push(line.replace(name, tag));
        } else if line.starts_with(server) {
            let summary: String = line
                .replace(server, "<server>")
                .split(' ')
                .map(|w| {
                    if w.chars().all(|c| c.is_ascii_digit()) {
                        "N"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            kept.push(summary);
        }
    }
    kept.join("\n")
}

#[test]
fn cleanup_drops_stale_shadows_and_keeps_live_ones() {
    let Some(db) = test_db("cleanup_target") else {
        return;
    };
    let server = server().expect("TEST_DATABASE_URL");
    let mut admin = admin(&server);
    let hour = 3600;
    // Other tests run diffs meanwhile, and each drops stale shadows over an hour old: only
    // `old_stale` is meant for them, so the others are recent, of unknown age, or have
    // their creator's session open before they exist (as a real run does).
    let old_stale = fake_shadow(&mut admin, 2 * hour, 9_999_901);
    let new_stale = fake_shadow(&mut admin, 60, 9_999_902);
    let legacy = "schemac_shadow_9999905_123456789".to_string();
    admin
        .batch_execute(&format!("CREATE DATABASE \"{legacy}\""))
        .expect("create legacy");
    // A running creator: its session carries the shadow's name as application_name …
    let live_app = fake_name(2 * hour, 9_999_903);
    let mut cfg: postgres::Config = server.parse().expect("url");
    cfg.application_name(&live_app);
    let _creator = cfg.connect(NoTls).expect("connect as creator");
    create_fake(&mut admin, &live_app);
    // … or is connected to the shadow itself.
    let live_db = fake_shadow(&mut admin, 60, 9_999_904);
    let mut cfg: postgres::Config = server.parse().expect("url");
    cfg.dbname(&live_db);
    let _user = cfg.connect(NoTls).expect("connect to shadow");

    // An ordinary run silently drops stale shadows older than an hour, nothing else.
    let r = crate::schemac(&["diff", PROJECT, "--db", &db.url, "--always-shadow"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("schemac_shadow"), "{}", r.stderr);
    assert!(!r.stdout.contains("schemac_shadow"), "{}", r.stdout);
    assert!(
        !exists(&mut admin, &old_stale),
        "an hour-old stale shadow survived"
    );
    for n in [&new_stale, &live_app, &live_db, &legacy] {
        assert!(exists(&mut admin, n), "{n} was dropped by an ordinary run");
    }

    let names = [
        (new_stale.as_str(), "<stale, 1 min old>"),
        (legacy.as_str(), "<stale, old name format>"),
        (live_app.as_str(), "<creator running>"),
        (live_db.as_str(), "<in use>"),
    ];
    let shown = schemac::pg::redact(&server);
    let r = crate::schemac(&["diff", "--cleanup", "--db", &server]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = our_lines(&r.stdout, &names, &shown);
    assert!(!exists(&mut admin, &new_stale));
    assert!(!exists(&mut admin, &legacy));
    assert!(exists(&mut admin, &live_app) && exists(&mut admin, &live_db));

    // JSON and GitHub formats, on a fresh leftover.
    let again = fake_shadow(&mut admin, 60, 9_999_906);
    let r = crate::schemac(&[
        "diff",
        "--cleanup",
        "--dev-url",
        &server,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let ours: Vec<serde_json::Value> = v["shadows"]
        .as_array()
        .expect("shadows")
        .iter()
        .filter(|s| s["name"] == again.as_str() || s["name"] == live_app.as_str())
        .map(|s| {
            let mut s = s.clone();
            let tag = if s["name"] == again.as_str() {
                "<stale>"
            } else {
                "<creator running>"
            };
            s["name"] = tag.into();
            s["age_seconds"] = "<age>".into();
            s
        })
        .collect();
    assert!(!exists(&mut admin, &again));
    let again = fake_shadow(&mut admin, 60, 9_999_907);
    let r = crate::schemac(&["diff", "--cleanup", "--db", &server, "--format", "github"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let github = our_lines(&r.stdout, &[(again.as_str(), "<stale>")], &shown);
    assert!(!exists(&mut admin, &again));

    // Without a server to clean.
    let missing = crate::schemac(&["diff", "--cleanup"]);
    assert_eq!(missing.code, 2);

    drop(_creator);
    drop(_user);
    for n in [&live_app, &live_db] {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"));
    }
    let report = format!(
        "--- text\n{text}\n--- json (our entries)\n{}\n--- github\n{github}\n--- no --db\n{}",
        serde_json::to_string_pretty(&ours).expect("json"),
        missing.stderr
    );
    settings().bind(|| insta::assert_snapshot!("shadow__cleanup", report));
}
