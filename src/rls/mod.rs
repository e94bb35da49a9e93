//! The RLS access matrix: who may do what to each table, and why.
//!
//! On Supabase a table is reached through the Data API as `anon`, `authenticated` or
//! `service_role`, and a request goes through two gates: the table privilege (GRANT) and
//! then, when row-level security is on, the policies. Each gate is declared in a different
//! place of a project (grants in one file, policies beside the table, templates elsewhere),
//! so "can a signed-out visitor delete from `profiles`?" has no single place to look. This
//! stage, after `check` and before `render`, answers it for every table × role × command
//! from the model alone, with the reason: no privilege, RLS off (the privilege alone
//! decides), bypasses RLS, no policy, or the policies that allow it.
//!
//! Privileges are read from `model.grants` only (never derived here), so grants that other
//! stages add to the model are picked up as they are. `schemac test-rls` proves the matrix
//! on a real database.

use crate::diagnostic::{Loc, SourceMap};
use crate::model::{Command, Model, Policy, Privilege, QualName, SchemaPrivilege, Target};
use std::fmt::Write as _;

/// The four commands a matrix has a column for, in order.
pub const COMMANDS: [Command; 4] = [
    Command::Select,
    Command::Insert,
    Command::Update,
    Command::Delete,
];

/// The Supabase API roles, in the order the matrix lists them.
pub const API_ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

/// Every table of a project with its access per role and command.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub target: Target,
    /// The roles of every table's rows, in order (API roles first, then by name).
    pub roles: Vec<String>,
    pub tables: Vec<TableAccess>,
}

/// Row-level security on a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RlsState {
    pub enabled: bool,
    pub forced: bool,
    /// False for a platform table whose state the project does not declare (assumed on).
    pub declared: bool,
}

#[derive(Debug, Clone)]
pub struct TableAccess {
    pub name: QualName,
    pub loc: Loc,
    /// Managed by the project (false: an external table it declares policies on).
    pub managed: bool,
    pub rls: RlsState,
    /// One per [`Matrix::roles`], in that order.
    pub roles: Vec<RoleAccess>,
}

impl TableAccess {
    /// The owner of a table bypasses its RLS unless it is forced.
    pub fn owner_bypasses_rls(&self) -> bool {
        self.rls.enabled && !self.rls.forced
    }

    /// The cell of `role` and `command`.
    pub fn cell(&self, role: &str, command: Command) -> Option<&Cell> {
        self.roles
            .iter()
            .find(|r| r.role == role)
            .and_then(|r| r.cells.iter().find(|c| c.command == command))
    }
}

#[derive(Debug, Clone)]
pub struct RoleAccess {
    pub role: String,
    /// One per [`COMMANDS`], in that order.
    pub cells: Vec<Cell>,
}

/// Where a privilege comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivilegeSource {
    /// A `grants:` entry of the project; `columns` names the columns of a column grant
    /// (empty: the whole table).
    Grant { loc: Loc, columns: Vec<String> },
    /// Granted by the platform on its own table (Supabase's `storage.objects`).
    Platform,
}

/// One role × command of one table.
#[derive(Debug, Clone)]
pub struct Cell {
    pub command: Command,
    pub access: Access,
    /// The grants that give the privilege (empty when there is none).
    pub privilege: Vec<PrivilegeSource>,
}

impl Cell {
    /// The columns the privilege is limited to: `Some` when only column grants give it
    /// (their columns, in the order first granted), `None` for a table-wide privilege or
    /// none at all.
    pub fn columns(&self) -> Option<Vec<&str>> {
        let mut columns: Vec<&str> = Vec::new();
        for p in &self.privilege {
            match p {
                PrivilegeSource::Grant { columns: cs, .. } if !cs.is_empty() => {
                    for c in cs {
                        if !columns.contains(&c.as_str()) {
                            columns.push(c);
                        }
                    }
                }
                _ => return None,
            }
        }
        (!columns.is_empty()).then_some(columns)
    }

    /// The grid label: the access, with `(columns)` when the privilege is column-limited.
    pub fn label(&self) -> String {
        match self.columns() {
            Some(_) if !matches!(self.access, Access::NoPrivilege { .. }) => {
                format!("{} (columns)", self.access.label())
            }
            _ => self.access.label().to_string(),
        }
    }
}

/// Allowed or denied, and why.
#[derive(Debug, Clone)]
pub enum Access {
    /// Denied: the role lacks the table privilege (or USAGE on the table's schema).
    NoPrivilege { missing_usage: Option<String> },
    /// Allowed: RLS is off, so the privilege alone decides and every row is exposed.
    RlsOff,
    /// Allowed: the role bypasses RLS (`service_role` on Supabase).
    BypassesRls,
    /// Denied: RLS is on and no permissive policy applies to this role and command.
    NoPolicy { restrictive: Vec<PolicyRef> },
    /// Allowed for the rows the policies admit: any permissive one, and every restrictive.
    Policies {
        permissive: Vec<PolicyRef>,
        restrictive: Vec<PolicyRef>,
    },
}

impl Access {
    pub fn allowed(&self) -> bool {
        matches!(
            self,
            Access::RlsOff | Access::BypassesRls | Access::Policies { .. }
        )
    }

    /// The stable reason code used in JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Access::NoPrivilege { .. } => "no_privilege",
            Access::RlsOff => "rls_off",
            Access::BypassesRls => "bypasses_rls",
            Access::NoPolicy { .. } => "no_policy",
            Access::Policies { .. } => "policies",
        }
    }

    /// A short label for a grid cell.
    pub fn label(&self) -> &'static str {
        match self {
            Access::NoPrivilege {
                missing_usage: Some(_),
            } => "no usage",
            Access::NoPrivilege { .. } => "no grant",
            Access::RlsOff => "RLS off",
            Access::BypassesRls => "bypass",
            Access::NoPolicy { .. } => "no policy",
            Access::Policies { .. } => "policies",
        }
    }
}

/// A policy as the matrix shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    pub name: String,
    pub loc: Loc,
    pub template: Option<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub permissive: bool,
}

impl PolicyRef {
    fn of(p: &Policy) -> PolicyRef {
        PolicyRef {
            name: p.name.clone(),
            loc: p.loc,
            template: p.template.as_ref().map(|t| t.name.clone()),
            using: p.using.as_ref().map(|s| s.text.trim().to_string()),
            with_check: p.with_check.as_ref().map(|s| s.text.trim().to_string()),
            permissive: p.permissive,
        }
    }
}

/// Whether `policy` applies to `role` (no roles, or `public`, means every role).
pub fn applies_to(policy: &Policy, role: &str) -> bool {
    policy.roles.is_empty() || policy.roles.iter().any(|(r, _)| r == "public" || r == role)
}

/// Whether `policy` covers `command`.
pub fn covers(policy: &Policy, command: Command) -> bool {
    policy.command.expand().contains(&command)
}

fn privilege_of(command: Command) -> Privilege {
    match command {
        Command::Insert => Privilege::Insert,
        Command::Update => Privilege::Update,
        Command::Delete => Privilege::Delete,
        Command::Select | Command::All => Privilege::Select,
    }
}

/// Privileges Supabase grants on its own tables (as `schemac stubs` reproduces them).
fn platform_grants(target: Target, table: &QualName, role: &str, command: Command) -> bool {
    if target != Target::Supabase || !API_ROLES.contains(&role) {
        return false;
    }
    match (table.schema.as_str(), table.name.as_str()) {
        ("storage", "objects") => true,
        ("storage", "buckets") => role == "service_role" || command == Command::Select,
        _ => false,
    }
}

/// Whether `role` may use `schema`: public (PostgreSQL grants USAGE to PUBLIC), the
/// platform's schemas, or a `schemas_config` grant.
fn schema_usage(model: &Model, schema: &str, role: &str) -> bool {
    if schema == "public"
        || (model.config.target == Target::Supabase && matches!(schema, "auth" | "storage"))
    {
        return true;
    }
    model.schema_configs.get(schema).is_some_and(|c| {
        c.grants.iter().any(|(privs, to, _)| {
            privs.contains(&SchemaPrivilege::Usage)
                && to.iter().any(|(r, _)| r == role || r == "public")
        })
    })
}

/// The roles a matrix lists: Supabase's API roles (target supabase), the roles the project
/// declares, and every role a policy or grant names; `public` alone when there are none.
fn roles_of(model: &Model) -> Vec<String> {
    let mut named: Vec<String> = model.roles.iter().map(|r| r.name.clone()).collect();
    for host in model.hosts() {
        for p in host.policies.values() {
            named.extend(p.roles.iter().map(|(r, _)| r.clone()));
        }
    }
    for g in &model.grants {
        named.extend(g.to.iter().map(|(r, _)| r.clone()));
    }
    named.retain(|r| r != "public" && !API_ROLES.contains(&r.as_str()));
    named.sort();
    named.dedup();
    let mut roles: Vec<String> = Vec::new();
    let supabase = model.config.target == Target::Supabase;
    for api in API_ROLES {
        let mentioned = model.hosts().any(|h| {
            h.policies
                .values()
                .any(|p| p.roles.iter().any(|(r, _)| r == api))
        }) || model
            .grants
            .iter()
            .any(|g| g.to.iter().any(|(r, _)| r == api));
        if supabase || mentioned {
            roles.push(api.to_string());
        }
    }
    roles.extend(named);
    if roles.is_empty() {
        roles.push("public".to_string());
    }
    roles
}

/// Computes the matrix of a (checked) model.
pub fn matrix(model: &Model) -> Matrix {
    let roles = roles_of(model);
    let target = model.config.target;
    let mut tables = Vec::new();
    for host in model.hosts() {
        let managed = host.table.is_some();
        if !managed && host.policies.is_empty() {
            continue;
        }
        let rls = match host.table {
            Some(t) => RlsState {
                enabled: t.rls.enable,
                forced: t.rls.force,
                declared: true,
            },
            // Policies on a platform table only mean something with RLS on, and Supabase
            // enables it on storage.objects; the project cannot say otherwise.
            None => RlsState {
                enabled: true,
                forced: false,
                declared: false,
            },
        };
        let role_rows = roles
            .iter()
            .map(|role| RoleAccess {
                role: role.clone(),
                cells: COMMANDS
                    .iter()
                    .map(|&command| {
                        cell(model, host.name, host.policies.values(), rls, role, command)
                    })
                    .collect(),
            })
            .collect();
        tables.push(TableAccess {
            name: host.name.clone(),
            loc: host.loc,
            managed,
            rls,
            roles: role_rows,
        });
    }
    Matrix {
        target,
        roles,
        tables,
    }
}

fn cell<'a>(
    model: &Model,
    table: &QualName,
    policies: impl Iterator<Item = &'a Policy>,
    rls: RlsState,
    role: &str,
    command: Command,
) -> Cell {
    let wanted = privilege_of(command);
    let mut privilege: Vec<PrivilegeSource> = model
        .grants
        .iter()
        .filter(|g| &g.on == table)
        .filter(|g| g.to.iter().any(|(r, _)| r == role || r == "public"))
        .filter(|g| {
            g.privileges
                .iter()
                .any(|p| *p == wanted || *p == Privilege::All)
        })
        // `ALL (columns)` gives the column privileges: select, insert, update, references.
        .filter(|g| g.columns.is_empty() || wanted != Privilege::Delete)
        .map(|g| PrivilegeSource::Grant {
            loc: g.loc,
            columns: g.columns.iter().map(|(c, _)| c.clone()).collect(),
        })
        .collect();
    if platform_grants(model.config.target, table, role, command) {
        privilege.push(PrivilegeSource::Platform);
    }
    let usage = schema_usage(model, &table.schema, role);
    let access = if privilege.is_empty() || !usage {
        Access::NoPrivilege {
            missing_usage: (!usage).then(|| table.schema.clone()),
        }
    } else if !rls.enabled {
        Access::RlsOff
    } else if model.config.target == Target::Supabase && role == "service_role" {
        Access::BypassesRls
    } else {
        let (mut permissive, mut restrictive) = (Vec::new(), Vec::new());
        for p in policies.filter(|p| applies_to(p, role) && covers(p, command)) {
            if p.permissive {
                permissive.push(PolicyRef::of(p));
            } else {
                restrictive.push(PolicyRef::of(p));
            }
        }
        if permissive.is_empty() {
            Access::NoPolicy { restrictive }
        } else {
            Access::Policies {
                permissive,
                restrictive,
            }
        }
    };
    Cell {
        command,
        access,
        privilege,
    }
}

impl Matrix {
    /// (allowed, denied) cells.
    pub fn counts(&self) -> (usize, usize) {
        let cells = self
            .tables
            .iter()
            .flat_map(|t| t.roles.iter().flat_map(|r| r.cells.iter()));
        cells.fold((0, 0), |(a, d), c| {
            if c.access.allowed() {
                (a + 1, d)
            } else {
                (a, d + 1)
            }
        })
    }
}

fn at(sources: &SourceMap, loc: Loc) -> String {
    format!("{}:{}", sources.get(loc.file).display, loc.line)
}

fn rls_sentence(t: &TableAccess) -> String {
    let base = match (t.rls.enabled, t.rls.forced) {
        (false, _) => "RLS disabled: privileges alone decide, and every row is exposed to the roles granted one".to_string(),
        (true, false) => "RLS enabled, not forced (the table owner bypasses it)".to_string(),
        (true, true) => "RLS enabled and forced (the table owner is subject to it too)".to_string(),
    };
    if t.rls.declared {
        base
    } else {
        format!("{base}; platform table, RLS state not declared by the project")
    }
}

/// The cells allowed under policies, grouped: (role, commands, permissive, restrictive).
type Group<'a> = (&'a str, Vec<Command>, &'a [PolicyRef], &'a [PolicyRef]);

fn policy_groups(t: &TableAccess) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for r in &t.roles {
        for c in &r.cells {
            let (perm, restr): (&[PolicyRef], &[PolicyRef]) = match &c.access {
                Access::Policies {
                    permissive,
                    restrictive,
                } => (permissive, restrictive),
                Access::NoPolicy { restrictive } if !restrictive.is_empty() => (&[], restrictive),
                _ => continue,
            };
            match groups
                .iter_mut()
                .find(|g| g.0 == r.role && g.2 == perm && g.3 == restr)
            {
                Some(g) => g.1.push(c.command),
                None => groups.push((&r.role, vec![c.command], perm, restr)),
            }
        }
    }
    groups
}

/// The column-limited cells, grouped: (role, commands, columns, the grants' positions).
type ColumnNote<'a> = (&'a str, Vec<Command>, Vec<&'a str>, Vec<Loc>);

fn column_notes(t: &TableAccess) -> Vec<ColumnNote<'_>> {
    let mut notes: Vec<ColumnNote<'_>> = Vec::new();
    for r in &t.roles {
        for c in &r.cells {
            if matches!(c.access, Access::NoPrivilege { .. }) {
                continue;
            }
            let Some(columns) = c.columns() else {
                continue;
            };
            let locs: Vec<Loc> = c
                .privilege
                .iter()
                .filter_map(|p| match p {
                    PrivilegeSource::Grant { loc, .. } => Some(*loc),
                    PrivilegeSource::Platform => None,
                })
                .collect();
            match notes
                .iter_mut()
                .find(|n| n.0 == r.role && n.2 == columns && n.3 == locs)
            {
                Some(n) => n.1.push(c.command),
                None => notes.push((&r.role, vec![c.command], columns, locs)),
            }
        }
    }
    notes
}

fn locs_text(sources: &SourceMap, locs: &[Loc]) -> String {
    locs.iter()
        .map(|l| at(sources, *l))
        .collect::<Vec<_>>()
        .join(", ")
}

fn commands_text(cs: &[Command]) -> String {
    cs.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

fn policy_line(p: &PolicyRef, sources: &SourceMap) -> String {
    let template = p
        .template
        .as_ref()
        .map(|t| format!(" [template {t}]"))
        .unwrap_or_default();
    format!("{}{template} ({})", p.name, at(sources, p.loc))
}

/// The matrix for a terminal: per table, a grid of role × command, then the policies
/// behind each allowed cell.
pub fn text(m: &Matrix, sources: &SourceMap) -> String {
    let mut out = String::new();
    let width = m
        .roles
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(4)
        .max(4)
        + 2;
    for t in &m.tables {
        let cell_width = t
            .roles
            .iter()
            .flat_map(|r| r.cells.iter())
            .map(|c| c.label().chars().count() + 3)
            .max()
            .unwrap_or(12)
            .max(12);
        let _ = writeln!(out, "{}  ({})", t.name, at(sources, t.loc));
        let _ = writeln!(out, "  {}", rls_sentence(t));
        let _ = write!(out, "  {:<width$}", "role");
        for c in COMMANDS {
            let _ = write!(out, "{:<cell_width$}", c.as_str());
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        for r in &t.roles {
            let _ = write!(out, "  {:<width$}", r.role);
            for c in &r.cells {
                let mark = if c.access.allowed() { "+" } else { "-" };
                let _ = write!(out, "{:<cell_width$}", format!("{mark} {}", c.label()));
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        for (role, cmds, columns, locs) in column_notes(t) {
            let _ = writeln!(
                out,
                "  {role} {}: only columns {} (column grant {})",
                commands_text(&cmds),
                columns.join(", "),
                locs_text(sources, &locs)
            );
        }
        for (role, cmds, perm, restr) in policy_groups(t) {
            if perm.is_empty() {
                let _ = writeln!(
                    out,
                    "  {role} {}: denied (restrictive policies only, no permissive one)",
                    commands_text(&cmds)
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {role} {}: rows allowed by any of",
                    commands_text(&cmds)
                );
            }
            for p in perm {
                let _ = writeln!(out, "    {}", policy_line(p, sources));
                clauses(&mut out, p, "      ");
            }
            if !restr.is_empty() && !perm.is_empty() {
                let _ = writeln!(out, "    and by every restrictive policy:");
            }
            for p in restr {
                let _ = writeln!(out, "    {} (restrictive)", policy_line(p, sources));
                clauses(&mut out, p, "      ");
            }
        }
        out.push('\n');
    }
    let (allowed, denied) = m.counts();
    let _ = writeln!(
        out,
        "{} table{}, {} role{}: {allowed} allowed, {denied} denied (role × command)",
        m.tables.len(),
        if m.tables.len() == 1 { "" } else { "s" },
        m.roles.len(),
        if m.roles.len() == 1 { "" } else { "s" },
    );
    out
}

fn clauses(out: &mut String, p: &PolicyRef, indent: &str) {
    if let Some(u) = &p.using {
        let _ = writeln!(out, "{indent}USING ({})", one_line(u));
    }
    if let Some(w) = &p.with_check {
        let _ = writeln!(out, "{indent}WITH CHECK ({})", one_line(w));
    }
}

/// A fragment on one line (a YAML block scalar keeps its line breaks).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fragment inside a Markdown code span: backticks would end it, pipes a table cell.
fn md_code(s: &str) -> String {
    let s = one_line(s).replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// The matrix for a pull request or a document: a Markdown table per table, then the
/// policies behind each allowed cell.
pub fn markdown(m: &Matrix, sources: &SourceMap) -> String {
    let mut out = String::from("# RLS access matrix\n\n");
    let (allowed, denied) = m.counts();
    let _ = writeln!(
        out,
        "{} table{}; roles {}; {allowed} allowed, {denied} denied (role × command).\n",
        m.tables.len(),
        if m.tables.len() == 1 { "" } else { "s" },
        m.roles
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for t in &m.tables {
        let _ = writeln!(out, "## `{}`\n", t.name);
        let _ = writeln!(
            out,
            "Defined at `{}`. {}.\n",
            at(sources, t.loc),
            rls_sentence(t)
        );
        out.push_str("| role |");
        for c in COMMANDS {
            let _ = write!(out, " {} |", c.as_str());
        }
        out.push_str("\n|---|");
        for _ in COMMANDS {
            out.push_str("---|");
        }
        out.push('\n');
        for r in &t.roles {
            let _ = write!(out, "| `{}` |", r.role);
            for c in &r.cells {
                let mark = if c.access.allowed() { "✅" } else { "❌" };
                let _ = write!(out, " {mark} {} |", c.label());
            }
            out.push('\n');
        }
        let notes = column_notes(t);
        if !notes.is_empty() {
            out.push('\n');
        }
        for (role, cmds, columns, locs) in notes {
            let _ = writeln!(
                out,
                "- `{role}` {}: only columns {} (column grant `{}`)",
                commands_text(&cmds),
                columns
                    .iter()
                    .map(|c| md_code(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                locs_text(sources, &locs)
            );
        }
        let groups = policy_groups(t);
        if !groups.is_empty() {
            out.push('\n');
        }
        for (role, cmds, perm, restr) in groups {
            if perm.is_empty() {
                let _ = writeln!(
                    out,
                    "- `{role}` {}: denied (restrictive policies only)",
                    commands_text(&cmds)
                );
            } else {
                let _ = writeln!(
                    out,
                    "- `{role}` {}: rows allowed by any of",
                    commands_text(&cmds)
                );
            }
            let restrictive = restr.iter().map(|p| (p, " (restrictive, ANDed)"));
            for (p, kind) in perm.iter().map(|p| (p, "")).chain(restrictive) {
                let template = p
                    .template
                    .as_ref()
                    .map(|t| format!(" (template `{t}`)"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - `{}`{template}{kind}, `{}`",
                    p.name,
                    at(sources, p.loc)
                );
                if let Some(u) = &p.using {
                    let _ = writeln!(out, "    - USING {}", md_code(u));
                }
                if let Some(w) = &p.with_check {
                    let _ = writeln!(out, "    - WITH CHECK {}", md_code(w));
                }
            }
        }
        out.push('\n');
    }
    out
}

fn policy_json(p: &PolicyRef, sources: &SourceMap) -> serde_json::Value {
    serde_json::json!({
        "name": p.name,
        "template": p.template,
        "file": sources.get(p.loc.file).display,
        "line": p.loc.line,
        "using": p.using,
        "with_check": p.with_check,
    })
}

/// The matrix as stable JSON (README, "Output formats"): fields are only ever added.
pub fn json(m: &Matrix, sources: &SourceMap) -> String {
    let (allowed, denied) = m.counts();
    let tables: Vec<serde_json::Value> = m
        .tables
        .iter()
        .map(|t| {
            let roles: Vec<serde_json::Value> = t
                .roles
                .iter()
                .map(|r| {
                    let commands: Vec<serde_json::Value> = r
                        .cells
                        .iter()
                        .map(|c| {
                            let grants: Vec<serde_json::Value> = c
                                .privilege
                                .iter()
                                .map(|p| match p {
                                    PrivilegeSource::Grant { loc, columns } => {
                                        let mut g = serde_json::json!({
                                            "source": "grant",
                                            "file": sources.get(loc.file).display,
                                            "line": loc.line,
                                        });
                                        if !columns.is_empty() {
                                            g["columns"] = serde_json::json!(columns);
                                        }
                                        g
                                    }
                                    PrivilegeSource::Platform => {
                                        serde_json::json!({ "source": "platform" })
                                    }
                                })
                                .collect();
                            let (perm, restr): (&[PolicyRef], &[PolicyRef]) = match &c.access {
                                Access::Policies {
                                    permissive,
                                    restrictive,
                                } => (permissive, restrictive),
                                Access::NoPolicy { restrictive } => (&[], restrictive),
                                _ => (&[], &[]),
                            };
                            let missing_usage = match &c.access {
                                Access::NoPrivilege { missing_usage } => missing_usage.clone(),
                                _ => None,
                            };
                            serde_json::json!({
                                "command": c.command.as_str(),
                                "allowed": c.access.allowed(),
                                "reason": c.access.reason(),
                                "missing_schema_usage": missing_usage,
                                "privilege": grants,
                                "columns": c.columns(),
                                "permissive": perm.iter().map(|p| policy_json(p, sources)).collect::<Vec<_>>(),
                                "restrictive": restr.iter().map(|p| policy_json(p, sources)).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    serde_json::json!({ "role": r.role, "commands": commands })
                })
                .collect();
            serde_json::json!({
                "table": t.name.to_string(),
                "schema": t.name.schema,
                "name": t.name.name,
                "file": sources.get(t.loc.file).display,
                "line": t.loc.line,
                "managed": t.managed,
                "rls": {
                    "enabled": t.rls.enabled,
                    "forced": t.rls.forced,
                    "declared": t.rls.declared,
                },
                "owner_bypasses_rls": t.owner_bypasses_rls(),
                "roles": roles,
            })
        })
        .collect();
    let v = serde_json::json!({
        "version": 1,
        "target": match m.target { Target::Supabase => "supabase", Target::Postgres => "postgres" },
        "roles": m.roles,
        "tables": tables,
        "summary": {
            "tables": m.tables.len(),
            "allowed": allowed,
            "denied": denied,
        },
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> Model {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        crate::compile(dir.path(), "p").expect("the project loads")
    }

    fn reason(m: &Matrix, table: &str, role: &str, command: Command) -> &'static str {
        let t = m
            .tables
            .iter()
            .find(|t| t.name.to_string() == table)
            .expect("table");
        t.cell(role, command).expect("cell").access.reason()
    }

    #[test]
    fn every_gate_decides_in_order() {
        let m = matrix(&project(&[
            (
                "schemac.yaml",
                "schemac: 1\ntarget: supabase\nschemas: [public, app]\n",
            ),
            (
                "t.yaml",
                r#"
roles: [auditor]
tables:
  open:
    columns: { id: { type: int, primary_key: true } }
  notes:
    columns:
      id: { type: int, primary_key: true }
      user_id: uuid
    rls: true
    policies:
      everyone_reads: { command: select, using: "true" }
      not_deleted: { command: select, roles: [authenticated], using: "user_id IS NOT NULL", permissive: false }
      owner_writes: { template: owner, column: user_id }
      auditor_only_restrictive: { command: delete, roles: [auditor], using: "false", permissive: false }
  app.hidden:
    columns: { id: { type: int, primary_key: true } }
    rls: true
grants:
  - { on: open, privileges: [select], to: [anon] }
  - { on: notes, privileges: [all], to: [authenticated, service_role, auditor] }
  - { on: notes, privileges: [select], to: [anon] }
  - { on: app.hidden, privileges: [select], to: [authenticated] }
"#,
            ),
        ]));
        assert_eq!(
            m.roles,
            ["anon", "authenticated", "service_role", "auditor"]
        );
        // RLS off: the privilege alone decides.
        assert_eq!(
            reason(&m, "public.open", "anon", Command::Select),
            "rls_off"
        );
        assert_eq!(
            reason(&m, "public.open", "anon", Command::Insert),
            "no_privilege"
        );
        // A policy without roles applies to every role; restrictive ones are ANDed.
        assert_eq!(
            reason(&m, "public.notes", "anon", Command::Select),
            "policies"
        );
        let t = &m.tables[1];
        match &t
            .cell("authenticated", Command::Select)
            .expect("cell")
            .access
        {
            Access::Policies {
                permissive,
                restrictive,
            } => {
                let names: Vec<&str> = permissive.iter().map(|p| p.name.as_str()).collect();
                assert_eq!(names, ["everyone_reads", "owner_writes"]);
                assert_eq!(restrictive.len(), 1);
                assert_eq!(restrictive[0].name, "not_deleted");
            }
            other => panic!("{other:?}"),
        }
        assert!(t.owner_bypasses_rls());
        // service_role bypasses RLS, but only with a privilege.
        assert_eq!(
            reason(&m, "public.notes", "service_role", Command::Delete),
            "bypasses_rls"
        );
        assert_eq!(
            reason(&m, "public.open", "service_role", Command::Select),
            "no_privilege"
        );
        // Restrictive policies alone allow nothing.
        assert_eq!(
            reason(&m, "public.notes", "auditor", Command::Delete),
            "no_policy"
        );
        assert_eq!(
            reason(&m, "public.notes", "auditor", Command::Select),
            "policies"
        );
        // A schema without USAGE for the role.
        match &m.tables[2]
            .cell("authenticated", Command::Select)
            .expect("cell")
            .access
        {
            Access::NoPrivilege { missing_usage } => {
                assert_eq!(missing_usage.as_deref(), Some("app"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(m.counts().0 + m.counts().1, 3 * 4 * 4);
    }

    #[test]
    fn a_column_grant_limits_the_privilege_to_its_columns() {
        let m = matrix(&project(&[
            ("schemac.yaml", "schemac: 1\ntarget: postgres\n"),
            (
                "t.yaml",
                r#"
roles: [reader, writer]
tables:
  t:
    columns: { id: { type: int, primary_key: true }, a: text, b: text }
grants:
  - { on: t, privileges: [select], columns: [id, a], to: [reader] }
  - { on: t, privileges: [select], columns: [b], to: [reader] }
  - { on: t, privileges: [all], columns: [a], to: [writer] }
  - { on: t, privileges: [select], to: [writer] }
"#,
            ),
        ]));
        let t = &m.tables[0];
        let cell = |role: &str, c: Command| t.cell(role, c).expect("cell");
        // Two column grants: their columns together.
        assert_eq!(
            cell("reader", Command::Select).columns(),
            Some(vec!["id", "a", "b"])
        );
        assert_eq!(cell("reader", Command::Select).label(), "RLS off (columns)");
        // A table-wide grant beside a column grant: the whole table.
        assert_eq!(cell("writer", Command::Select).columns(), None);
        // ALL on columns: the column privileges, never DELETE.
        assert_eq!(cell("writer", Command::Update).columns(), Some(vec!["a"]));
        assert_eq!(
            cell("writer", Command::Delete).access.reason(),
            "no_privilege"
        );
        assert_eq!(cell("writer", Command::Delete).label(), "no grant");
        let notes = column_notes(t);
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[1].0, "writer");
        assert_eq!(notes[1].1, [Command::Insert, Command::Update]);
    }
}
