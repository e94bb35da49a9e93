//! `schemac test-rls`: the access matrix, proven on a real database.
//!
//! [`crate::rls`] says from the YAML alone who may do what. Whether the policies really do
//! that is a property of PostgreSQL evaluating them, so this module compiles the project
//! into a throwaway database (a shadow database, with all of [`crate::pg::shadow`]'s
//! guarantees: dropped on success, error or Ctrl-C, and found by `diff --cleanup`
//! otherwise), writes rows for two users A and B (and a tenant each for tenant rules), and
//! runs every role × command as `anon`, user A, user B and `service_role`, each in a
//! transaction that is rolled back, with `SET LOCAL ROLE` and the JWT claims Supabase's
//! PostgREST would set.
//!
//! What each statement should do comes from the matrix and from what each policy means
//! ([`sem`]): own rows readable and writable as declared, another user's rows invisible
//! and unchangeable, nothing for `anon` unless a policy says so, a row written for
//! someone else refused. On a table whose rows belong to users (an owner column), only a
//! sharing template (`public_read`, `authenticated_read`, `bucket_public_read`) makes
//! another user's rows reachable: a hand-written condition that does is a leak. A policy
//! whose meaning is not known is listed as not tested, and the checks that depend on it
//! are not run.

pub mod data;
pub mod sem;

use crate::diagnostic::{self, Diagnostic, Loc, Severity, SourceMap};
use crate::model::{Command, Model, Policy, QualName, Table, Target};
use crate::rls::{self, Access, Matrix, TableAccess};
use crate::sql::quote::{quote_ident, quote_literal};
use data::{Gen, Row, USERS};
use indexmap::IndexMap;
use postgres::Client;
use sem::{Clause, Sem};
use std::fmt::Write as _;

/// Why `test-rls` could not run (not a failed check: those are in the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum TestRlsError {
    #[error(transparent)]
    Pg(#[from] crate::pg::PgError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error("{what} failed: {message}")]
    Setup { what: String, message: String },
}

/// Who runs a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Anon,
    /// User A (0) or B (1), signed in as `authenticated`.
    User(usize),
    Service,
}

const NAMES: [&str; 2] = ["A", "B"];

impl Actor {
    pub fn role(self) -> &'static str {
        match self {
            Actor::Anon => "anon",
            Actor::User(_) => "authenticated",
            Actor::Service => "service_role",
        }
    }

    pub fn user(self) -> Option<usize> {
        match self {
            Actor::User(u) => Some(u),
            _ => None,
        }
    }

    pub fn name(self) -> String {
        match self {
            Actor::Anon => "anon".into(),
            Actor::User(u) => format!("user {}", NAMES[u]),
            Actor::Service => "service_role".into(),
        }
    }
}

/// What a check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Allowed, but the matrix and the policies' meaning say it must be denied.
    Leak,
    /// Denied, but the matrix and the policies' meaning say it must be allowed.
    OverRestricted,
}

/// One failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    pub table: QualName,
    pub actor: Actor,
    pub command: Command,
    /// What was tried (`user B selects a row of user A`).
    pub what: String,
    /// What PostgreSQL did.
    pub observed: String,
    /// The policies responsible (a leak) or that should have allowed it (too strict),
    /// with what each says; empty when no policy is involved.
    pub policies: Vec<(String, Loc, String)>,
    /// The table's definition, pointed at when no policy is.
    pub table_loc: Loc,
}

/// Something test-rls did not check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTested {
    pub subject: String,
    pub loc: Loc,
    pub reason: String,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Checks run with a known expectation.
    pub checks: usize,
    pub failures: Vec<Failure>,
    pub not_tested: Vec<NotTested>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.checks - self.failures.len()
    }

    /// Each failure as a diagnostic (`RLS01 leak`, `RLS02 over-restricted`), pointing at
    /// the policies involved.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.failures
            .iter()
            .map(|f| {
                let (code, name, verdict) = match f.kind {
                    FailureKind::Leak => ("RLS01", "leak", "allowed, but should be denied"),
                    FailureKind::OverRestricted => (
                        "RLS02",
                        "over-restricted",
                        "denied, but should be allowed",
                    ),
                };
                let mut d = Diagnostic::new(
                    code,
                    name,
                    Severity::Error,
                    format!("{}: {}: {verdict} ({})", f.table, f.what, f.observed),
                );
                if f.policies.is_empty() {
                    d = d.label(
                        f.table_loc,
                        match f.kind {
                            FailureKind::Leak => "no grant or policy of the project allows it",
                            FailureKind::OverRestricted => "table defined here",
                        },
                    );
                }
                for (name, loc, says) in &f.policies {
                    let msg = match f.kind {
                        FailureKind::Leak => format!("policy {name} admits it: {says}"),
                        FailureKind::OverRestricted => {
                            format!("policy {name} should admit it: {says}")
                        }
                    };
                    d = d.label(*loc, msg);
                }
                let hint = match f.kind {
                    FailureKind::Leak if !f.policies.is_empty() => {
                        "compare the owner column with (SELECT auth.uid()) (template owner), or use public_read / authenticated_read if every row is meant to be shared"
                    }
                    FailureKind::Leak => {
                        "the database grants more than the project declares: check the grants on this table"
                    }
                    FailureKind::OverRestricted => {
                        "check the table's grants and the policy's condition: a subquery in it reads other tables with the caller's rights, so they need grants and policies too; `schemac rls` shows what the project declares"
                    }
                };
                d.hint(hint)
            })
            .collect()
    }

    /// The report for a terminal: the failures as diagnostics, what was not tested, and
    /// the number of checks. Deterministic: no timings, user ids or database names.
    pub fn text(&self, sources: &SourceMap, project: &str) -> String {
        let mut out = diagnostic::render_text(&self.diagnostics(), sources);
        if !self.not_tested.is_empty() {
            out.push_str("not tested:\n");
            for n in &self.not_tested {
                let f = sources.get(n.loc.file);
                let _ = writeln!(
                    out,
                    "  - {} ({}:{}:{}): {}",
                    n.subject, f.display, n.loc.line, n.loc.col, n.reason
                );
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "test-rls {project}: {} check{} run, {} passed, {} failed; {} not tested",
            self.checks,
            if self.checks == 1 { "" } else { "s" },
            self.passed(),
            self.failures.len(),
            self.not_tested.len()
        );
        out
    }
}

/// Facts about a test row that policies are judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    /// The user the row belongs to (None: the table has no owner column).
    owner: Option<usize>,
    /// The storage bucket (objects only).
    bucket: Option<String>,
}

/// A table under test: its rows and the statements that write new ones.
struct Subject<'a> {
    access: &'a TableAccess,
    policies: &'a IndexMap<String, Policy>,
    owner_style: bool,
    /// Rows belong to a tenant rather than to a user (for messages).
    tenant: bool,
    rows: Vec<(Row, Facts)>,
    /// (facts of the new row, column values)
    inserts: Vec<(Facts, Vec<(String, String)>)>,
    /// (index into rows, facts after, SET clause)
    updates: Vec<(usize, Facts, String)>,
}

/// Compiles the project into a shadow database on the server of `server_url`, writes
/// test rows and runs every role × command (see the module docs).
pub fn test_rls(model: &Model, server_url: &str) -> Result<Report, TestRlsError> {
    let matrix = rls::matrix(model);
    let sql = crate::generate_without_raw_sql(model, None)?;
    let mut shadow = crate::pg::Shadow::create(server_url)?;
    let client = &mut shadow.client;
    let setup = |what: &str, e: postgres::Error| TestRlsError::Setup {
        what: what.to_string(),
        message: crate::pg::reason(&e),
    };
    client
        .batch_execute(crate::render::STUBS)
        .map_err(|e| setup("creating the Supabase stubs in the test database", e))?;
    client
        .batch_execute(&sql)
        .map_err(|e| setup("applying the project to the test database", e))?;
    client
        .batch_execute(&format!(
            "INSERT INTO auth.users (id, email) VALUES ({}::uuid, 'a@schemac.test'), ({}::uuid, 'b@schemac.test')",
            quote_literal(USERS[0]),
            quote_literal(USERS[1])
        ))
        .map_err(|e| setup("signing up the test users", e))?;
    let mut run = Run {
        model,
        matrix: &matrix,
        gen: Gen::new(model),
        report: Report {
            checks: 0,
            failures: Vec::new(),
            not_tested: Vec::new(),
        },
    };
    run.go(client);
    Ok(run.report)
}

struct Run<'m> {
    model: &'m Model,
    matrix: &'m Matrix,
    gen: Gen<'m>,
    report: Report,
}

/// Three-valued OR over the policies that apply (None: cannot tell).
fn any3(items: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for i in items {
        match i {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// What the statement did.
enum Observed {
    Allowed(String),
    Denied(String),
    /// Neither: an error RLS does not raise (a trigger, a check on the test values…).
    Error(String),
}

impl<'m> Run<'m> {
    fn actors(&mut self) -> Vec<Actor> {
        let mut actors = Vec::new();
        for role in &self.matrix.roles {
            match role.as_str() {
                "anon" => actors.push(Actor::Anon),
                "authenticated" => {
                    actors.push(Actor::User(0));
                    actors.push(Actor::User(1));
                }
                "service_role" => actors.push(Actor::Service),
                other => self.report.not_tested.push(NotTested {
                    subject: format!("role {other}"),
                    loc: self.model.config.loc,
                    reason:
                        "test-rls signs in only as anon, two authenticated users and service_role"
                            .into(),
                }),
            }
        }
        actors
    }

    fn go(&mut self, client: &mut Client) {
        let actors = self.actors();
        let matrix = self.matrix;
        for access in &matrix.tables {
            let subject = if access.managed {
                let Some(table) = self.model.tables.get(&access.name) else {
                    continue;
                };
                self.managed_subject(client, access, table)
            } else {
                self.external_subject(client, access)
            };
            if let Some(s) = subject {
                for &actor in &actors {
                    self.check_subject(client, &s, actor);
                    // Privileges are a role's: one signed-in user is enough.
                    if actor != Actor::User(1) {
                        self.check_columns(client, &s, actor);
                    }
                }
            }
        }
    }

    fn not_tested(&mut self, subject: String, loc: Loc, reason: impl Into<String>) {
        let n = NotTested {
            subject,
            loc,
            reason: reason.into(),
        };
        if !self.report.not_tested.contains(&n) {
            self.report.not_tested.push(n);
        }
    }

    /// Lists the policies of a table whose meaning is unknown.
    fn unknown_policies(&mut self, table: &QualName, policies: &IndexMap<String, Policy>) {
        for p in policies.values() {
            for clause in [Clause::Using, Clause::WithCheck] {
                if let Sem::Unknown(why) = sem::of(self.model, p, clause) {
                    self.not_tested(
                        format!("{table}: policy {}", p.name),
                        p.loc,
                        format!("{why}; the checks that depend on it are not run"),
                    );
                }
            }
        }
    }

    fn managed_subject<'a>(
        &mut self,
        client: &mut Client,
        access: &'a TableAccess,
        table: &'a Table,
    ) -> Option<Subject<'a>> {
        self.unknown_policies(&table.name, &table.policies);
        let owners = self.gen.owner_columns(&table.name);
        let tenants = data::tenants(self.model, table);
        let owner_style = !owners.is_empty() || !tenants.is_empty();
        let users: &[usize] = if owner_style { &[0, 1] } else { &[0] };
        let mut rows = Vec::new();
        let mut inserts = Vec::new();
        let failed = |e: String| format!("cannot write test rows: {e}");
        for &u in users {
            let facts = Facts {
                owner: owner_style.then_some(u),
                bucket: None,
            };
            match self.gen.row(client, &table.name, u) {
                Ok(r) => rows.push((r, facts.clone())),
                Err(e) => {
                    self.not_tested(table.name.to_string(), table.loc, failed(e));
                    return None;
                }
            }
            match self.gen.fresh(client, table, u) {
                Ok(v) => inserts.push((facts, v)),
                Err(e) => {
                    self.not_tested(table.name.to_string(), table.loc, failed(e));
                    return None;
                }
            }
        }
        let mut updates = Vec::new();
        for (i, (row, facts)) in rows.iter().enumerate() {
            let fixed = match self.gen.fixed(client, table, i, 0) {
                Ok(f) if owner_style => f,
                Ok(_) => Vec::new(),
                Err(e) => {
                    self.not_tested(table.name.to_string(), table.loc, failed(e));
                    return None;
                }
            };
            let same = match fixed.first() {
                Some((c, v)) => Some(format!("{} = {v}", quote_ident(c))),
                None => noop_set(table, row),
            };
            match same {
                Some(set) => updates.push((i, facts.clone(), set)),
                None => self.not_tested(
                    format!("{}: update", table.name),
                    table.loc,
                    "no column test-rls can set to its own value",
                ),
            }
            // The row given to the other user: WITH CHECK must refuse it.
            if !owners.is_empty() {
                let other = 1 - i;
                let set: Vec<String> = owners
                    .iter()
                    .filter_map(|c| table.columns.get(c))
                    .map(|c| format!("{} = {}", quote_ident(&c.name), data::uid_value(other, c)))
                    .collect();
                let after = Facts {
                    owner: Some(other),
                    bucket: None,
                };
                updates.push((i, after, set.join(", ")));
            }
        }
        Some(Subject {
            access,
            policies: &table.policies,
            owner_style,
            tenant: owners.is_empty() && !tenants.is_empty(),
            rows,
            inserts,
            updates,
        })
    }

    /// storage.objects: an object of each user in each bucket the policies name.
    fn external_subject<'a>(
        &mut self,
        client: &mut Client,
        access: &'a TableAccess,
    ) -> Option<Subject<'a>>
    where
        'm: 'a,
    {
        let ext = self.model.external.get(&access.name)?;
        let objects = QualName::new("storage", "objects");
        if access.name != objects || self.model.config.target != Target::Supabase {
            self.not_tested(
                access.name.to_string(),
                access.loc,
                "test-rls writes rows only in the project's tables and storage.objects",
            );
            return None;
        }
        self.unknown_policies(&access.name, &ext.policies);
        let mut buckets: Vec<String> = Vec::new();
        for p in ext.policies.values() {
            for clause in [Clause::Using, Clause::WithCheck] {
                if let Sem::Bucket(b) | Sem::BucketOwner(b) = sem::of(self.model, p, clause) {
                    if !buckets.contains(&b) {
                        buckets.push(b);
                    }
                }
            }
        }
        let (mut rows, mut inserts, mut updates) = (Vec::new(), Vec::new(), Vec::new());
        for b in &buckets {
            let ensure = format!(
                "INSERT INTO storage.buckets (id, name) VALUES ({0}, {0}) ON CONFLICT (id) DO NOTHING",
                quote_literal(b)
            );
            if let Err(e) = client.batch_execute(&ensure) {
                self.not_tested(
                    access.name.to_string(),
                    access.loc,
                    format!("cannot create bucket {b}: {}", data::pg_err(&e)),
                );
                return None;
            }
            for u in 0..2 {
                let facts = Facts {
                    owner: Some(u),
                    bucket: Some(b.clone()),
                };
                let object = |name: &str| {
                    vec![
                        ("bucket_id".to_string(), quote_literal(b)),
                        (
                            "name".to_string(),
                            quote_literal(&format!("{}/{name}", USERS[u])),
                        ),
                        (
                            "owner".to_string(),
                            format!("{}::uuid", quote_literal(USERS[u])),
                        ),
                    ]
                };
                let values = object("schemac-test.txt");
                let cols: Vec<&str> = values.iter().map(|(c, _)| c.as_str()).collect();
                let vals: Vec<&str> = values.iter().map(|(_, v)| v.as_str()).collect();
                let sql = format!(
                    "INSERT INTO storage.objects AS o ({}) VALUES ({}) RETURNING ctid::text",
                    cols.join(", "),
                    vals.join(", ")
                );
                let ctid: String = match client.query_one(&sql, &[]) {
                    Ok(r) => r.get(0),
                    Err(e) => {
                        self.not_tested(
                            access.name.to_string(),
                            access.loc,
                            format!("cannot write test objects: {}", data::pg_err(&e)),
                        );
                        return None;
                    }
                };
                let i = rows.len();
                rows.push((
                    Row {
                        ctid,
                        json: serde_json::Map::new(),
                    },
                    facts.clone(),
                ));
                inserts.push((facts.clone(), object("schemac-new.txt")));
                let same = format!(
                    "name = {}",
                    quote_literal(&format!("{}/schemac-test.txt", USERS[u]))
                );
                updates.push((i, facts, same));
                let moved = format!(
                    "name = {}",
                    quote_literal(&format!("{}/schemac-test.txt", USERS[1 - u]))
                );
                let after = Facts {
                    owner: Some(1 - u),
                    bucket: Some(b.clone()),
                };
                updates.push((i, after, moved));
            }
        }
        Some(Subject {
            access,
            policies: &ext.policies,
            owner_style: true,
            tenant: false,
            rows,
            inserts,
            updates,
        })
    }

    /// The meaning of `sem` for `actor` on a row. `intent`: as the project means it (on an
    /// owner table a hand-written `true` is not a declaration that rows are shared), else
    /// as PostgreSQL reads it.
    fn admits(sem: &Sem, actor: Actor, f: &Facts, owner_style: bool, intent: bool) -> Option<bool> {
        let own = actor.user().is_some() && f.owner == actor.user();
        match sem {
            Sem::All { declared } => {
                if intent && !declared && owner_style {
                    Some(own)
                } else {
                    Some(true)
                }
            }
            Sem::Nothing => Some(false),
            Sem::Own(_) | Sem::Tenant(_) => Some(own),
            Sem::Bucket(b) => Some(f.bucket.as_deref() == Some(b.as_str())),
            Sem::BucketOwner(b) => Some(own && f.bucket.as_deref() == Some(b.as_str())),
            Sem::Unknown(_) => None,
        }
    }

    /// Whether the policies of `cell` admit a row (USING or WITH CHECK).
    fn policies_admit(
        &self,
        s: &Subject,
        access: &Access,
        clause: Clause,
        actor: Actor,
        f: &Facts,
    ) -> Option<bool> {
        match access {
            Access::NoPrivilege { .. } | Access::NoPolicy { .. } => Some(false),
            Access::RlsOff | Access::BypassesRls => Some(true),
            Access::Policies {
                permissive,
                restrictive,
            } => {
                let sem_of = |name: &str| {
                    s.policies
                        .get(name)
                        .map(|p| sem::of(self.model, p, clause))
                        .unwrap_or(Sem::Unknown("policy not found".into()))
                };
                let any = any3(
                    permissive
                        .iter()
                        .map(|p| Self::admits(&sem_of(&p.name), actor, f, s.owner_style, true)),
                );
                restrictive.iter().fold(any, |acc, p| {
                    and3(
                        acc,
                        Self::admits(&sem_of(&p.name), actor, f, s.owner_style, true),
                    )
                })
            }
        }
    }

    /// The expected outcome of `command` by `actor` on a row (`before`, `after`).
    fn expect(
        &self,
        s: &Subject,
        actor: Actor,
        command: Command,
        before: &Facts,
        after: &Facts,
    ) -> Option<bool> {
        let cell = |c: Command| s.access.cell(actor.role(), c).map(|c| &c.access);
        let (Some(sel), Some(this)) = (cell(Command::Select), cell(command)) else {
            return None;
        };
        let no_priv = |a: &Access| matches!(a, Access::NoPrivilege { .. });
        match command {
            Command::Select => self.policies_admit(s, sel, Clause::Using, actor, before),
            Command::Insert => self.policies_admit(s, this, Clause::WithCheck, actor, after),
            // UPDATE and DELETE find their row through a WHERE clause, as the Data API
            // does: that needs SELECT too, and the row must pass the SELECT policies
            // (after an UPDATE as well).
            Command::Update | Command::Delete => {
                if no_priv(this) || no_priv(sel) {
                    return Some(false);
                }
                if matches!(this, Access::RlsOff | Access::BypassesRls) {
                    return Some(true);
                }
                let mut r = and3(
                    self.policies_admit(s, sel, Clause::Using, actor, before),
                    self.policies_admit(s, this, Clause::Using, actor, before),
                );
                if command == Command::Update {
                    r = and3(
                        r,
                        self.policies_admit(s, this, Clause::WithCheck, actor, after),
                    );
                    r = and3(r, self.policies_admit(s, sel, Clause::Using, actor, after));
                }
                r
            }
            Command::All => None,
        }
    }

    /// The policies involved in a failed check: for a leak those that admit the row as
    /// PostgreSQL reads them but not as the project means them (else every permissive
    /// one that applies); for an over-restriction those that should have admitted it.
    fn involved(
        &self,
        s: &Subject,
        actor: Actor,
        command: Command,
        facts: [&Facts; 2],
        leak: bool,
    ) -> Vec<(String, Loc, String)> {
        let mut commands = vec![command];
        if matches!(command, Command::Update | Command::Delete) {
            commands.push(Command::Select);
        }
        let mut all = Vec::new();
        let mut picked = Vec::new();
        for c in commands {
            let Some(Access::Policies { permissive, .. }) =
                s.access.cell(actor.role(), c).map(|c| &c.access)
            else {
                continue;
            };
            for pr in permissive {
                let Some(p) = s.policies.get(&pr.name) else {
                    continue;
                };
                let clause = if c == Command::Insert {
                    Clause::WithCheck
                } else {
                    Clause::Using
                };
                let sem = sem::of(self.model, p, clause);
                let says = describe(p, clause);
                let entry = (p.name.clone(), p.loc, says);
                if !all.contains(&entry) {
                    all.push(entry.clone());
                }
                let hit = facts.iter().any(|f| {
                    let actual = Self::admits(&sem, actor, f, s.owner_style, false);
                    let meant = Self::admits(&sem, actor, f, s.owner_style, true);
                    if leak {
                        actual == Some(true) && meant == Some(false)
                    } else {
                        meant == Some(true)
                    }
                });
                if hit && !picked.contains(&entry) {
                    picked.push(entry);
                }
            }
        }
        if picked.is_empty() {
            all
        } else {
            picked
        }
    }

    fn check_subject(&mut self, client: &mut Client, s: &Subject, actor: Actor) {
        let table = s.access.name.sql();
        let object = s.rows.first().is_some_and(|(_, f)| f.bucket.is_some());
        let describe_row = |f: &Facts, actor: Actor| describe_row(f, actor, object, s.tenant);
        for (row, f) in &s.rows {
            let what = |verb: &str| format!("{} {verb} {}", actor.name(), describe_row(f, actor));
            let sel = format!(
                "SELECT count(*) FROM {table} WHERE ctid = {}::tid",
                quote_literal(&row.ctid)
            );
            self.one(
                client,
                s,
                actor,
                Command::Select,
                &what("selects"),
                &sel,
                [f, f],
            );
            let del = format!(
                "DELETE FROM {table} WHERE ctid = {}::tid",
                quote_literal(&row.ctid)
            );
            self.one(
                client,
                s,
                actor,
                Command::Delete,
                &what("deletes"),
                &del,
                [f, f],
            );
        }
        for (i, after, set) in &s.updates {
            let Some((row, before)) = s.rows.get(*i) else {
                continue;
            };
            let mut what = format!("{} updates {}", actor.name(), describe_row(before, actor));
            if after != before {
                what.push_str(&format!(" to belong to {}", owner_name(after, actor)));
            }
            let sql = format!(
                "UPDATE {table} SET {set} WHERE ctid = {}::tid",
                quote_literal(&row.ctid)
            );
            self.one(
                client,
                s,
                actor,
                Command::Update,
                &what,
                &sql,
                [before, after],
            );
        }
        let insertable = column_limited(s.access, actor, Command::Insert).map(|(_, cs)| cs);
        for (f, values) in &s.inserts {
            let what = format!("{} inserts {}", actor.name(), describe_row(f, actor));
            // A column grant: the new row gets values in the granted columns only.
            let values: Vec<(String, String)> = match &insertable {
                Some(columns) => values
                    .iter()
                    .filter(|(c, _)| columns.contains(c))
                    .cloned()
                    .collect(),
                None => values.clone(),
            };
            if insertable.is_some() && values.is_empty() {
                self.not_tested(
                    format!("{}: {} insert", s.access.name, actor.role()),
                    s.access.loc,
                    "granted on columns test-rls has no value for",
                );
                continue;
            }
            let cols: Vec<String> = values.iter().map(|(c, _)| quote_ident(c)).collect();
            let vals: Vec<&str> = values.iter().map(|(_, v)| v.as_str()).collect();
            let sql = if values.is_empty() {
                format!("INSERT INTO {table} DEFAULT VALUES")
            } else {
                format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    cols.join(", "),
                    vals.join(", ")
                )
            };
            self.one(client, s, actor, Command::Insert, &what, &sql, [f, f]);
        }
    }

    /// A privilege given by column grants only: a statement on the granted columns must
    /// pass the privilege check (and fail it without USAGE on the schema), one on a column
    /// left out must fail it. `LIMIT 0` and `WHERE false` keep RLS and the rows out.
    fn check_columns(&mut self, client: &mut Client, s: &Subject, actor: Actor) {
        let Some(table) = self.model.tables.get(&s.access.name) else {
            return;
        };
        let name = s.access.name.sql();
        for command in [Command::Select, Command::Insert, Command::Update] {
            let Some(cell) = s.access.cell(actor.role(), command) else {
                continue;
            };
            let Some(columns) = cell.columns() else {
                continue;
            };
            let granted = !matches!(cell.access, Access::NoPrivilege { .. });
            let writable = |c: &&crate::model::Column| {
                command == Command::Select || (c.generated.is_none() && c.identity.is_none())
            };
            let statement = |cols: &[&str]| -> String {
                let quoted: Vec<String> = cols.iter().map(|c| quote_ident(c)).collect();
                match command {
                    Command::Insert => format!(
                        "INSERT INTO {name} ({}) SELECT {} WHERE false",
                        quoted.join(", "),
                        vec!["NULL"; cols.len()].join(", ")
                    ),
                    Command::Update => format!(
                        "UPDATE {name} SET {} WHERE false",
                        quoted
                            .iter()
                            .map(|c| format!("{c} = DEFAULT"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => format!("SELECT {} FROM {name} LIMIT 0", quoted.join(", ")),
                }
            };
            let verb = command.as_str();
            let usable: Vec<&str> = columns
                .iter()
                .copied()
                .filter(|c| table.columns.get(*c).is_some_and(|col| writable(&col)))
                .collect();
            if !usable.is_empty() {
                let what = format!(
                    "{} {verb}s granted columns {}",
                    actor.name(),
                    usable.join(", ")
                );
                self.one_column(
                    client,
                    s,
                    actor,
                    command,
                    &what,
                    &statement(&usable),
                    granted,
                );
            }
            if let Some(other) = table
                .columns
                .values()
                .filter(writable)
                .find(|c| !columns.contains(&c.name.as_str()))
            {
                let what = format!(
                    "{} {verb}s column {}, which is not granted",
                    actor.name(),
                    other.name
                );
                let sql = statement(&[other.name.as_str()]);
                self.one_column(client, s, actor, command, &what, &sql, false);
            }
        }
    }

    /// Runs one statement of [`Self::check_columns`]: allowed when it runs, denied when
    /// the privilege check refuses it.
    #[allow(clippy::too_many_arguments)]
    fn one_column(
        &mut self,
        client: &mut Client,
        s: &Subject,
        actor: Actor,
        command: Command,
        what: &str,
        sql: &str,
        expected: bool,
    ) {
        let (allowed, how) = match run_as(client, actor, command, sql) {
            Ok(_) => (true, "it runs".to_string()),
            Err(e) if e.code().is_some_and(|c| c.code() == "42501") => (false, data::pg_err(&e)),
            Err(e) => {
                self.not_tested(
                    format!("{}: {what}", s.access.name),
                    s.access.loc,
                    format!("inconclusive: {}", data::pg_err(&e)),
                );
                return;
            }
        };
        self.report.checks += 1;
        if allowed != expected {
            self.failed(s, (actor, command), what, (allowed, how), Vec::new());
        }
    }

    /// Records a check whose outcome differs from the expected one: a leak when the
    /// statement ran (`allowed`), an over-restriction when it was refused.
    fn failed(
        &mut self,
        s: &Subject,
        (actor, command): (Actor, Command),
        what: &str,
        (allowed, observed): (bool, String),
        policies: Vec<(String, Loc, String)>,
    ) {
        self.report.failures.push(Failure {
            kind: if allowed {
                FailureKind::Leak
            } else {
                FailureKind::OverRestricted
            },
            table: s.access.name.clone(),
            actor,
            command,
            what: what.to_string(),
            observed,
            policies,
            table_loc: s.access.loc,
        });
    }

    /// Runs one check (when its outcome can be predicted) and records what it found.
    #[allow(clippy::too_many_arguments)]
    fn one(
        &mut self,
        client: &mut Client,
        s: &Subject,
        actor: Actor,
        command: Command,
        what: &str,
        sql: &str,
        facts: [&Facts; 2],
    ) {
        let limited = column_limited(s.access, actor, command);
        if let Some((limited, columns)) = limited.filter(|_| command != Command::Insert) {
            self.not_tested(
                format!("{}: {} {}", s.access.name, actor.role(), limited.as_str()),
                s.access.loc,
                format!(
                    "granted on columns {} only: checked on those columns; the row checks find rows by ctid, which needs the privilege on the whole table",
                    columns.join(", ")
                ),
            );
            return;
        }
        let Some(expected) = self.expect(s, actor, command, facts[0], facts[1]) else {
            return;
        };
        let observed = execute(client, actor, command, sql);
        let (allowed, how) = match observed {
            Observed::Allowed(h) => (true, h),
            Observed::Denied(h) => (false, h),
            Observed::Error(e) => {
                self.not_tested(
                    format!("{}: {what}", s.access.name),
                    s.access.loc,
                    format!("inconclusive: {e}"),
                );
                return;
            }
        };
        self.report.checks += 1;
        if allowed == expected {
            return;
        }
        let policies = self.involved(s, actor, command, facts, allowed);
        self.failed(s, (actor, command), what, (allowed, how), policies);
    }
}

/// The cell that limits `command` by `actor` to some columns, if any: the command's own,
/// or SELECT's for the row checks, which find their row by ctid (UPDATE and DELETE too).
fn column_limited(
    access: &TableAccess,
    actor: Actor,
    command: Command,
) -> Option<(Command, Vec<String>)> {
    let mut commands = vec![command];
    if matches!(command, Command::Update | Command::Delete) {
        commands.push(Command::Select);
    }
    commands.into_iter().find_map(|c| {
        let cell = access.cell(actor.role(), c)?;
        if matches!(cell.access, Access::NoPrivilege { .. }) {
            return None;
        }
        let columns = cell.columns()?;
        Some((c, columns.into_iter().map(String::from).collect()))
    })
}

/// A row with no other column to set: its first column that has a value, set to it.
fn noop_set(table: &Table, row: &Row) -> Option<String> {
    table.columns.values().find_map(|c| {
        if c.generated.is_some() || c.identity.is_some() {
            return None;
        }
        let v = match row.json.get(&c.name)? {
            serde_json::Value::Null => return None,
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Some(format!(
            "{} = {}::{}",
            quote_ident(&c.name),
            quote_literal(&v),
            c.ty
        ))
    })
}

fn owner_name(f: &Facts, actor: Actor) -> String {
    match f.owner {
        Some(o) if actor.user() == Some(o) => "itself".into(),
        Some(o) => format!("user {}", NAMES[o]),
        None => "nobody".into(),
    }
}

/// `its own row`, `a row of user B`, `an object of user A in bucket avatars`, `a row of
/// user B's tenant`.
fn describe_row(f: &Facts, actor: Actor, object: bool, tenant: bool) -> String {
    let noun = if object { "object" } else { "row" };
    let mut s = match f.owner {
        None => format!("a {noun}"),
        Some(o) if tenant && actor.user() == Some(o) => format!("a {noun} of its own tenant"),
        Some(o) if tenant => format!("a {noun} of user {}'s tenant", NAMES[o]),
        Some(o) if actor.user() == Some(o) => format!("its own {noun}"),
        Some(o) => format!(
            "a{} {noun} of user {}",
            if object { "n" } else { "" },
            NAMES[o]
        ),
    };
    if let Some(b) = &f.bucket {
        s.push_str(&format!(" in bucket {b}"));
    }
    s
}

/// `USING (true)`: what a policy clause says, on one line.
fn describe(p: &Policy, clause: Clause) -> String {
    let (word, text) = match clause {
        Clause::Using => ("USING", p.using.as_ref()),
        Clause::WithCheck => match &p.with_check {
            Some(w) => ("WITH CHECK", Some(w)),
            None => ("USING", p.using.as_ref()),
        },
    };
    match text {
        Some(t) => format!(
            "{word} ({})",
            t.text.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => "no condition".into(),
    }
}

/// Runs `sql` as `actor` in a transaction that is rolled back: the count a `SELECT
/// count(*)` returns, or the rows another command affected.
fn run_as(
    client: &mut Client,
    actor: Actor,
    command: Command,
    sql: &str,
) -> Result<u64, postgres::Error> {
    let mut tx = client.transaction()?;
    let become_actor = format!(
        "SET LOCAL statement_timeout = '10s'; SET LOCAL ROLE {}; SELECT set_config('request.jwt.claims', {}, true)",
        quote_ident(actor.role()),
        quote_literal(&data::claims(actor.user(), actor.role()))
    );
    tx.batch_execute(&become_actor)?;
    let result = if command == Command::Select {
        tx.query(sql, &[]).map(|rows| {
            rows.first()
                .and_then(|r| r.try_get::<_, i64>(0).ok())
                .map_or(0, |n| n as u64)
        })
    } else {
        tx.execute(sql, &[])
    };
    let _ = tx.rollback();
    result
}

/// Runs `sql` as `actor` in a transaction that is rolled back.
fn execute(client: &mut Client, actor: Actor, command: Command, sql: &str) -> Observed {
    match run_as(client, actor, command, sql) {
        Ok(0) => Observed::Denied(match command {
            Command::Select => "no row returned".into(),
            _ => "0 rows affected".into(),
        }),
        Ok(_) => Observed::Allowed(match command {
            Command::Select => "the row is returned".into(),
            Command::Insert => "the row is inserted".into(),
            _ => "1 row affected".into(),
        }),
        Err(e) => {
            let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
            let reason = data::pg_err(&e);
            if code == "42501" {
                Observed::Denied(reason)
            } else if code.starts_with("23") {
                // RLS decides before constraints are checked: the row got past it.
                Observed::Allowed(format!(
                    "allowed by RLS, then refused by a constraint: {reason}"
                ))
            } else {
                Observed::Error(reason)
            }
        }
    }
}
