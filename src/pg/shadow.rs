//! Throwaway shadow databases, and making sure none outlives the run that made it.
//!
//! `schemac diff` compiles the project into a shadow database on the target's server (or
//! `--dev-url`) so both sides are introspected by the same PostgreSQL. A shadow left behind
//! costs disk and clutters `\l` on a shared server, and a run can end in many ways, so each
//! way is covered here:
//!
//! - **success, error, panic**: the database is owned by a guard ([`Shadow`], and before it
//!   exists the lease inside it) whose `Drop` drops it; the lease exists *before*
//!   `CREATE DATABASE` is sent, so a failure between CREATE and the first connection to the
//!   new database is covered too;
//! - **SIGINT/SIGTERM**: every shadow is registered before its CREATE is sent; the CLI's
//!   signal handler calls [`interrupt`], which stops new CREATEs, cancels an in-flight one,
//!   *waits* until it has returned (a `DROP … IF EXISTS` sent while CREATE is still running
//!   finds nothing and lets CREATE commit afterwards), and then drops what exists;
//! - **SIGKILL, power loss, lost connection**: nothing in the process can run, so a later
//!   run must recognise the leftover safely. The name carries the creation time and pid
//!   (`schemac_shadow_<unix secs>_<pid>_<random>`), `COMMENT ON DATABASE` the host, and
//!   every connection of the creating run uses the shadow's name as `application_name`.
//!   A shadow is *stale* only when no backend in `pg_stat_activity` is connected to it or
//!   has its name as application_name, i.e. its creator is gone (`pg_stat_activity` shows
//!   both columns to every role). Stale shadows are dropped by `schemac diff --cleanup`
//!   ([`cleanup`]) and, once older than [`STALE_AFTER`], silently by any run that builds a
//!   shadow on the same server. The drop is a plain `DROP DATABASE` (no `FORCE`): if
//!   anyone connects in between, it fails and the shadow is kept.

use super::{cancel, config, connect_with, reason, reason_for, redact, PgError};
use postgres::{CancelToken, Client, Config};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The prefix of every shadow database's name.
pub const PREFIX: &str = "schemac_shadow_";

/// Ordinary runs drop a stale shadow only when it is older than this. The creator check
/// (`pg_stat_activity`) is exact on a direct connection, but a transaction-mode pooler
/// (PgBouncer, Supavisor) can hide the creator's session for a moment; an hour is far
/// longer than any diff, so a live run's shadow is never taken for a leftover. `--cleanup`
/// is asked for explicitly and drops every stale shadow whatever its age.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// How long [`interrupt`] waits for an in-flight `CREATE DATABASE` to return after
/// cancelling it, before terminating its backend instead.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

/// Connections made while interrupted give up after this long.
const HANDLER_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Registered; CREATE DATABASE not sent.
    Registered,
    /// CREATE DATABASE sent and not yet returned.
    Creating,
    /// CREATE DATABASE returned (committed or failed).
    Settled,
}

#[derive(Clone)]
struct Entry {
    name: String,
    /// The server's connection settings, application_name = `name`.
    server: Config,
    /// The URL the user gave, for messages only.
    url: String,
    phase: Phase,
    cancel: CancelToken,
    backend_pid: Option<i32>,
}

struct Registry {
    interrupted: bool,
    entries: Vec<Entry>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    interrupted: false,
    entries: Vec::new(),
});
/// Signalled whenever an entry leaves [`Phase::Creating`] or is removed.
static SETTLED: Condvar = Condvar::new();

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// True once [`interrupt`] has started: no shadow will be created any more.
pub fn interrupted() -> bool {
    registry().interrupted
}

/// The lease on a shadow database's name: registered for [`interrupt`], holding the
/// connection that creates it (application_name = the name), and dropping the database —
/// if CREATE was ever sent — when dropped.
struct Lease {
    name: String,
    server: Config,
    url: String,
    admin: Option<Client>,
    create_sent: bool,
}

impl Lease {
    fn register(
        name: String,
        server: Config,
        url: &str,
        mut admin: Client,
    ) -> Result<Lease, PgError> {
        let backend_pid = admin
            .query_one("SELECT pg_backend_pid()", &[])
            .ok()
            .map(|r| r.get::<_, i32>(0));
        let mut reg = registry();
        if reg.interrupted {
            return Err(PgError::Interrupted);
        }
        reg.entries.push(Entry {
            name: name.clone(),
            server: server.clone(),
            url: url.to_string(),
            phase: Phase::Registered,
            cancel: admin.cancel_token(),
            backend_pid,
        });
        Ok(Lease {
            name,
            server,
            url: url.to_string(),
            admin: Some(admin),
            create_sent: false,
        })
    }

    fn create_database(&mut self) -> Result<(), PgError> {
        let Some(admin) = self.admin.as_mut() else {
            return Err(PgError::Interrupted);
        };
        set_phase(&self.name, Phase::Creating)?;
        self.create_sent = true;
        let result = admin.batch_execute(&format!("CREATE DATABASE {}", ident(&self.name)));
        let _ = set_phase(&self.name, Phase::Settled);
        result.map_err(|e| PgError::Shadow {
            url: redact(&self.url),
            message: reason_for(&e, &self.url),
        })?;
        // The marker a later run reads to say whose leftover this is (the name alone
        // already decides whether it is stale).
        let comment = format!(
            "schemac shadow database: pid={} host={} application_name={}; dropped when the run ends, or by `schemac diff --cleanup` once no session uses it",
            std::process::id(),
            hostname(),
            self.name
        );
        let _ = admin.batch_execute(&format!(
            "COMMENT ON DATABASE {} IS {}",
            ident(&self.name),
            literal(&comment)
        ));
        Ok(())
    }
}

/// Moves `name` to `phase`; refuses to enter [`Phase::Creating`] once interrupted (the check
/// and the move are one step under the lock, so a handler either sees the CREATE coming
/// or prevents it).
fn set_phase(name: &str, phase: Phase) -> Result<(), PgError> {
    let mut reg = registry();
    if phase == Phase::Creating && reg.interrupted {
        return Err(PgError::Interrupted);
    }
    if let Some(e) = reg.entries.iter_mut().find(|e| e.name == name) {
        e.phase = phase;
    }
    drop(reg);
    SETTLED.notify_all();
    Ok(())
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut gone = !self.create_sent;
        if !gone {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&self.name));
            gone = match self.admin.as_mut() {
                Some(admin) => admin.batch_execute(&sql).is_ok(),
                None => false,
            };
            if !gone {
                // The creating connection broke (or the server is older than 13 and knows
                // no FORCE): a fresh one, and the plain form as a fallback.
                self.admin = None;
                if let Ok(mut c) = connect_with(&self.server, &self.url) {
                    gone = c.batch_execute(&sql).is_ok()
                        || c.batch_execute(&format!(
                            "DROP DATABASE IF EXISTS {}",
                            ident(&self.name)
                        ))
                        .is_ok();
                }
            }
        }
        let mut reg = registry();
        if gone {
            reg.entries.retain(|e| e.name != self.name);
        }
        // Otherwise the entry stays, so that a signal handler still tries (and reports).
        drop(reg);
        SETTLED.notify_all();
    }
}

/// A temporary database, dropped when this value is dropped.
pub struct Shadow {
    /// A connection to the shadow database (declared first: closed before the drop).
    pub client: Client,
    pub name: String,
    /// Drops the database when the shadow is dropped (after `client`).
    _lease: Lease,
}

impl Shadow {
    /// Creates `schemac_shadow_<unix secs>_<pid>_<random>` on the server of `url`, first
    /// dropping stale shadows older than [`STALE_AFTER`] there.
    pub fn create(url: &str) -> Result<Shadow, PgError> {
        let mut server = config(url)?;
        let name = new_name();
        server.application_name(&name);
        let mut admin = connect_with(&server, url)?;
        // Housekeeping must never fail a diff.
        let _ = drop_stale(&mut admin, Some(STALE_AFTER));
        let mut lease = Lease::register(name.clone(), server.clone(), url, admin)?;
        lease.create_database()?;
        let mut cfg = server;
        cfg.dbname(&name);
        let client = connect_with(&cfg, url)?;
        Ok(Shadow {
            client,
            name,
            _lease: lease,
        })
    }
}

/// What [`interrupt`] did with one registered shadow database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interrupted {
    /// It existed and was dropped.
    Dropped { name: String },
    /// It does not exist: CREATE DATABASE was never sent, was cancelled, or the run had
    /// already dropped it.
    Absent { name: String },
    /// It could not be dropped (server unreachable, …): `schemac diff --cleanup` will.
    Failed {
        name: String,
        server: String,
        message: String,
    },
}

/// For a signal handler: stops further shadows from being created, cancels a
/// `CREATE DATABASE` in flight and waits until it has returned, then drops every registered
/// shadow that exists. Returns what happened to each; the caller should exit afterwards
/// (the interrupted run's connections are gone).
pub fn interrupt() -> Vec<Interrupted> {
    let jobs: Vec<Entry> = {
        let mut reg = registry();
        reg.interrupted = true;
        reg.entries.clone()
    };
    for j in jobs.iter().filter(|j| j.phase == Phase::Creating) {
        let _ = cancel(&j.cancel, &j.server);
    }
    // Wait until no CREATE DATABASE is in flight; what is still running after CANCEL_WAIT
    // has its backend terminated below.
    let deadline = Instant::now() + CANCEL_WAIT;
    let mut reg = registry();
    loop {
        let now = Instant::now();
        if now >= deadline || !reg.entries.iter().any(|e| e.phase == Phase::Creating) {
            break;
        }
        reg = SETTLED
            .wait_timeout(reg, deadline - now)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0);
    }
    let still_creating: Vec<String> = reg
        .entries
        .iter()
        .filter(|e| e.phase == Phase::Creating)
        .map(|e| e.name.clone())
        .collect();
    drop(reg);

    let mut out = Vec::new();
    for j in jobs {
        if j.phase == Phase::Registered {
            out.push(Interrupted::Absent { name: j.name });
            continue;
        }
        let mut cfg = j.server.clone();
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(HANDLER_CONNECT_TIMEOUT);
        }
        let result = connect_with(&cfg, &j.url).and_then(|mut c| {
            if still_creating.contains(&j.name) {
                if let Some(pid) = j.backend_pid {
                    // Waits (up to 5 s) until the backend has exited, its CREATE rolled
                    // back or committed.
                    let _ = c.query("SELECT pg_terminate_backend($1, 5000)", &[&pid]);
                }
            }
            let exists = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                    &[&j.name],
                )
                .map(|r| r.get::<_, bool>(0))
                .map_err(|e| query_error("looking up the shadow database", &e, &j.url))?;
            if !exists {
                return Ok(false);
            }
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&j.name));
            c.batch_execute(&sql)
                .map_err(|e| query_error("dropping the shadow database", &e, &j.url))?;
            Ok(true)
        });
        out.push(match result {
            Ok(true) => Interrupted::Dropped { name: j.name },
            Ok(false) => Interrupted::Absent { name: j.name },
            Err(e) => Interrupted::Failed {
                name: j.name,
                server: redact(&j.url),
                message: e.to_string(),
            },
        });
    }
    out
}

fn query_error(what: &str, e: &postgres::Error, url: &str) -> PgError {
    PgError::Query {
        what: what.to_string(),
        message: reason_for(e, url),
    }
}

/// What a cleanup found: one shadow database of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    /// The creating process, from the name.
    pub pid: Option<u32>,
    /// The creating host, from the comment.
    pub host: Option<String>,
    /// Age, from the creation time in the name (unknown for older name formats).
    pub age: Option<Duration>,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Stale, dropped.
    Dropped,
    /// A session uses it (its creator is running): kept.
    InUse,
    /// Stale but younger than the threshold (or of unknown age): kept.
    Recent,
    /// Stale, but DROP DATABASE failed (not the owner, …).
    Failed(String),
}

/// Drops the stale shadow databases on the server of `client` (see the module docs):
/// all of them, or those older than `min_age` (name formats without a creation time are
/// then kept). Lists every shadow found and what was done with it.
pub fn drop_stale(client: &mut Client, min_age: Option<Duration>) -> Result<Vec<Found>, PgError> {
    let rows = client
        .query(
            "SELECT d.datname::text, shobj_description(d.oid, 'pg_database'), \
                    EXISTS (SELECT 1 FROM pg_stat_activity a \
                            WHERE a.datname = d.datname OR a.application_name = d.datname::text) \
             FROM pg_database d \
             WHERE starts_with(d.datname::text, $1) \
             ORDER BY 1",
            &[&PREFIX],
        )
        .map_err(|e| PgError::Query {
            what: "listing shadow databases".into(),
            message: reason(&e),
        })?;
    let now = unix_now();
    let mut out = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        if !is_shadow_name(&name) {
            continue;
        }
        let comment: Option<String> = row.get(1);
        let in_use: bool = row.get(2);
        let (created, pid) = parse_name(&name);
        let age = created.map(|c| Duration::from_secs(now.saturating_sub(c)));
        let host = comment.as_deref().and_then(comment_host);
        let old_enough = match min_age {
            None => true,
            Some(min) => age.is_some_and(|a| a >= min),
        };
        let action = if in_use {
            Action::InUse
        } else if !old_enough {
            Action::Recent
        } else {
            // Not FORCE: a session that connected since the check keeps it alive.
            match client.batch_execute(&format!("DROP DATABASE IF EXISTS {}", ident(&name))) {
                Ok(()) => Action::Dropped,
                Err(e) if e.code() == Some(&postgres::error::SqlState::OBJECT_IN_USE) => {
                    Action::InUse
                }
                Err(e) => Action::Failed(reason(&e)),
            }
        };
        out.push(Found {
            name,
            pid,
            host,
            age,
            action,
        });
    }
    Ok(out)
}

/// What `schemac diff --cleanup` did on one server.
#[derive(Debug)]
pub struct CleanupReport {
    /// The server, as it may be printed.
    pub server: String,
    pub shadows: Vec<Found>,
}

/// Connects to `url` and drops every stale shadow database on its server.
pub fn cleanup(url: &str) -> Result<CleanupReport, PgError> {
    let mut cfg = config(url)?;
    cfg.application_name("schemac diff --cleanup");
    let mut client = connect_with(&cfg, url)?;
    let shadows = drop_stale(&mut client, None)?;
    Ok(CleanupReport {
        server: redact(url),
        shadows,
    })
}

impl CleanupReport {
    pub fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.shadows.iter().filter(|s| f(&s.action)).count()
    }

    /// True when a stale shadow could not be dropped.
    pub fn has_failures(&self) -> bool {
        self.count(|a| matches!(a, Action::Failed(_))) > 0
    }

    /// One line per shadow database, then a summary.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.shadows {
            let what = match &s.action {
                Action::Dropped => "dropped",
                Action::InUse => "kept   ",
                Action::Recent => "kept   ",
                Action::Failed(_) => "FAILED ",
            };
            let why = match &s.action {
                Action::Dropped => "stale".to_string(),
                Action::InUse => "in use by a running session".to_string(),
                Action::Recent => "stale, but too recent".to_string(),
                Action::Failed(m) => format!("cannot drop: {m}"),
            };
            out.push_str(&format!("{what} {} ({why}; {})\n", s.name, origin(s)));
        }
        let dropped = self.count(|a| *a == Action::Dropped);
        let kept = self.count(|a| matches!(a, Action::InUse | Action::Recent));
        let failed = self.count(|a| matches!(a, Action::Failed(_)));
        if self.shadows.is_empty() {
            out.push_str(&format!("no shadow databases on {}\n", self.server));
        } else {
            out.push_str(&format!(
                "{}: {dropped} stale shadow database{} dropped, {kept} kept{}\n",
                self.server,
                if dropped == 1 { "" } else { "s" },
                if failed > 0 {
                    format!(", {failed} could not be dropped")
                } else {
                    String::new()
                }
            ));
        }
        out
    }

    /// `{"version": 1, "server", "shadows": [{"name", "pid", "host", "age_seconds",
    /// "action", "error"}], "summary": {"dropped", "kept", "failed"}}`.
    pub fn json(&self) -> String {
        let shadows: Vec<serde_json::Value> = self
            .shadows
            .iter()
            .map(|s| {
                let (action, error) = match &s.action {
                    Action::Dropped => ("dropped", None),
                    Action::InUse => ("in_use", None),
                    Action::Recent => ("recent", None),
                    Action::Failed(m) => ("failed", Some(m.clone())),
                };
                serde_json::json!({
                    "name": s.name,
                    "pid": s.pid,
                    "host": s.host,
                    "age_seconds": s.age.map(|a| a.as_secs()),
                    "action": action,
                    "error": error,
                })
            })
            .collect();
        let v = serde_json::json!({
            "version": 1,
            "server": self.server,
            "shadows": shadows,
            "summary": {
                "dropped": self.count(|a| *a == Action::Dropped),
                "kept": self.count(|a| matches!(a, Action::InUse | Action::Recent)),
                "failed": self.count(|a| matches!(a, Action::Failed(_))),
            },
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }

    /// GitHub Actions annotations: a notice per dropped shadow, a warning per failure.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for s in &self.shadows {
            match &s.action {
                Action::Dropped => out.push_str(&format!(
                    "::notice title=schemac diff --cleanup::dropped stale shadow database {} ({})\n",
                    s.name,
                    origin(s)
                )),
                Action::Failed(m) => out.push_str(&format!(
                    "::warning title=schemac diff --cleanup::cannot drop stale shadow database {}: {}\n",
                    s.name,
                    m.replace('\n', " ")
                )),
                Action::InUse | Action::Recent => {}
            }
        }
        out
    }
}

/// `pid 123 on host h, 2 h 5 min old`, with what is known.
fn origin(s: &Found) -> String {
    let mut parts = Vec::new();
    match (s.pid, &s.host) {
        (Some(p), Some(h)) => parts.push(format!("pid {p} on {h}")),
        (Some(p), None) => parts.push(format!("pid {p}")),
        (None, Some(h)) => parts.push(format!("on {h}")),
        (None, None) => {}
    }
    match s.age {
        Some(a) => parts.push(format!("{} old", human(a))),
        None => parts.push("age unknown".to_string()),
    }
    parts.join(", ")
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 86_400 {
        format!("{} d {} h", s / 86_400, s % 86_400 / 3600)
    } else if s >= 3600 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// A new shadow name: creation time, pid, and random bits against pid reuse.
fn new_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let random = h.finish() & 0xffff_ffff;
    format!("{PREFIX}{}_{}_{random:08x}", unix_now(), std::process::id())
}

/// (creation time, pid) from `schemac_shadow_<secs>_<pid>_<hex>`; the pid alone from the
/// older `schemac_shadow_<pid>_<nanos>`.
pub fn parse_name(name: &str) -> (Option<u64>, Option<u32>) {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return (None, None);
    };
    let parts: Vec<&str> = rest.split('_').collect();
    match parts.as_slice() {
        [secs, pid, hex]
            if secs.len() >= 9 && hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            (secs.parse().ok(), pid.parse().ok())
        }
        [pid, nanos]
            if !pid.is_empty()
                && !nanos.is_empty()
                && pid.chars().chain(nanos.chars()).all(|c| c.is_ascii_digit()) =>
        {
            (None, pid.parse().ok())
        }
        _ => (None, None),
    }
}

/// True for names this module (or an older schemac) gives shadow databases; a database
/// that merely starts with the prefix (`schemac_shadow_backup`) is never touched.
pub fn is_shadow_name(name: &str) -> bool {
    parse_name(name).1.is_some()
}

fn comment_host(comment: &str) -> Option<String> {
    let rest = comment.split_once(" host=")?.1;
    let host: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    (!host.is_empty()).then_some(host)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// This machine's name, reduced to characters safe in a comment and a report.
fn hostname() -> String {
    #[cfg(unix)]
    let name = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok());
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").ok();
    let clean: String = name
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    if clean.is_empty() {
        "unknown".to_string()
    } else {
        clean
    }
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_time_and_pid() {
        let n = new_name();
        assert!(n.len() < 63, "{n}");
        let (secs, pid) = parse_name(&n);
        assert_eq!(pid, Some(std::process::id()));
        assert!(secs.is_some_and(|s| s + 5 >= unix_now()));
        assert_eq!(
            parse_name("schemac_shadow_4242_123456789"),
            (None, Some(4242))
        );
        assert_eq!(parse_name("schemac_shadow_x"), (None, None));
        assert!(!is_shadow_name("schemac_shadow_backup_2024"));
        assert!(!is_shadow_name("schemac_shadow_cleanup_123"));
        assert!(is_shadow_name(&n));
        assert_eq!(parse_name("other"), (None, None));
    }

    #[test]
    fn the_host_is_read_from_the_comment() {
        assert_eq!(
            comment_host("schemac shadow database: pid=1 host=ci-7 application_name=x"),
            Some("ci-7".to_string())
        );
        assert_eq!(comment_host("something else"), None);
    }

    #[test]
    fn ages_are_readable() {
        assert_eq!(human(Duration::from_secs(7260)), "2 h 1 min");
        assert_eq!(human(Duration::from_secs(59)), "59 s");
        assert_eq!(human(Duration::from_secs(90_000)), "1 d 1 h");
    }
}
