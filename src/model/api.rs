//! Privileges that follow the policies: what `api_roles` decides.
//!
//! Row-level security sits on top of privileges; it does not replace them. Since 2026
//! Supabase grants the Data API roles (`anon`, `authenticated`, `service_role`) nothing on
//! new tables, so a table whose policies let `authenticated` read it is still invisible to
//! it (PostgREST answers 42501) until someone writes the matching GRANT. Writing those grants
//! by hand repeats every policy a second time, and the two drift apart.
//!
//! With `api_roles` set, [`derive`] writes them from the policies instead, once the model
//! is complete (templates expanded):
//! - each API role gets, on each table, exactly the commands the policies that apply to it
//!   allow (a policy for `public`, or for no role, applies to every API role); `service_role`,
//!   which bypasses row-level security, gets the project's `service_role_privileges`. They
//!   become ordinary [`Grant`]s marked [`Derived`], so render, diff and the checks need
//!   nothing more; an explicit grant for the same table and role replaces the derived one;
//! - a role that may insert into a table gets USAGE on the sequences of its `serial`
//!   columns (PostgreSQL 10+ checks no privilege on an identity column's sequence), and on
//!   the declared sequences (`sequences:`) its columns' defaults draw from
//!   (`nextval('invoice_no')`);
//! - functions of the managed schemas are executable by nobody but those that need them:
//!   the API roles of a function marked `api: true` (or its own `api_roles`), and the roles
//!   whose queries call it: from a policy (the policy's roles), a default, check, generated
//!   column, index or trigger condition of a table (the roles granted on the table), a
//!   view (the roles granted on the view), or the body of an invoker function they may
//!   call. PostgreSQL checks EXECUTE for each of those as the querying role.
//!
//! gen first revokes everything the API roles (and `public`) hold on those tables,
//! sequences and functions, then grants this, so the result is exact on a database that
//! had the platform's old default privileges too. The roles decided here are
//! [`ApiPrivileges::managed`]; diff compares exactly their privileges.

use super::names::make_object_name;
use super::*;
use crate::sql::lexer::{self, Kind as Tok};
use std::collections::{BTreeMap, BTreeSet};

/// The role that bypasses row-level security on Supabase: no policy speaks for it.
pub const SERVICE_ROLE: &str = "service_role";

/// What `api_roles` decides besides the derived table grants.
#[derive(Debug, Clone, Default)]
pub struct ApiPrivileges {
    /// `public` and every API role (the project's and the tables'), sorted: the roles whose
    /// privileges on the project's tables, sequences and functions the project decides.
    pub managed: Vec<String>,
    /// Tables whose privileges for the managed roles are reset before the grants, with the
    /// roles to revoke from (`public` first).
    pub tables: Vec<(QualName, Vec<String>)>,
    /// The sequences of `serial` and identity columns of those tables, and the declared
    /// sequences their defaults draw from (one entry each).
    pub sequences: Vec<SequenceGrant>,
    /// Every function of the managed schemas (only when the project sets `api_roles`).
    pub functions: Vec<FunctionGrant>,
}

/// The sequence behind a `serial` or identity column, or a declared sequence a column's
/// default draws from, and who gets USAGE on it.
#[derive(Debug, Clone)]
pub struct SequenceGrant {
    /// The name PostgreSQL gives it (`<table>_<column>_seq`), or the declared one.
    pub name: QualName,
    pub table: QualName,
    pub column: String,
    pub loc: Loc,
    /// Roles to revoke from first (`public` and the table's API roles).
    pub revoke: Vec<String>,
    /// Roles that may insert into the table, for a `serial` column; empty for identity.
    pub usage: Vec<String>,
}

/// Who may execute a function of the managed schemas.
#[derive(Debug, Clone)]
pub struct FunctionGrant {
    /// Index in [`Model::functions`].
    pub function: usize,
    /// Roles to revoke from first: `public` and the project's API roles.
    pub revoke: Vec<String>,
    /// Roles that get EXECUTE, each with why (`api: true`, `policy x on t`…), sorted.
    pub execute: BTreeMap<String, String>,
}

/// The declared sequence a default draws from: `nextval('name')`, optionally with
/// `::regclass`, the name resolved in `schema`.
fn nextval_sequence(default: &str, schema: &str) -> Option<QualName> {
    let inner = default
        .trim()
        .strip_prefix("nextval(")?
        .strip_suffix(')')?
        .trim();
    let inner = inner.strip_suffix("::regclass").unwrap_or(inner).trim();
    let name = inner.strip_prefix('\'')?.strip_suffix('\'')?;
    if name.contains('\'') {
        return None;
    }
    QualName::parse(name, schema).ok()
}

/// USAGE on the declared sequences the API tables' defaults draw from, for the roles that
/// may insert into those tables (one entry per sequence, whichever tables use it).
fn declared_sequence_grants(
    m: &Model,
    tables: &[(QualName, Vec<String>)],
    inserters: &BTreeMap<&QualName, BTreeSet<String>>,
    managed: &BTreeSet<String>,
    out: &mut Vec<SequenceGrant>,
) {
    for (tname, revoke) in tables {
        let Some(t) = m.tables.get(tname) else {
            continue;
        };
        for c in t.columns.values() {
            let Some(seq) = c
                .default
                .as_ref()
                .and_then(|d| nextval_sequence(&d.text, &tname.schema))
                .filter(|q| m.sequences.contains_key(q))
            else {
                continue;
            };
            let usage = inserters
                .get(tname)
                .into_iter()
                .flatten()
                .filter(|r| managed.contains(*r))
                .cloned();
            match out.iter_mut().find(|g| g.name == seq) {
                Some(g) => {
                    g.usage.extend(usage);
                    g.usage.sort();
                    g.usage.dedup();
                    for r in revoke {
                        if !g.revoke.contains(r) {
                            g.revoke.push(r.clone());
                        }
                    }
                }
                None => out.push(SequenceGrant {
                    name: seq,
                    table: tname.clone(),
                    column: c.name.clone(),
                    loc: c.loc,
                    revoke: revoke.clone(),
                    usage: usage.collect(),
                }),
            }
        }
    }
}

impl Model {
    /// The sequences of the `serial` and identity columns of the project's tables, as
    /// PostgreSQL names them (`<table>_<column>_seq`), with their table and column.
    pub fn column_sequences(&self) -> impl Iterator<Item = (QualName, &Table, &Column)> {
        self.tables.values().flat_map(|t| {
            t.columns
                .values()
                .filter(|c| c.ty.is_serial() || c.identity.is_some())
                .map(move |c| {
                    (
                        QualName {
                            schema: t.name.schema.clone(),
                            name: make_object_name(&t.name.name, Some(&c.name), "seq"),
                        },
                        t,
                        c,
                    )
                })
        })
    }

    /// Whether a grant's `on` names a sequence: a declared one, or the sequence of a
    /// `serial` or identity column, and no table or view of that name.
    pub fn grant_on_sequence(&self, on: &QualName) -> bool {
        !self.tables.contains_key(on)
            && !self.views.contains_key(on)
            && (self.sequences.contains_key(on)
                || self.column_sequences().any(|(q, _, _)| q == *on))
    }

    /// The Data API roles of a table: its own `api_roles`, none with `api: false`, else the
    /// project's. None when neither the project nor the table sets any.
    pub fn table_api_roles<'a>(&'a self, t: &'a Table) -> Option<Vec<&'a str>> {
        if t.api_off.is_some() {
            return self.config.api_roles.as_ref().map(|_| Vec::new());
        }
        t.api_roles
            .as_ref()
            .or(self.config.api_roles.as_ref())
            .map(|v| v.iter().map(|(r, _)| r.as_str()).collect())
    }

    /// Whether `role` may execute `f` as the project describes it: granted by `api_roles`,
    /// or, when the project leaves function privileges alone, by PostgreSQL's default
    /// (EXECUTE for `public`).
    pub fn can_execute(&self, index: usize, role: &str) -> bool {
        let explicit = self.functions.get(index).is_some_and(|f| {
            self.function_privileges
                .iter()
                .any(|g| g.function == f.name && g.to.iter().any(|(r, _)| r == role))
        });
        explicit
            || match &self.api {
                Some(api) => match api.functions.iter().find(|g| g.function == index) {
                    Some(g) => g.execute.contains_key(role) || g.execute.contains_key("public"),
                    None => true,
                },
                None => true,
            }
    }
}

/// Adds the derived grants to `m.grants` and sets `m.api`. Does nothing when neither the
/// project nor any table sets `api_roles`.
pub fn derive(m: &mut Model) {
    if m.config.api_roles.is_none() && m.tables.values().all(|t| t.api_roles.is_none()) {
        return;
    }
    let mut managed: BTreeSet<String> = BTreeSet::from(["public".to_string()]);
    let project_roles: Vec<String> = m
        .config
        .api_roles
        .iter()
        .flatten()
        .map(|(r, _)| r.clone())
        .collect();
    managed.extend(project_roles.iter().cloned());
    for t in m.tables.values() {
        managed.extend(t.api_roles.iter().flatten().map(|(r, _)| r.clone()));
    }

    let explicit: BTreeSet<(QualName, String)> = m
        .grants
        .iter()
        .flat_map(|g| g.to.iter().map(move |(r, _)| (g.on.clone(), r.clone())))
        .collect();
    let mut derived = Vec::new();
    let mut tables = Vec::new();
    for t in m.tables.values() {
        let Some(roles) = m.table_api_roles(t) else {
            continue;
        };
        let mut revoke: Vec<String> = vec!["public".to_string()];
        for r in project_roles
            .iter()
            .map(String::as_str)
            .chain(roles.iter().copied())
        {
            if !revoke.iter().any(|x| x == r) {
                revoke.push(r.to_string());
            }
        }
        tables.push((t.name.clone(), revoke));
        for role in roles {
            if explicit.contains(&(t.name.clone(), role.to_string())) {
                continue;
            }
            let role_loc = t
                .api_roles
                .iter()
                .chain(m.config.api_roles.iter())
                .flatten()
                .find(|(r, _)| r == role)
                .map_or(t.loc, |(_, l)| *l);
            let (privileges, policies, loc) = if role == SERVICE_ROLE {
                (
                    m.config.service_role_privileges.clone(),
                    Vec::new(),
                    role_loc,
                )
            } else {
                let mut cmds: BTreeSet<Command> = BTreeSet::new();
                let mut policies = Vec::new();
                for p in t.policies.values() {
                    if policy_applies(p, role) {
                        cmds.extend(p.command.expand().iter().copied());
                        policies.push((p.name.clone(), p.loc));
                    }
                }
                let privs = cmds
                    .into_iter()
                    .filter_map(|c| match c {
                        Command::Select => Some(Privilege::Select),
                        Command::Insert => Some(Privilege::Insert),
                        Command::Update => Some(Privilege::Update),
                        Command::Delete => Some(Privilege::Delete),
                        Command::All => None,
                    })
                    .collect();
                let loc = policies.first().map_or(t.loc, |(_, l)| *l);
                (privs, policies, loc)
            };
            if privileges.is_empty() {
                continue;
            }
            derived.push(Grant {
                on: t.name.clone(),
                on_loc: t.loc,
                privilege_locs: vec![loc; privileges.len()],
                columns: Vec::new(),
                grant_option: false,
                privileges,
                to: vec![(role.to_string(), loc)],
                loc,
                derived: Some(Derived { policies }),
            });
        }
    }
    m.grants.extend(derived);

    // Who holds any privilege on each relation, and who may insert, after the grants above.
    let mut users: BTreeMap<&QualName, BTreeSet<String>> = BTreeMap::new();
    let mut inserters: BTreeMap<&QualName, BTreeSet<String>> = BTreeMap::new();
    for g in &m.grants {
        let inserts = g
            .privileges
            .iter()
            .any(|p| matches!(p, Privilege::Insert | Privilege::All));
        for (r, _) in &g.to {
            users.entry(&g.on).or_default().insert(r.clone());
            if inserts {
                inserters.entry(&g.on).or_default().insert(r.clone());
            }
        }
    }

    let mut sequences = Vec::new();
    for (tname, revoke) in &tables {
        let Some(t) = m.tables.get(tname) else {
            continue;
        };
        for c in t.columns.values() {
            let serial = c.ty.is_serial();
            if !serial && c.identity.is_none() {
                continue;
            }
            let name = QualName {
                schema: tname.schema.clone(),
                name: make_object_name(&tname.name, Some(&c.name), "seq"),
            };
            let usage = if serial {
                inserters
                    .get(tname)
                    .into_iter()
                    .flatten()
                    .filter(|r| managed.contains(*r))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            sequences.push(SequenceGrant {
                name,
                table: tname.clone(),
                column: c.name.clone(),
                loc: c.loc,
                revoke: revoke.clone(),
                usage,
            });
        }
    }

    declared_sequence_grants(m, &tables, &inserters, &managed, &mut sequences);
    // An explicit grants: entry for a sequence and role replaces the derived USAGE.
    for q in &mut sequences {
        q.usage
            .retain(|r| !explicit.contains(&(q.name.clone(), r.clone())));
    }

    let functions = if m.config.api_roles.is_some() {
        function_grants(m, &project_roles, &users)
    } else {
        Vec::new()
    };
    m.api = Some(ApiPrivileges {
        managed: managed.into_iter().collect(),
        tables,
        sequences,
        functions,
    });
}

/// Whether a policy applies to `role`: it names the role, `public`, or no role at all.
pub fn policy_applies(p: &Policy, role: &str) -> bool {
    p.roles.is_empty() || p.roles.iter().any(|(r, _)| r == role || r == "public")
}

/// The roles a policy applies to among `candidates` (all of them for a `public` policy).
fn policy_roles(p: &Policy, candidates: &BTreeSet<String>) -> BTreeSet<String> {
    if p.roles.is_empty() || p.roles.iter().any(|(r, _)| r == "public") {
        candidates.clone()
    } else {
        p.roles.iter().map(|(r, _)| r.clone()).collect()
    }
}

/// EXECUTE for every function of the managed schemas (see the module documentation).
fn function_grants(
    m: &Model,
    project_roles: &[String],
    users: &BTreeMap<&QualName, BTreeSet<String>>,
) -> Vec<FunctionGrant> {
    let mut exec: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); m.functions.len()];
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in m.functions.iter().enumerate() {
        by_name.entry(f.name.name.as_str()).or_default().push(i);
    }
    let schemas = &m.config.schemas;
    // The project functions a text calls: `name(` or `schema.name(`.
    let callees = |text: &str| -> Vec<usize> {
        let mut out = Vec::new();
        for (schema, name) in called_names(text) {
            for &i in by_name.get(name.as_str()).into_iter().flatten() {
                let fs = &m.functions[i].name.schema;
                let hit = match &schema {
                    Some(s) => s == fs,
                    None => fs == "public" || schemas.contains(fs),
                };
                if hit && !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    };
    for (i, f) in m.functions.iter().enumerate() {
        if let Some(api) = &f.api {
            let roles: BTreeSet<String> = match &api.roles {
                Some(r) => r.iter().map(|(r, _)| r.clone()).collect(),
                None => project_roles.iter().cloned().collect(),
            };
            give(&mut exec, i, &roles, &|| "api".to_string());
        }
    }
    let empty = BTreeSet::new();
    for t in m.tables.values() {
        let table_users = users.get(&t.name).unwrap_or(&empty);
        for p in t.policies.values() {
            let roles = policy_roles(p, table_users);
            for sql in [&p.using, &p.with_check].into_iter().flatten() {
                for i in callees(&sql.text) {
                    give(&mut exec, i, &roles, &|| {
                        format!("policy {} on {}", p.name, t.name)
                    });
                }
            }
        }
        let mut texts: Vec<&str> = Vec::new();
        for c in t.columns.values() {
            texts.extend(
                c.default
                    .iter()
                    .chain(&c.generated)
                    .map(|s| s.text.as_str()),
            );
        }
        texts.extend(t.checks.iter().map(|c| c.expr.text.as_str()));
        for ix in &t.indexes {
            for e in &ix.elems {
                if let IndexElem::Expr(s) = e {
                    texts.push(&s.text);
                }
            }
            texts.extend(ix.predicate.iter().map(|s| s.text.as_str()));
        }
        texts.extend(
            t.triggers
                .values()
                .filter_map(|tr| tr.condition.as_ref().map(|s| s.text.as_str())),
        );
        for text in texts {
            for i in callees(text) {
                give(&mut exec, i, table_users, &|| format!("table {}", t.name));
            }
        }
    }
    for e in m.external.values() {
        let public = BTreeSet::from(["public".to_string()]);
        for p in e.policies.values() {
            let roles = policy_roles(p, &public);
            for sql in [&p.using, &p.with_check].into_iter().flatten() {
                for i in callees(&sql.text) {
                    give(&mut exec, i, &roles, &|| {
                        format!("policy {} on {}", p.name, e.name)
                    });
                }
            }
        }
    }
    for v in m.views.values() {
        let roles = users.get(&v.name).unwrap_or(&empty);
        for i in callees(&v.query.text) {
            give(&mut exec, i, roles, &|| format!("view {}", v.name));
        }
        for c in v.triggers.values().filter_map(|tr| tr.condition.as_ref()) {
            for i in callees(&c.text) {
                give(&mut exec, i, roles, &|| format!("view {}", v.name));
            }
        }
    }
    // An invoker function runs as its caller: what it calls needs the caller's EXECUTE too.
    let calls: Vec<Vec<usize>> = m
        .functions
        .iter()
        .map(|f| match f.security {
            Security::Invoker => callees(&f.body),
            Security::Definer => Vec::new(),
        })
        .collect();
    // An invoker trigger function runs as whoever writes the table (or view): what it
    // calls needs their EXECUTE (the trigger function itself needs none).
    let hosts = m
        .tables
        .values()
        .map(|t| (&t.name, &t.triggers))
        .chain(m.views.values().map(|v| (&v.name, &v.triggers)));
    for (name, triggers) in hosts {
        let table_users = users.get(name).unwrap_or(&empty);
        for tr in triggers.values() {
            for (fi, _) in m
                .functions
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name == tr.function)
            {
                for &j in &calls[fi] {
                    if j != fi {
                        give(&mut exec, j, table_users, &|| {
                            format!("trigger {} on {name}", tr.name)
                        });
                    }
                }
            }
        }
    }
    loop {
        let mut changed = false;
        for (i, callees) in calls.iter().enumerate() {
            for &j in callees {
                if i == j {
                    continue;
                }
                let add: Vec<String> = exec[i]
                    .keys()
                    .filter(|r| !exec[j].contains_key(*r))
                    .cloned()
                    .collect();
                for r in add {
                    let why = format!("called by {}", m.functions[i].signature());
                    exec[j].insert(r, why);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut revoke = vec!["public".to_string()];
    for r in project_roles {
        if !revoke.contains(r) {
            revoke.push(r.clone());
        }
    }
    m.functions
        .iter()
        .enumerate()
        .filter(|(_, f)| schemas.contains(&f.name.schema))
        .map(|(i, _)| FunctionGrant {
            function: i,
            revoke: revoke.clone(),
            execute: std::mem::take(&mut exec[i]),
        })
        .collect()
}

/// Grants EXECUTE on function `i` to `roles`, keeping the first reason given for each.
fn give(
    exec: &mut [BTreeMap<String, String>],
    i: usize,
    roles: &BTreeSet<String>,
    why: &dyn Fn() -> String,
) {
    for r in roles {
        exec[i].entry(r.clone()).or_insert_with(why);
    }
}

/// The names a SQL text calls as functions: a word or quoted identifier followed by `(`,
/// with its schema when written `schema.name(`. Keywords followed by `(` (`IN (`, `EXISTS (`)
/// come out too; they match no project function unless one is named so, which only adds
/// a grant. Text PostgreSQL cannot read to its end calls nothing.
pub fn called_names(text: &str) -> Vec<(Option<String>, String)> {
    let Ok(tokens) = lexer::tokenize(text) else {
        return Vec::new();
    };
    let toks: Vec<&lexer::Token> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, Tok::Space | Tok::LineComment | Tok::BlockComment))
        .collect();
    let ident = |t: &lexer::Token| -> Option<String> {
        let s = &text[t.start..t.end];
        match t.kind {
            Tok::Word => Some(s.to_ascii_lowercase()),
            Tok::QuotedIdent if s.starts_with('"') && s.len() >= 2 => {
                Some(s[1..s.len() - 1].replace("\"\"", "\""))
            }
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if !matches!(toks.get(k + 1).map(|n| n.kind), Some(Tok::Punct(b'('))) {
            continue;
        }
        let Some(name) = ident(t) else {
            continue;
        };
        let schema = (k >= 2 && toks[k - 1].kind == Tok::Punct(b'.'))
            .then(|| ident(toks[k - 2]))
            .flatten();
        out.push((schema, name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::called_names;

    #[test]
    fn calls_are_found_with_their_schema() {
        let c = called_names(
            "(SELECT public.is_admin((SELECT auth.uid()))) OR \"My Fn\"(x) -- f(\n AND 'g(' = h (1)",
        );
        let names: Vec<String> = c
            .iter()
            .map(|(s, n)| format!("{}.{n}", s.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(names, ["public.is_admin", "auth.uid", ".My Fn", ".h"]);
    }

    #[test]
    fn unreadable_text_calls_nothing() {
        assert!(called_names("f('unterminated").is_empty());
    }

    #[test]
    fn a_default_names_the_sequence_it_draws_from() {
        let q = |s: &str, n: &str| Some(crate::model::QualName::new(s, n));
        assert_eq!(
            super::nextval_sequence("nextval('invoice_no')", "public"),
            q("public", "invoice_no")
        );
        assert_eq!(
            super::nextval_sequence(" nextval('billing.no'::regclass) ", "public"),
            q("billing", "no")
        );
        for other in ["nextval(x)", "now()", "nextval('a''b')", "1 + nextval('s')"] {
            assert_eq!(super::nextval_sequence(other, "public"), None, "{other}");
        }
    }
}
