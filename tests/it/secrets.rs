//! Passwords never reach the output. Every shape of connection string below (URL and
//! key=value forms the driver accepts, and some it rejects) goes through every way a URL
//! enters `schemac diff` (`--db`, `DATABASE_URL`, `--dev-url`, `--from`, `--to`) in every
//! output format, against a target that fails (a closed port, a missing socket, a bad
//! string) or, for a few shapes, the test server (trust authentication ignores the
//! password), so that error messages and report headers are printed. The real binary runs
//! each time; the password must never appear, and the output must still name the server.

use crate::{root, settings, Run};
use std::process::Command;

/// Every password below contains this …
const PW: &str = "S3cr3tPw";
/// … and those with special characters this after them, so that a leak of the part after
/// a space, quote or delimiter is caught too.
const TAIL: &str = "Zq7Tail";

/// (connection string, how it must be shown). The target is unreachable: port 1 on
/// loopback (refused at once), or a socket directory that does not exist.
const UNREACHABLE: &[(&str, &str)] = &[
    ("postgresql://alice:S3cr3tPw@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    ("postgres://alice:S3cr3tPw@127.0.0.1:1/appdb", "postgres://alice@127.0.0.1:1/appdb"),
    // Unencoded special characters in the password (the driver takes userinfo up to '@').
    ("postgresql://alice:S3cr3tPw/Zq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    ("postgresql://alice:S3cr3tPw?Zq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    ("postgresql://alice:S3cr3tPw#Zq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    ("postgresql://alice:S3cr3tPw:Zq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    ("postgresql://alice:S3cr3tPw!$&'()*+,;=~Zq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    // Every special character encoded.
    (
        "postgresql://alice:S3cr3tPw%40%2F%3F%23%3A%25%20%26%3D%27%5CZq7Tail@127.0.0.1:1/appdb",
        "postgresql://alice@127.0.0.1:1/appdb",
    ),
    ("postgresql://alice:S3cr3tPw%2FZq7Tail@127.0.0.1:1/appdb", "postgresql://alice@127.0.0.1:1/appdb"),
    // An unencoded '@' in the password: the driver splits at the first one, so the rest
    // of the password looks like part of the host (hostaddr keeps the test off DNS).
    (
        "postgresql://alice:S3cr3tPw@Zq7Tail@127.0.0.1:1/appdb?hostaddr=127.0.0.1",
        "postgresql://…",
    ),
    // Hosts: IPv6, several, a name, a Unix socket (encoded in the host, or a parameter).
    ("postgresql://alice:S3cr3tPw@[::1]:1/appdb", "postgresql://alice@[::1]:1/appdb"),
    (
        "postgresql://alice:S3cr3tPw@127.0.0.1:1,127.0.0.2:1/appdb",
        "postgresql://alice@127.0.0.1:1,127.0.0.2:1/appdb",
    ),
    (
        "postgresql://alice:S3cr3tPw@[::1]:1,127.0.0.1:1/appdb?connect_timeout=1",
        "postgresql://alice@[::1]:1,127.0.0.1:1/appdb",
    ),
    ("postgresql://alice:S3cr3tPw@localhost:1/appdb", "postgresql://alice@localhost:1/appdb"),
    (
        "postgresql://alice:S3cr3tPw@%2Fnonexistent%2Fsock/appdb",
        "postgresql://alice@/appdb?host=/nonexistent/sock&port=5432",
    ),
    (
        "postgresql://alice:S3cr3tPw@/appdb?host=/nonexistent/sock&port=1",
        "postgresql://alice@/appdb?host=/nonexistent/sock&port=1",
    ),
    // The password as a query parameter.
    (
        "postgresql://127.0.0.1:1/appdb?user=alice&password=S3cr3tPw",
        "postgresql://alice@127.0.0.1:1/appdb",
    ),
    (
        "postgresql://alice@127.0.0.1:1/appdb?password=S3cr3tPw%26Zq7Tail&sslmode=disable",
        "postgresql://alice@127.0.0.1:1/appdb?sslmode=disable",
    ),
    (
        "postgresql://alice:@127.0.0.1:1/appdb?password=S3cr3tPw",
        "postgresql://alice@127.0.0.1:1/appdb",
    ),
    // Other parameters, no user, encoded user and database, no database.
    (
        "postgresql://alice:S3cr3tPw@127.0.0.1:1/appdb?sslmode=require&application_name=ci",
        "postgresql://alice@127.0.0.1:1/appdb?sslmode=require",
    ),
    (
        "postgresql://alice:S3cr3tPw@127.0.0.1:1/appdb?options=-c%20search_path%3Dpublic",
        "postgresql://alice@127.0.0.1:1/appdb",
    ),
    (
        "postgresql://alice:S3cr3tPw@127.0.0.1:1/appdb?hostaddr=127.0.0.1",
        "postgresql://alice@127.0.0.1:1/appdb?hostaddr=127.0.0.1",
    ),
    ("postgresql://:S3cr3tPw@127.0.0.1:1/appdb", "postgresql://@127.0.0.1:1/appdb"),
    (
        "postgresql://al%40ice:S3cr3tPw@127.0.0.1:1/app%20db",
        "postgresql://al%40ice@127.0.0.1:1/app%20db",
    ),
    ("postgresql://alice:S3cr3tPw@127.0.0.1:1", "postgresql://alice@127.0.0.1:1"),
    // key=value strings: spaces around '=', quoting, escapes, sockets, several hosts.
    (
        "host=127.0.0.1 port=1 user=alice password=S3cr3tPw dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        "host=127.0.0.1 port=1 user=alice password = S3cr3tPw dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        "host=127.0.0.1 port=1 user=alice password='S3cr3tPw Zq7Tail' dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        r"host=127.0.0.1 port=1 user=alice password='S3cr3tPw\'Zq7Tail\\y' dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        r"host=127.0.0.1 port=1 user=alice password=S3cr3tPw\ Zq7Tail dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        "host=127.0.0.1 port=1 user=alice password=S3cr3tPw@/?#Zq7Tail dbname=appdb",
        "host=127.0.0.1 port=1 user=alice dbname=appdb",
    ),
    (
        "  host = 127.0.0.1   port = 1 user = alice password = 'S3cr3tPw=Zq7Tail' dbname = appdb sslmode=disable",
        "host=127.0.0.1 port=1 user=alice dbname=appdb sslmode=disable",
    ),
    (
        "password=S3cr3tPw host=::1 port=1 user=alice dbname=appdb",
        "host=::1 port=1 user=alice dbname=appdb",
    ),
    (
        "host=/nonexistent/sock port=1 user=alice password=S3cr3tPw dbname=appdb",
        "host=/nonexistent/sock port=1 user=alice dbname=appdb",
    ),
    (
        "host=127.0.0.1,127.0.0.2 port=1,1 user=alice password=S3cr3tPw dbname=appdb connect_timeout=1",
        "host=127.0.0.1,127.0.0.2 port=1,1 user=alice dbname=appdb",
    ),
    (
        "hostaddr=127.0.0.1 port=1 user=alice password=S3cr3tPw dbname='app db'",
        "hostaddr=127.0.0.1 port=1 user=alice dbname='app db'",
    ),
    (
        "host=localhost port=1 user='alice smith' password=S3cr3tPw dbname=appdb application_name=x",
        "host=localhost port=1 user='alice smith' dbname=appdb",
    ),
];

/// Strings the driver accepts but splits so that what it takes for the host is the rest of
/// the password (an unencoded '@' in a query parameter): the binary would look that host
/// up in DNS, so these are only checked through the library.
const DNS_BOUND: &[(&str, &str)] = &[
    (
        "postgresql://127.0.0.1:1/appdb?password=S3cr3tPw@Zq7Tail",
        "postgresql://…",
    ),
    (
        "postgresql://alice@127.0.0.1:1/appdb?sslmode=disable&password=S3cr3tPw@Zq7Tail/x",
        "postgresql://…",
    ),
];

/// Strings the driver rejects: only the scheme is shown, and the reason.
const REJECTED: &[&str] = &[
    "postgresql://alice:S3cr3tPw@127.0.0.1:1/appdb?sslmode=verify-full",
    "postgresql://127.0.0.1:1/appdb?password=S3cr3tPw&Zq7Tail",
    "postgresql://alice:S3cr3tPw@127.0.0.1:notaport/appdb",
    "postgresql://alice:S3cr3tPw@[::1/appdb",
    "host=127.0.0.1 password=S3cr3tPw Zq7Tail=1",
    "host=127.0.0.1 password=S3cr3tPw Zq7Tail dbname=appdb",
    "host=127.0.0.1 password='S3cr3tPw",
    "mysql://alice:S3cr3tPw@127.0.0.1:1/appdb",
    "S3cr3tPw",
];

/// Ways a URL enters `schemac diff`.
#[derive(Clone, Copy, Debug)]
enum Way {
    Db,
    Env,
    DevUrl,
    From,
    To,
}

const WAYS: [Way; 5] = [Way::Db, Way::Env, Way::DevUrl, Way::From, Way::To];
const FORMATS: [&str; 3] = ["text", "json", "github"];

/// The test server's URL, or None (skip) outside CI when there is none.
fn server() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but TEST_DATABASE_URL is not set: run the tests through scripts/test.sh");
            }
            None
        }
    }
}

/// Runs `schemac diff` with `url` entering the way `way`; `server` is the working URL the
/// other side needs (`--db` for `--dev-url`, the other end of `--from/--to`).
fn run(way: Way, url: &str, format: &str, project: &str, server: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemac"));
    cmd.current_dir(root())
        .env_remove("DATABASE_URL")
        .arg("diff");
    match way {
        Way::Db => cmd.args([project, "--db", url]),
        Way::Env => cmd.arg(project).env("DATABASE_URL", url),
        Way::DevUrl => cmd.args([project, "--db", server, "--dev-url", url, "--always-shadow"]),
        Way::From => cmd.args(["--from", url, "--to", server]),
        Way::To => cmd.args(["--from", server, "--to", url]),
    };
    cmd.args(["--format", format]);
    let out = cmd.output().expect("run schemac");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Pieces of `url` that must never be printed: the marker, and the password as written
/// and as decoded.
fn secrets(url: &str) -> Vec<String> {
    let mut v = vec![PW.to_string(), TAIL.to_string()];
    if let Ok(cfg) = url.parse::<postgres::Config>() {
        if let Some(p) = cfg.get_password().filter(|p| p.len() >= PW.len()) {
            v.push(String::from_utf8_lossy(p).into_owned());
        }
    }
    v
}

/// A project that loads in a few milliseconds and matches an empty database.
fn empty_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("schemac.yaml"),
        "schemac: 1\ntarget: postgres\n",
    )
    .expect("write schemac.yaml");
    dir
}

struct Job {
    way: Way,
    url: String,
    format: &'static str,
    /// Some text the output must contain.
    expect: Vec<String>,
    /// Allowed exit codes.
    codes: &'static [i32],
}

/// Runs the jobs on a few threads; returns the failures.
fn run_all(jobs: Vec<Job>, project: &str, server: &str) -> Vec<String> {
    let jobs = std::sync::Mutex::new(jobs);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(job) = jobs.lock().expect("jobs").pop() else {
                    return;
                };
                let r = run(job.way, &job.url, job.format, project, server);
                let all = format!("{}{}", r.stdout, r.stderr);
                let mut bad = Vec::new();
                for s in secrets(&job.url) {
                    if all.contains(&s) {
                        bad.push(format!("prints `{s}`"));
                    }
                }
                if !job.codes.contains(&r.code) {
                    bad.push(format!("exit {} (want {:?})", r.code, job.codes));
                }
                for e in &job.expect {
                    if !all.contains(e.as_str()) {
                        bad.push(format!("does not say `{e}`"));
                    }
                }
                if all.contains("panicked") {
                    bad.push("panics".into());
                }
                if !bad.is_empty() {
                    failures.lock().expect("failures").push(format!(
                        "{:?} {} `{}`: {}\n--- stdout\n{}--- stderr\n{}",
                        job.way,
                        job.format,
                        job.url,
                        bad.join(", "),
                        r.stdout,
                        r.stderr
                    ));
                }
            });
        }
    });
    failures.into_inner().expect("failures")
}

fn flag(way: Way) -> &'static str {
    match way {
        Way::Db | Way::Env => "--db (or DATABASE_URL)",
        Way::DevUrl => "--dev-url",
        Way::From => "--from",
        Way::To => "--to",
    }
}

#[test]
fn passwords_never_reach_the_output() {
    assert!(UNREACHABLE.len() >= 25);
    let server = server();
    // Without a server, `--dev-url` and `--to` cannot be reached; the other ways still run.
    let partner = server
        .clone()
        .unwrap_or_else(|| "postgresql://nobody@127.0.0.1:1/none".into());
    let ways: Vec<Way> = WAYS
        .into_iter()
        .filter(|w| server.is_some() || matches!(w, Way::Db | Way::Env | Way::From))
        .collect();
    let project = empty_project();
    let project = project.path().to_string_lossy().into_owned();
    let mut jobs = Vec::new();
    for &way in &ways {
        for format in FORMATS {
            for (url, shown) in UNREACHABLE {
                jobs.push(Job {
                    way,
                    url: url.to_string(),
                    format,
                    expect: vec![format!("cannot connect to {shown}:")],
                    codes: &[2],
                });
            }
            for url in REJECTED {
                jobs.push(Job {
                    way,
                    url: url.to_string(),
                    format,
                    expect: vec![format!("error: {}: invalid database URL", flag(way))],
                    codes: &[2],
                });
            }
        }
    }
    // Reachable: the test server with a password it does not ask for, so that diff
    // succeeds and prints its header.
    if let Some(server) = &server {
        let host_port = server
            .split('@')
            .nth(1)
            .and_then(|r| r.split('/').next())
            .expect("TEST_DATABASE_URL is postgres://user@host:port/db");
        let (host, port) = host_port.rsplit_once(':').expect("host:port");
        let reachable = [
            (
                format!("postgres://postgres:S3cr3tPw/?#Zq7Tail@{host}:{port}/postgres"),
                format!("postgres://postgres@{host}:{port}/postgres"),
            ),
            (
                format!("host={host} port={port} user=postgres password = 'S3cr3tPw Zq7Tail' dbname=postgres"),
                format!("host={host} port={port} user=postgres dbname=postgres"),
            ),
            (
                format!("postgresql://postgres@{host}:{port}/postgres?password=S3cr3tPw%26Zq7Tail&sslmode=disable"),
                format!("postgresql://postgres@{host}:{port}/postgres?sslmode=disable"),
            ),
        ];
        for &way in &ways {
            for format in FORMATS {
                for (url, shown) in &reachable {
                    // Only the text report names the databases.
                    let names = format == "text" && !matches!(way, Way::DevUrl);
                    jobs.push(Job {
                        way,
                        url: url.clone(),
                        format,
                        expect: if names { vec![shown.clone()] } else { vec![] },
                        codes: &[0, 1],
                    });
                }
            }
        }
    }
    let total = jobs.len();
    let started = std::time::Instant::now();
    let failures = run_all(jobs, &project, &partner);
    eprintln!(
        "{total} runs ({} shapes × {} ways × {} formats, plus reachable ones) in {:.1?}",
        UNREACHABLE.len() + REJECTED.len(),
        ways.len(),
        FORMATS.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How each shape is shown, and why a rejected one was rejected (the same text every
/// message and header uses).
#[test]
fn how_connection_strings_are_shown() {
    let mut out = String::new();
    for (url, _) in UNREACHABLE.iter().chain(DNS_BOUND) {
        out.push_str(&format!("{url}\n  → {}\n", schemac::pg::redact(url)));
    }
    for url in REJECTED {
        let e = schemac::pg::config(url).expect_err("rejected");
        out.push_str(&format!("{url}\n  → {e}\n"));
    }
    for (url, shown) in UNREACHABLE.iter().chain(DNS_BOUND) {
        assert_eq!(&schemac::pg::redact(url), shown, "{url}");
    }
    let printed: String = out
        .lines()
        .filter(|l| l.starts_with("  →"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !printed.contains(PW) && !printed.contains(TAIL),
        "{printed}"
    );
    settings().bind(|| insta::assert_snapshot!("secrets__shown", out));
}
