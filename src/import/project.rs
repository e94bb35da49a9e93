//! A [`Catalog`] turned into a project: `schemac.yaml` and definition files.
//!
//! The catalog says what PostgreSQL says; this module says it the way a person writes a
//! project: `timestamptz` rather than `timestamp with time zone`, a single-column primary
//! key, unique constraint or foreign key on its column, names PostgreSQL would give left out,
//! literals without the casts PostgreSQL printed ([`super::expr`]), and policies that are a
//! built-in template's written as `template:`. Files are laid out as a person would: a file
//! per table (tables that reference each other in a cycle share one), and separate files for
//! enums, functions, views, grants, the Supabase objects and `kinds.yaml` (standalone
//! sequences, composite types, domains, materialized views).
//!
//! What the format cannot say is never dropped silently: each such object becomes an
//! [`Unrepresentable`] with its definition, for the report.

use super::expr::{
    find_word, ident_list, leading_ident, leading_qualified, shorten, split_top, strip_outer_parens,
};
use super::yaml::{document, Node};
use crate::catalog::{Catalog, Column, Constraint, Name, Policy, Table};
use crate::model::names::make_object_name;
use crate::sql::quote::quote_ident;
use std::collections::{BTreeMap, BTreeSet};

/// (schema, name, identity arguments): a function's key, as the catalog's.
pub type FnKey = (String, String, String);

/// A function's parts, as `functions.sql` reads them.
#[derive(Debug, Clone)]
pub struct FnParts {
    pub arg_names: Vec<String>,
    /// `proargmodes` (`i`, `o`, `b`, `v`, `t`), one per entry of `arg_names`; empty when
    /// every argument is `IN`.
    pub arg_modes: Vec<String>,
    /// The input arguments' types.
    pub arg_types: Vec<String>,
    /// Every argument's type, `OUT` and `TABLE` ones included, when `arg_modes` is not
    /// empty (`proallargtypes`).
    pub all_arg_types: Vec<String>,
    pub arguments: String,
    pub result: String,
    pub language: String,
    pub definer: bool,
    pub volatility: String,
    pub body: String,
    pub config: Vec<String>,
    pub kind: String,
    pub strict: bool,
    pub leakproof: bool,
    pub parallel: String,
    pub cost: f64,
    pub rows: f64,
    pub retset: bool,
}

/// Something the database holds that the format cannot say.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unrepresentable {
    /// What it is (`sequence`, `unique constraint name`…).
    pub kind: String,
    /// `schema.name` (with the table for what belongs to one).
    pub name: String,
    /// Its definition, as PostgreSQL prints it.
    pub definition: String,
    /// What the project says instead (or that it leaves it out).
    pub note: String,
}

/// What was read from the database.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub schemas: Vec<String>,
    pub cat: Catalog,
    pub functions: BTreeMap<FnKey, FnParts>,
    /// Objects `extras.sql` found.
    pub extras: Vec<Unrepresentable>,
    /// auth.users and the API roles exist: a Supabase project (or `schemac stubs`).
    pub supabase: bool,
    /// Tables outside the imported schemas that foreign keys reference, or that carry
    /// triggers and policies read as the project's.
    pub external_tables: Vec<Name>,
}

/// Who may execute a function, in a project with `api_roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FnApi {
    /// `api: true`: the project's API roles.
    All,
    /// `api_roles: [...]`.
    Roles(Vec<String>),
}

/// How privileges are written: every grant explicitly, or `api_roles` with the grants that
/// differ from what the policies derive.
#[derive(Debug, Clone, Default)]
pub struct Privileges {
    pub api_roles: Option<Vec<String>>,
    /// The `grants:` entries, in order.
    pub grants: Vec<GrantEntry>,
    /// Tables whose own `api_roles` differ from the project's.
    pub table_api_roles: BTreeMap<Name, Vec<String>>,
    pub functions: BTreeMap<FnKey, FnApi>,
}

/// Choices the import makes between writing runs.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Tables, views and functions written exactly as PostgreSQL prints them (no short
    /// forms, no templates): their short form did not come back exactly.
    pub longhand: BTreeSet<Name>,
    pub privileges: Privileges,
}

/// The project's files and what the report says about them.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Relative path → contents.
    pub files: BTreeMap<String, String>,
    pub unrepresentable: Vec<Unrepresentable>,
    /// `table: policy → template` lines.
    pub templated: Vec<String>,
    /// Default and condition texts written shorter than PostgreSQL prints them.
    pub shortened: usize,
}

/// The roles a Supabase project has.
pub const API_ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

/// Supabase's own tables a project may put triggers and policies on.
pub const PLATFORM_TABLES: [(&str, &str); 3] = [
    ("auth", "users"),
    ("storage", "buckets"),
    ("storage", "objects"),
];

/// A name as a YAML key or reference: `name` in public, else `schema.name`; parts holding
/// a dot or a double quote, or with spaces around them, are written in double quotes.
pub fn yaml_name(schema: &str, name: &str) -> String {
    if schema == "public" {
        name_part(name)
    } else {
        format!("{}.{}", name_part(schema), name_part(name))
    }
}

fn name_part(n: &str) -> String {
    if n.contains(['.', '"']) || n.trim() != n || n.is_empty() {
        format!("\"{}\"", n.replace('"', "\"\""))
    } else {
        n.to_string()
    }
}

/// A type as people write it: `timestamptz`, `int`, `varchar(255)`, `text[]`.
pub fn short_type(ty: &str) -> String {
    let (base, arrays) = match ty.find("[]") {
        Some(i) => (&ty[..i], &ty[i..]),
        None => (ty, ""),
    };
    let (name, mods) = match base.find('(') {
        // `timestamp(3) with time zone`: the modifier sits inside the name.
        Some(i) if !base.ends_with(')') => {
            let close = base[i..].find(')').map_or(base.len(), |j| i + j + 1);
            let name = format!("{}{}", &base[..i], &base[close..]);
            return match name.as_str() {
                "timestamp with time zone" => format!("timestamptz{}{arrays}", &base[i..close]),
                "time with time zone" => format!("timetz{}{arrays}", &base[i..close]),
                "timestamp without time zone" => format!("timestamp{}{arrays}", &base[i..close]),
                "time without time zone" => format!("time{}{arrays}", &base[i..close]),
                _ => ty.to_string(),
            };
        }
        Some(i) => (&base[..i], &base[i..]),
        None => (base, ""),
    };
    let short = match name {
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        "time with time zone" => "timetz",
        "time without time zone" => "time",
        "integer" => "int",
        "character varying" => "varchar",
        "character" => "char",
        "bit varying" => "varbit",
        "double precision" => "float8",
        other => other,
    };
    format!("{short}{mods}{arrays}")
}

/// A table's check as import writes it: name, expression, `NO INHERIT`, `NOT VALID`,
/// comment.
type CheckEntry = (String, String, bool, bool, Option<String>);

/// A parsed `pg_get_constraintdef` of a foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ForeignKey {
    columns: Vec<String>,
    table: (Option<String>, String),
    ref_columns: Vec<String>,
    on_delete: Option<&'static str>,
    on_update: Option<&'static str>,
    match_full: bool,
    /// `DEFERRABLE [INITIALLY DEFERRED]`.
    options: KeyOptions,
    /// `NOT VALID`.
    not_valid: bool,
}

fn action(word: &str) -> Option<&'static str> {
    match word {
        "CASCADE" => Some("cascade"),
        "SET NULL" => Some("set null"),
        "SET DEFAULT" => Some("set default"),
        "RESTRICT" => Some("restrict"),
        _ => None,
    }
}

/// `FOREIGN KEY (a) REFERENCES t(b) [MATCH FULL] ON UPDATE … ON DELETE … [DEFERRABLE
/// [INITIALLY DEFERRED]] [NOT VALID]`; None for anything the format cannot say (column
/// lists on SET NULL).
fn parse_fk(def: &str) -> Option<ForeignKey> {
    let (def, not_valid) = match def.strip_suffix(" NOT VALID") {
        Some(d) => (d, true),
        None => (def, false),
    };
    let (def, options) = key_options(def);
    let rest = def.strip_prefix("FOREIGN KEY (")?;
    let close = rest.find(") REFERENCES ")?;
    let columns = ident_list(&rest[..close])?;
    let rest = &rest[close + ") REFERENCES ".len()..];
    let (table, rest) = leading_qualified(rest)?;
    let rest = rest.strip_prefix('(')?;
    let close = rest.find(')')?;
    let ref_columns = ident_list(&rest[..close])?;
    let mut rest = rest[close + 1..].trim();
    let match_full = match rest.strip_prefix("MATCH FULL") {
        Some(r) => {
            rest = r.trim_start();
            true
        }
        None => false,
    };
    let mut on_update = None;
    let mut on_delete = None;
    for (prefix, slot) in [
        (" ON UPDATE ", &mut on_update),
        (" ON DELETE ", &mut on_delete),
    ] {
        let p = prefix.trim_start();
        if let Some(r) = rest.strip_prefix(p) {
            let word = ["SET NULL", "SET DEFAULT", "CASCADE", "RESTRICT"]
                .into_iter()
                .find(|w| r.starts_with(w))?;
            *slot = action(word);
            rest = r[word.len()..].trim_start();
        }
    }
    if !rest.is_empty() {
        return None;
    }
    Some(ForeignKey {
        columns,
        table,
        ref_columns,
        on_delete,
        on_update,
        match_full,
        options,
        not_valid,
    })
}

/// A parsed `pg_get_indexdef`.
#[derive(Debug, Clone)]
struct IndexDef {
    unique: bool,
    method: String,
    elems: Vec<String>,
    include: Vec<String>,
    nulls_not_distinct: bool,
    /// Storage parameters, name and value as stored.
    with: Vec<(String, String)>,
    predicate: Option<String>,
}

/// `CREATE [UNIQUE] INDEX name ON [ONLY] s.t USING m (elems) [INCLUDE (…)] [NULLS NOT
/// DISTINCT] [WITH (…)] [WHERE (…)]`; None for anything else (a tablespace).
fn parse_index(def: &str) -> Option<IndexDef> {
    let (unique, rest) = match def.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(r) => (true, r),
        None => (false, def.strip_prefix("CREATE INDEX ")?),
    };
    let (_, rest) = leading_ident(rest)?;
    let rest = rest.strip_prefix(" ON ")?;
    let rest = rest.strip_prefix("ONLY ").unwrap_or(rest);
    let (_, rest) = leading_qualified(rest)?;
    let rest = rest.strip_prefix(" USING ")?;
    let (method, rest) = leading_ident(rest)?;
    let rest = rest.strip_prefix(" (")?;
    // The element list ends at the `)` that closes it.
    let close = matching_paren(rest)?;
    let elems = split_top(&rest[..close], b',');
    let (include, mut rest) = include_clause(rest[close + 1..].trim_start())?;
    let nulls_not_distinct = match rest.strip_prefix("NULLS NOT DISTINCT") {
        Some(r) => {
            rest = r.trim_start();
            true
        }
        None => false,
    };
    let mut with = Vec::new();
    if let Some(r) = rest.strip_prefix("WITH (") {
        let close = matching_paren(r)?;
        for option in split_top(&r[..close], b',') {
            with.push(reloption(&option)?);
        }
        rest = r[close + 1..].trim_start();
    }
    let mut predicate = None;
    if let Some(r) = rest.strip_prefix("WHERE ") {
        predicate = Some(strip_outer_parens(r).to_string());
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    Some(IndexDef {
        unique,
        method,
        elems,
        include,
        nulls_not_distinct,
        with,
        predicate,
    })
}

/// A parsed `pg_get_constraintdef` of an exclusion constraint.
#[derive(Debug, Clone)]
struct ExclusionDef {
    method: String,
    /// `elem WITH op`, as PostgreSQL prints them.
    elems: Vec<String>,
    include: Vec<String>,
    predicate: Option<String>,
    deferrable: bool,
    initially_deferred: bool,
}

/// `EXCLUDE USING m (elem WITH op, …) [INCLUDE (…)] [WHERE (…)] [DEFERRABLE [INITIALLY
/// DEFERRED]]`; None for anything else (NOT VALID, storage parameters, an operator the
/// format cannot name).
fn parse_exclusion(def: &str) -> Option<ExclusionDef> {
    let mut rest = def.strip_prefix("EXCLUDE USING ")?;
    let (mut deferrable, mut initially_deferred) = (false, false);
    if let Some(r) = rest.strip_suffix(" INITIALLY DEFERRED") {
        (rest, initially_deferred) = (r, true);
    }
    if let Some(r) = rest.strip_suffix(" DEFERRABLE") {
        (rest, deferrable) = (r, true);
    }
    let (method, rest) = leading_ident(rest)?;
    let rest = rest.strip_prefix(" (")?;
    let close = matching_paren(rest)?;
    let elems = split_top(&rest[..close], b',');
    let ok = elems
        .iter()
        .all(|e| crate::model::split_with(e).is_some_and(|(_, op)| crate::model::is_operator(op)));
    if !ok || !method.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let (include, mut rest) = include_clause(rest[close + 1..].trim_start())?;
    let mut predicate = None;
    if let Some(r) = rest.strip_prefix("WHERE (") {
        let close = matching_paren(r)?;
        if !r[close + 1..].trim().is_empty() {
            return None;
        }
        predicate = Some(r[..close].to_string());
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    Some(ExclusionDef {
        method,
        elems,
        include,
        predicate,
        deferrable: deferrable || initially_deferred,
        initially_deferred,
    })
}

/// One storage parameter as `pg_get_indexdef` prints it: `name=value`, the value bare or a
/// string literal; the value as stored.
fn reloption(option: &str) -> Option<(String, String)> {
    let (name, value) = leading_ident(option.trim())?;
    let value = value.strip_prefix('=')?;
    let value = match value.strip_prefix('\'') {
        Some(v) => v.strip_suffix('\'')?.replace("''", "'"),
        None => value.to_string(),
    };
    Some((name, value))
}

/// A leading `INCLUDE (a, b)` of `text`: its columns (none without one) and what follows.
fn include_clause(text: &str) -> Option<(Vec<String>, &str)> {
    match text.strip_prefix("INCLUDE (") {
        Some(r) => {
            let close = matching_paren(r)?;
            Some((ident_list(&r[..close])?, r[close + 1..].trim_start()))
        }
        None => Some((Vec::new(), text)),
    }
}

/// The offset of the `)` that closes a list whose `(` was just before `text`.
fn matching_paren(text: &str) -> Option<usize> {
    let tokens = crate::sql::lexer::tokenize(text).ok()?;
    let mut depth = 0i32;
    for t in tokens {
        match t.kind {
            crate::sql::lexer::Kind::Punct(b'(') => depth += 1,
            crate::sql::lexer::Kind::Punct(b')') => {
                if depth == 0 {
                    return Some(t.start);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// A parsed `pg_get_triggerdef`.
#[derive(Debug, Clone)]
struct TriggerDef {
    when: &'static str,
    events: Vec<String>,
    update_of: Vec<String>,
    row: bool,
    condition: Option<String>,
    function: (Option<String>, String),
    args: Vec<String>,
}

fn parse_trigger(def: &str) -> Option<TriggerDef> {
    let rest = def.strip_prefix("CREATE TRIGGER ")?;
    let (_, rest) = leading_ident(rest)?;
    let rest = rest.trim_start();
    let (when, rest) = [
        ("BEFORE ", "before"),
        ("AFTER ", "after"),
        ("INSTEAD OF ", "instead_of"),
    ]
    .into_iter()
    .find_map(|(p, w)| rest.strip_prefix(p).map(|r| (w, r)))?;
    let mut events = Vec::new();
    let mut update_of = Vec::new();
    let mut rest = rest;
    loop {
        let (e, r) = ["INSERT", "UPDATE", "DELETE", "TRUNCATE"]
            .into_iter()
            .find_map(|e| rest.strip_prefix(e).map(|r| (e, r)))?;
        rest = r;
        // `UPDATE OF a, b`: quoted names may hold anything, so they are read one by one.
        if let Some(mut r) = rest.strip_prefix(" OF ").filter(|_| e == "UPDATE") {
            loop {
                let (column, after) = leading_ident(r)?;
                update_of.push(column);
                r = after;
                match r.strip_prefix(", ") {
                    Some(next) => r = next,
                    None => break,
                }
            }
            rest = r;
        }
        events.push(e.to_ascii_lowercase());
        match rest.strip_prefix(" OR ") {
            Some(r) => rest = r,
            None => break,
        }
    }
    let (_, rest) = leading_qualified(rest.strip_prefix(" ON ")?)?;
    let rest = rest.trim_start();
    let (row, rest) = if let Some(r) = rest.strip_prefix("FOR EACH ROW ") {
        (true, r)
    } else {
        (false, rest.strip_prefix("FOR EACH STATEMENT ")?)
    };
    let (condition, rest) = match rest.strip_prefix("WHEN (") {
        Some(r) => {
            let close = matching_paren(r)?;
            (
                Some(strip_outer_parens(&r[..close]).to_string()),
                r[close + 1..].trim_start(),
            )
        }
        None => (None, rest),
    };
    let rest = rest.strip_prefix("EXECUTE FUNCTION ")?;
    let (function, rest) = leading_qualified(rest)?;
    let rest = rest.strip_prefix('(')?;
    let close = matching_paren(rest)?;
    if !rest[close + 1..].trim().is_empty() {
        return None;
    }
    let mut args = Vec::new();
    for a in split_top(&rest[..close], b',') {
        if a.is_empty() {
            continue;
        }
        args.push(unquote_literal(&a)?);
    }
    Some(TriggerDef {
        when,
        events,
        update_of,
        row,
        condition,
        function,
        args,
    })
}

/// The text of a plain `'…'` literal.
fn unquote_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let text = inner.replace("''", "'");
    (!text.contains('\\') || !s.starts_with('E')).then_some(text)
}

/// The privileges of a GRANT as the format names them: `all` for all seven of a table's,
/// or all three of a sequence's (`sequence`); a column's are never `all`.
fn privilege_names(privs: &BTreeSet<String>, sequence: bool, column: bool) -> Vec<String> {
    const TABLE: [&str; 7] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
    ];
    const SEQUENCE: [&str; 3] = ["USAGE", "SELECT", "UPDATE"];
    let all: &[&str] = if sequence { &SEQUENCE } else { &TABLE };
    if !column && all.iter().all(|p| privs.contains(*p)) {
        return vec!["all".into()];
    }
    all.iter()
        .filter(|p| privs.contains(**p))
        .map(|p| p.to_lowercase())
        .collect()
}

/// One `grants:` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GrantEntry {
    /// A table, view or sequence.
    pub on: Name,
    /// Column privileges: the columns (empty: the whole relation).
    pub columns: Vec<String>,
    pub privileges: Vec<String>,
    pub to: Vec<String>,
    pub with_grant_option: bool,
    /// On a function (`function:`): its identity arguments.
    pub function_args: Option<String>,
}

/// Every grant of the catalog: on tables and views, on sequences and on columns.
pub fn explicit_grants(cat: &Catalog) -> Vec<GrantEntry> {
    let mut per: BTreeMap<(Name, String), BTreeSet<String>> = BTreeMap::new();
    for (s, n, g, p) in &cat.grants {
        per.entry(((s.clone(), n.clone()), g.clone()))
            .or_default()
            .insert(p.clone());
    }
    let mut out = group_grants(cat, per);
    out.extend(sequence_grants(cat, &|_| true));
    out.extend(column_grants(cat));
    out
}

/// Whether `cat` holds `privilege` on the relation or sequence `rel` (a column of it, when
/// not empty) WITH GRANT OPTION.
fn grantable(cat: &Catalog, rel: &Name, column: &str, role: &str, privilege: &str) -> bool {
    cat.grant_options.contains(&(
        rel.0.clone(),
        rel.1.clone(),
        column.to_string(),
        role.to_string(),
        privilege.to_string(),
    ))
}

/// (relation or sequence, role) → privileges, as entries grouping the roles that hold the
/// same ones; those held WITH GRANT OPTION make entries of their own.
pub fn group_grants(
    cat: &Catalog,
    per: BTreeMap<(Name, String), BTreeSet<String>>,
) -> Vec<GrantEntry> {
    let mut grouped: BTreeMap<(Name, Vec<String>, bool), Vec<String>> = BTreeMap::new();
    for ((rel, role), privs) in per {
        let sequence = cat.sequence_grants.contains_key(&rel);
        let (with, plain): (BTreeSet<String>, BTreeSet<String>) = privs
            .into_iter()
            .partition(|p| grantable(cat, &rel, "", &role, p));
        for (set, option) in [(plain, false), (with, true)] {
            if set.is_empty() {
                continue;
            }
            grouped
                .entry((rel.clone(), privilege_names(&set, sequence, false), option))
                .or_default()
                .push(role.clone());
        }
    }
    grouped
        .into_iter()
        .map(|((on, privileges, with_grant_option), to)| GrantEntry {
            on,
            columns: Vec::new(),
            privileges,
            to,
            with_grant_option,
            function_args: None,
        })
        .collect()
}

/// The sequence privileges of the roles `keep` accepts, as entries.
pub fn sequence_grants(cat: &Catalog, keep: &dyn Fn(&str) -> bool) -> Vec<GrantEntry> {
    let mut per: BTreeMap<(Name, String), BTreeSet<String>> = BTreeMap::new();
    for (seq, privs) in &cat.sequence_grants {
        for (g, p) in privs.iter().filter(|(g, _)| keep(g)) {
            per.entry((seq.clone(), g.clone()))
                .or_default()
                .insert(p.clone());
        }
    }
    group_grants(cat, per)
}

/// EXECUTE on the functions `keep_function` accepts, of the roles `keep` accepts, as
/// entries (one per function and grant option).
pub fn function_grants(
    cat: &Catalog,
    keep_function: &dyn Fn(&FnKey) -> bool,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<GrantEntry> {
    let mut grouped: BTreeMap<(FnKey, bool), Vec<String>> = BTreeMap::new();
    for (key, privs) in cat.function_grants.iter().filter(|(k, _)| keep_function(k)) {
        let name = (key.0.clone(), format!("{}({})", key.1, key.2));
        for (g, p) in privs.iter().filter(|(g, p)| keep(g) && p == "EXECUTE") {
            let option = grantable(cat, &name, "", g, p);
            grouped
                .entry((key.clone(), option))
                .or_default()
                .push(g.clone());
        }
    }
    grouped
        .into_iter()
        .map(|(((s, n, args), option), to)| GrantEntry {
            on: (s, n),
            columns: Vec::new(),
            privileges: vec!["execute".into()],
            to,
            with_grant_option: option,
            function_args: Some(args),
        })
        .collect()
}

/// The column privileges of the catalog, as entries: the columns that share privileges,
/// grant option and role make one, the roles that share all of that one entry.
pub fn column_grants(cat: &Catalog) -> Vec<GrantEntry> {
    // (relation, role, grant option, privilege) → columns.
    let mut cols: BTreeMap<(Name, String, bool, String), Vec<String>> = BTreeMap::new();
    for (s, n, c, g, p) in &cat.column_grants {
        let rel = (s.clone(), n.clone());
        let option = grantable(cat, &rel, c, g, p);
        cols.entry((rel, g.clone(), option, p.clone()))
            .or_default()
            .push(c.clone());
    }
    // (relation, role, grant option, columns) → privileges.
    let mut privs: BTreeMap<(Name, String, bool, Vec<String>), BTreeSet<String>> = BTreeMap::new();
    for ((rel, g, option, p), mut c) in cols {
        c.sort();
        privs.entry((rel, g, option, c)).or_default().insert(p);
    }
    // (relation, columns, privileges, grant option) → roles.
    type Entry = (Name, Vec<String>, Vec<String>, bool);
    let mut grouped: BTreeMap<Entry, Vec<String>> = BTreeMap::new();
    for ((rel, g, option, c), p) in privs {
        grouped
            .entry((rel, c, privilege_names(&p, false, true), option))
            .or_default()
            .push(g);
    }
    grouped
        .into_iter()
        .map(
            |((on, columns, privileges, with_grant_option), to)| GrantEntry {
                on,
                columns,
                privileges,
                to,
                with_grant_option,
                function_args: None,
            },
        )
        .collect()
}

/// A built-in policy template and its parameters.
type TemplateUse = (&'static str, Vec<(&'static str, String)>);

/// The built-in template `p` is an instance of, if any: its command, roles and conditions
/// are what the template renders, as far as [`crate::predict::equiv`] can tell.
fn match_template(
    src: &Source,
    table: &Name,
    t: &Table,
    p: &Policy,
    is_storage_objects: bool,
) -> Option<TemplateUse> {
    use crate::predict::equiv::equivalent;
    let roles: Vec<&str> = p.roles.iter().map(String::as_str).collect();
    if !p.permissive {
        return None;
    }
    let eq = |a: &Option<String>, b: Option<&str>| match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => equivalent(y, x),
        _ => false,
    };
    if is_storage_objects {
        for bucket in src.cat.buckets.keys() {
            let lit = crate::sql::quote::quote_literal(bucket);
            let read = format!("bucket_id = {lit}");
            if p.command == "r"
                && roles == ["anon", "authenticated"]
                && eq(&p.using, Some(&read))
                && p.with_check.is_none()
            {
                return Some(("bucket_public_read", vec![("bucket", bucket.clone())]));
            }
            let own = format!(
                "bucket_id = {lit} AND (storage.foldername(name))[1] = (SELECT auth.uid())::text"
            );
            if p.command == "*"
                && roles == ["authenticated"]
                && eq(&p.using, Some(&own))
                && eq(&p.with_check, Some(&own))
            {
                return Some(("bucket_owner_folder", vec![("bucket", bucket.clone())]));
            }
        }
        return None;
    }
    match (p.command.as_str(), roles.as_slice()) {
        ("r", ["anon", "authenticated"])
            if eq(&p.using, Some("true")) && p.with_check.is_none() =>
        {
            return Some(("public_read", vec![]))
        }
        ("r", ["authenticated"]) if eq(&p.using, Some("true")) && p.with_check.is_none() => {
            return Some(("authenticated_read", vec![]))
        }
        ("*", ["service_role"])
            if eq(&p.using, Some("true")) && eq(&p.with_check, Some("true")) =>
        {
            return Some(("service_role", vec![]))
        }
        ("*", ["authenticated"]) if p.with_check.is_none() => {}
        _ => return None,
    }
    // owner: a uuid column equal to the caller's id.
    for c in &t.columns {
        if c.ty == "uuid"
            && eq(
                &p.using,
                Some(&format!("{} = (SELECT auth.uid())", quote_ident(&c.name))),
            )
        {
            let params = if c.name == "user_id" {
                vec![]
            } else {
                vec![("column", c.name.clone())]
            };
            return Some(("owner", params));
        }
    }
    // admin: a boolean function of the project.
    for ((s, n, args), f) in &src.functions {
        if f.result != "boolean" {
            continue;
        }
        let fname = format!("{}.{}", quote_ident(s), quote_ident(n));
        for (pass_uid, text) in [
            (true, format!("(SELECT {fname}((SELECT auth.uid())))")),
            (false, format!("(SELECT {fname}())")),
        ] {
            if pass_uid == args.is_empty() {
                continue;
            }
            if eq(&p.using, Some(&text)) {
                let mut params = Vec::new();
                if !(s == "public" && n == "is_admin") {
                    params.push(("function", yaml_name(s, n)));
                }
                if !pass_uid {
                    params.push(("pass_uid", "false".to_string()));
                }
                return Some(("admin", params));
            }
        }
    }
    // tenant_member with its default membership table.
    for c in &t.columns {
        let text = format!(
            "EXISTS (SELECT 1 FROM public.tenant_members m WHERE m.tenant_id = {}.{} AND m.user_id = (SELECT auth.uid()))",
            quote_ident(&table.1),
            quote_ident(&c.name)
        );
        if eq(&p.using, Some(&text)) {
            let params = if c.name == "tenant_id" {
                vec![]
            } else {
                vec![("column", c.name.clone())]
            };
            return Some(("tenant_member", params));
        }
    }
    None
}

/// Builds the project.
pub struct Builder<'a> {
    src: &'a Source,
    choices: &'a Choices,
    out: Project,
    /// Sequences a `serial` column stands for (not reported).
    serial_sequences: BTreeSet<Name>,
    /// The functions written (grants on the others are left out with them).
    written_functions: BTreeSet<FnKey>,
    /// The object (column, constraint, index, trigger, policy) whose expressions are being
    /// written: the round trip names what did not come back by it.
    object: String,
    /// The comment of the constraint being written, taken by whichever form writes it.
    constraint_comment: Option<String>,
}

impl<'a> Builder<'a> {
    pub fn new(src: &'a Source, choices: &'a Choices) -> Self {
        Builder {
            src,
            choices,
            out: Project::default(),
            serial_sequences: BTreeSet::new(),
            written_functions: BTreeSet::new(),
            object: String::new(),
            constraint_comment: None,
        }
    }

    fn unrepresentable(&mut self, kind: &str, name: String, definition: String, note: &str) {
        self.out.unrepresentable.push(Unrepresentable {
            kind: kind.to_string(),
            name,
            definition,
            note: note.to_string(),
        });
    }

    /// A default, condition or expression: short when allowed and equivalent.
    fn expr(&mut self, owner: &Name, text: &str) -> String {
        let object = (owner.0.clone(), format!("{}\u{0}{}", owner.1, self.object));
        if self.choices.longhand.contains(owner) || self.choices.longhand.contains(&object) {
            return super::expr::readable(text);
        }
        let short = shorten(text);
        if short != strip_outer_parens(text) {
            self.out.shortened += 1;
        }
        short
    }

    /// A default as a YAML node: integers and booleans bare, anything else a string.
    fn default_node(&mut self, owner: &Name, text: &str) -> Node {
        let short = self.expr(owner, text);
        let is_int = short == "0"
            || (short.len() < 16
                && short
                    .trim_start_matches('-')
                    .starts_with(|c: char| c.is_ascii_digit() && c != '0')
                && short
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && short.starts_with(|c: char| c.is_ascii_digit()));
        if is_int || short == "true" || short == "false" {
            Node::Raw(short)
        } else {
            Node::Str(short)
        }
    }

    pub fn build(mut self) -> Project {
        let src = self.src;
        let cat = &src.cat;
        let mut files: BTreeMap<String, Vec<(String, Node)>> = BTreeMap::new();

        // Extensions.
        if !cat.extensions.is_empty() {
            files.insert(
                "extensions.yaml".into(),
                vec![(
                    "extensions".into(),
                    Node::Seq(cat.extensions.keys().map(Node::str).collect()),
                )],
            );
        }
        // Enums: the labels, or the labels with a comment or an owner.
        if !cat.enums.is_empty() {
            let entries = cat
                .enums
                .iter()
                .map(|(key @ (s, n), labels)| {
                    let labels = Node::list(labels.iter().cloned());
                    let mut m = Vec::new();
                    push_comment(&mut m, &cat.enum_comments.get(key).cloned());
                    if let Some(o) = self.owner("enum", s, n) {
                        m.push(("owner".into(), Node::str(o)));
                    }
                    let node = if m.is_empty() {
                        labels
                    } else {
                        m.insert(0, ("values".into(), labels));
                        Node::Map(m)
                    };
                    (yaml_name(s, n), node)
                })
                .collect();
            files.insert(
                "enums.yaml".into(),
                vec![("enums".into(), Node::Map(entries))],
            );
        }
        // Functions.
        let functions = self.functions();
        if !functions.is_empty() {
            files.insert(
                "functions.yaml".into(),
                vec![("functions".into(), Node::Map(functions))],
            );
        }
        // Tables, in files.
        for (path, names) in table_files(cat) {
            let mut entries = Vec::new();
            for name in names {
                if let Some(t) = cat.tables.get(&name) {
                    let node = self.table(&name, t);
                    entries.push((yaml_name(&name.0, &name.1), node));
                }
            }
            files.insert(path, vec![("tables".into(), Node::Map(entries))]);
        }
        // Views.
        let views = self.views();
        if !views.is_empty() {
            files.insert(
                "views.yaml".into(),
                vec![("views".into(), Node::Map(views))],
            );
        }
        // Grants.
        let grants: Vec<Node> = {
            self.choices
                .privileges
                .grants
                .iter()
                .filter(|g| {
                    g.function_args.as_ref().is_none_or(|a| {
                        self.written_functions.contains(&(
                            g.on.0.clone(),
                            g.on.1.clone(),
                            a.clone(),
                        ))
                    })
                })
                .map(|g| {
                    let key = if g.function_args.is_some() {
                        "function"
                    } else {
                        "on"
                    };
                    let mut m = vec![(key.into(), Node::str(yaml_name(&g.on.0, &g.on.1)))];
                    if !g.columns.is_empty() {
                        m.push(("columns".into(), Node::list(g.columns.iter().cloned())));
                    }
                    m.push((
                        "privileges".into(),
                        Node::list(g.privileges.iter().cloned()),
                    ));
                    m.push(("to".into(), Node::list(g.to.iter().cloned())));
                    if g.with_grant_option {
                        m.push(("with_grant_option".into(), Node::Raw("true".into())));
                    }
                    Node::FlowMap(m)
                })
                .collect()
        };
        if !grants.is_empty() {
            files.insert(
                "grants.yaml".into(),
                vec![("grants".into(), Node::Seq(grants))],
            );
        }
        // Supabase objects and privileges on schemas.
        let platform = self.platform();
        if !platform.is_empty() {
            files.insert("supabase.yaml".into(), platform);
        }
        let kinds = self.other_kinds();
        if !kinds.is_empty() {
            files.insert("kinds.yaml".into(), kinds);
        }

        let config = self.config();
        let mut out = self.out;
        out.files.insert(
            "schemac.yaml".into(),
            document(
                &["Imported by `schemac import`: see the import report for what it found."],
                &config,
            ),
        );
        for (path, entries) in files {
            out.files.insert(path, document(&[], &entries));
        }
        out.unrepresentable.sort();
        out.unrepresentable.dedup();
        out
    }

    /// `schemac.yaml`.
    fn config(&self) -> Vec<(String, Node)> {
        let src = self.src;
        let mut names: Vec<&str> = Vec::new();
        for ((_, n), t) in &src.cat.tables {
            names.push(n);
            names.extend(t.columns.iter().map(|c| c.name.as_str()));
        }
        // The convention most names follow; check then names the others (SC202).
        let snake = names
            .iter()
            .filter(|n| crate::model::names::is_snake_case(n))
            .count();
        let camel = names
            .iter()
            .filter(|n| crate::model::names::is_camel_case(n))
            .count();
        let naming = if camel > snake {
            "camelCase"
        } else if snake == names.len() || snake >= camel && snake * 2 >= names.len() {
            "snake_case"
        } else {
            "any"
        };
        let mut entries = vec![
            ("schemac".to_string(), Node::Raw("1".into())),
            ("naming".into(), Node::str(naming)),
            // The first schema is where unqualified names resolve, and names are written
            // unqualified in `public` (see [`yaml_name`]): `public` comes first.
            (
                "schemas".into(),
                Node::list(
                    src.schemas
                        .iter()
                        .filter(|s| *s == "public")
                        .chain(src.schemas.iter().filter(|s| *s != "public"))
                        .cloned(),
                ),
            ),
            (
                "target".into(),
                Node::str(if src.supabase { "supabase" } else { "postgres" }),
            ),
            (
                "output".into(),
                Node::str("supabase/migrations/99999999999999_master_consolidated_schema.sql"),
            ),
        ];
        let mut external = Vec::new();
        let ext_tables: Vec<String> = src
            .external_tables
            .iter()
            .filter(|(s, n)| {
                !(src.supabase && PLATFORM_TABLES.contains(&(s.as_str(), n.as_str())))
                    || (s == "auth" && n == "users")
            })
            .map(|(s, n)| yaml_name(s, n))
            .collect();
        if !ext_tables.is_empty() {
            external.push(("tables".to_string(), Node::list(ext_tables)));
        }
        if src.supabase {
            external.push((
                "functions".into(),
                Node::list(["auth.uid()", "auth.jwt()", "auth.role()"]),
            ));
        }
        let roles = self.roles();
        if !roles.is_empty() {
            external.push(("roles".into(), Node::list(roles)));
        }
        if !external.is_empty() {
            entries.push(("external".into(), Node::Map(external)));
        }
        if let Some(api) = &self.choices.privileges.api_roles {
            entries.push(("api_roles".into(), Node::list(api.iter().cloned())));
        }
        entries
    }

    /// The owner of an object (`noun` and name as [`Catalog::owners`] keys them) when it is
    /// not the role that imports: the project then says `owner:`.
    fn owner(&self, noun: &str, schema: &str, name: &str) -> Option<String> {
        let cat = &self.src.cat;
        cat.owners
            .get(&(noun.to_string(), schema.to_string(), name.to_string()))
            .filter(|o| **o != cat.reader)
            .cloned()
    }

    /// Every role the project names: the API roles on Supabase, and the roles of policies,
    /// grants and owners. They belong to the server, so the project lists them as external.
    fn roles(&self) -> Vec<String> {
        let cat = &self.src.cat;
        let mut roles: BTreeSet<String> = BTreeSet::new();
        roles.extend(
            cat.owners
                .iter()
                .filter(|(_, o)| **o != cat.reader)
                .map(|(_, o)| o.clone()),
        );
        if self.src.supabase {
            roles.extend(API_ROLES.iter().map(|r| r.to_string()));
        }
        for t in cat.tables.values().chain(cat.external.values()) {
            for p in t.policies.values() {
                roles.extend(p.roles.iter().cloned());
            }
        }
        for (_, _, g, _) in &cat.grants {
            roles.insert(g.clone());
        }
        for (_, _, _, g, _) in &cat.column_grants {
            roles.insert(g.clone());
        }
        for privs in cat.sequence_grants.values() {
            roles.extend(privs.iter().map(|(g, _)| g.clone()));
        }
        for (_, g, _) in &cat.schema_grants {
            roles.insert(g.clone());
        }
        for (_, _, g, _) in &cat.default_privileges {
            roles.insert(g.clone());
        }
        for privs in cat.function_grants.values() {
            roles.extend(privs.iter().map(|(g, _)| g.clone()));
        }
        roles.remove("public");
        roles.into_iter().collect()
    }

    fn table(&mut self, name: &Name, t: &Table) -> Node {
        let src = self.src;
        let tname = &name.1;
        let qname = format!("{}.{}", name.0, name.1);
        let mut col_pk: Option<String> = None;
        let mut table_pk: Option<NamedKey> = None;
        let mut col_unique: BTreeSet<String> = BTreeSet::new();
        let mut uniques: Vec<NamedKey> = Vec::new();
        let mut col_checks: BTreeMap<String, String> = BTreeMap::new();
        let mut checks: Vec<CheckEntry> = Vec::new();
        let mut col_fk: BTreeMap<String, ForeignKey> = BTreeMap::new();
        let mut fks: Vec<(Option<String>, ForeignKey, Option<String>)> = Vec::new();
        let mut excludes: Vec<Node> = Vec::new();
        for (cname, c) in &t.constraints {
            self.object = cname.clone();
            // Written with the constraint, which then takes its table-level form.
            self.constraint_comment = t.constraint_comments.get(cname).cloned();
            if c.kind == crate::catalog::ConstraintKind::Exclusion {
                match parse_exclusion(&c.definition) {
                    Some(x) => excludes.push(self.exclusion(name, cname, x)),
                    None => self.unrepresentable(
                        "exclusion constraint",
                        format!("{qname}.{cname}"),
                        c.definition.clone(),
                        "left out: the format has no key for its options",
                    ),
                }
                continue;
            }
            self.constraint(
                name,
                t,
                cname,
                c,
                &mut col_pk,
                &mut table_pk,
                &mut col_unique,
                &mut uniques,
                &mut col_checks,
                &mut checks,
                &mut col_fk,
                &mut fks,
            );
        }
        let mut entries: Vec<(String, Node)> = Vec::new();
        push_comment(&mut entries, &t.comment);
        if let Some(o) = self.owner("table", &name.0, &name.1) {
            entries.push(("owner".into(), Node::str(o)));
        }
        if t.unlogged {
            entries.push(("unlogged".into(), Node::bool(true)));
        }
        // A partition's columns are its parent's: it has none of its own to write.
        if let Some(p) = &t.partition_of {
            entries.push((
                "partition_of".into(),
                Node::str(yaml_name(&p.parent.0, &p.parent.1)),
            ));
            let bound = if p.bound == "DEFAULT" {
                "default".to_string()
            } else {
                p.bound.clone()
            };
            entries.push(("bounds".into(), Node::str(bound)));
        }
        // An inheritance child: its parents, and (below) its own columns only.
        if !t.inherits.is_empty() {
            entries.push((
                "inherits".into(),
                Node::FlowSeq(
                    t.inherits
                        .iter()
                        .map(|(s, n)| Node::str(yaml_name(s, n)))
                        .collect(),
                ),
            ));
        }
        let mut columns = Vec::new();
        for c in &t.columns {
            self.object = c.name.clone();
            let node = self.column(
                name,
                c,
                col_pk.as_deref() == Some(c.name.as_str()),
                col_unique.contains(&c.name),
                col_checks.get(&c.name),
                col_fk.get(&c.name),
            );
            columns.push((c.name.clone(), node));
        }
        if t.partition_of.is_none() || !columns.is_empty() {
            entries.push(("columns".into(), Node::Map(columns)));
        }
        if let Some(k) = &t.partition_by {
            entries.push(("partition_by".into(), Node::str(k.clone())));
        }
        if let Some(pk) = table_pk {
            entries.push(("primary_key".into(), key_node(pk)));
        }
        if !uniques.is_empty() {
            entries.push((
                "unique".into(),
                Node::FlowSeq(uniques.into_iter().map(key_node).collect()),
            ));
        }
        if !checks.is_empty() {
            entries.push((
                "checks".into(),
                Node::Map(
                    checks
                        .into_iter()
                        .map(|(n, e, no_inherit, not_valid, comment)| {
                            let node = if no_inherit || not_valid || comment.is_some() {
                                let mut m = vec![("check".into(), Node::Str(e))];
                                if no_inherit {
                                    m.push(("no_inherit".into(), Node::bool(true)));
                                }
                                if not_valid {
                                    m.push(("not_valid".into(), Node::bool(true)));
                                }
                                push_comment(&mut m, &comment);
                                Node::FlowMap(m)
                            } else {
                                Node::Str(e)
                            };
                            (n, node)
                        })
                        .collect(),
                ),
            ));
        }
        if !fks.is_empty() {
            let items = fks
                .into_iter()
                .map(|(n, fk, comment)| {
                    let mut m = vec![
                        (
                            "columns".to_string(),
                            Node::list(fk.columns.iter().cloned()),
                        ),
                        (
                            "references".into(),
                            Node::str(reference(&fk.table, &fk.ref_columns)),
                        ),
                    ];
                    if let Some(a) = fk.on_delete {
                        m.push(("on_delete".into(), Node::str(a)));
                    }
                    if let Some(a) = fk.on_update {
                        m.push(("on_update".into(), Node::str(a)));
                    }
                    if fk.match_full {
                        m.push(("match".into(), Node::str("full")));
                    }
                    m.extend(deferrable_nodes(
                        fk.options.deferrable,
                        fk.options.initially_deferred,
                    ));
                    if fk.not_valid {
                        m.push(("not_valid".into(), Node::bool(true)));
                    }
                    if let Some(n) = n {
                        m.push(("name".into(), Node::str(n)));
                    }
                    push_comment(&mut m, &comment);
                    Node::FlowMap(m)
                })
                .collect();
            entries.push(("foreign_keys".into(), Node::Seq(items)));
        }
        if !excludes.is_empty() {
            entries.push(("excludes".into(), Node::Seq(excludes)));
        }
        self.constraint_comment = None;
        let mut indexes = Vec::new();
        for (iname, def) in &t.indexes {
            self.object = iname.clone();
            match parse_index(def) {
                Some(ix) if ix.method.chars().all(|c| c.is_ascii_lowercase()) => {
                    let comment = t.index_comments.get(iname).cloned();
                    indexes.push(self.index(name, iname, ix, &comment));
                }
                _ => self.unrepresentable(
                    "index",
                    format!("{qname}.{iname}"),
                    def.clone(),
                    "left out: the format has no key for this index's options",
                ),
            }
        }
        if !indexes.is_empty() {
            entries.push(("indexes".into(), Node::Seq(indexes)));
        }
        let triggers = self.triggers(name, t);
        if !triggers.is_empty() {
            entries.push(("triggers".into(), Node::Map(triggers)));
        }
        match (t.rls_enabled, t.rls_forced) {
            (false, false) => {}
            (true, false) => entries.push(("rls".into(), Node::bool(true))),
            (enable, true) => entries.push((
                "rls".into(),
                Node::FlowMap(vec![
                    ("enable".into(), Node::bool(enable)),
                    ("force".into(), Node::bool(true)),
                ]),
            )),
        }
        if t.rls_enabled {
            let policies = self.policies(name, t, false);
            if !policies.is_empty() {
                entries.push(("policies".into(), Node::Map(policies)));
            }
        } else {
            // The format refuses policies PostgreSQL ignores (SC503).
            for (pname, p) in &t.policies {
                self.unrepresentable(
                    "policy on a table without row-level security",
                    format!("{qname}.{pname}"),
                    crate::diff::policy_sql(&name.0, &name.1, pname, p),
                    "left out: PostgreSQL ignores it while row-level security is off, and the format refuses it (SC503)",
                );
            }
        }
        if src
            .cat
            .publications
            .get("supabase_realtime")
            .is_some_and(|p| p.tables.contains(name))
            && src.supabase
        {
            entries.push(("realtime".into(), Node::bool(true)));
        }
        if let Some(roles) = self.choices.privileges.table_api_roles.get(name) {
            if roles.is_empty() {
                entries.push(("api".into(), Node::bool(false)));
            } else {
                entries.push(("api_roles".into(), Node::list(roles.iter().cloned())));
            }
        }
        let _ = tname;
        Node::Map(entries)
    }

    #[allow(clippy::too_many_arguments)]
    fn constraint(
        &mut self,
        name: &Name,
        t: &Table,
        cname: &str,
        c: &Constraint,
        col_pk: &mut Option<String>,
        table_pk: &mut Option<NamedKey>,
        col_unique: &mut BTreeSet<String>,
        uniques: &mut Vec<NamedKey>,
        col_checks: &mut BTreeMap<String, String>,
        checks: &mut Vec<CheckEntry>,
        col_fk: &mut BTreeMap<String, ForeignKey>,
        fks: &mut Vec<(Option<String>, ForeignKey, Option<String>)>,
    ) {
        // A constraint with a comment takes its table-level form, which can carry it.
        let comment = self.constraint_comment.take();
        let tname = &name.1;
        let full = format!("{}.{}.{cname}", name.0, name.1);
        let def = &c.definition;
        match c.kind {
            crate::catalog::ConstraintKind::PrimaryKey => {
                let (def, options) = key_options(def);
                let Some(cols) = def
                    .strip_prefix("PRIMARY KEY (")
                    .and_then(|r| r.strip_suffix(')'))
                    .and_then(ident_list)
                else {
                    return self.unrepresentable("primary key", full, def.to_string(), "left out");
                };
                // A name of its own is written beside the columns, in the table's list.
                let own =
                    (cname != make_object_name(tname, None, "pkey")).then(|| cname.to_string());
                // On a column of its own (an inheritance child's inherited column is not).
                if cols.len() == 1
                    && own.is_none()
                    && options == KeyOptions::default()
                    && comment.is_none()
                    && t.column(&cols[0]).is_some()
                {
                    *col_pk = cols.into_iter().next();
                } else {
                    *table_pk = Some((own, cols, options, comment));
                }
            }
            crate::catalog::ConstraintKind::Unique => {
                let (rest, mut options) = key_options(def);
                let rest = match rest.strip_prefix("UNIQUE NULLS NOT DISTINCT (") {
                    Some(r) => {
                        options.nulls_not_distinct = true;
                        Some(r)
                    }
                    None => rest.strip_prefix("UNIQUE ("),
                };
                let Some(cols) = rest.and_then(|r| r.strip_suffix(')')).and_then(ident_list) else {
                    return self.unrepresentable(
                        "unique constraint",
                        full,
                        def.clone(),
                        "left out: the format has no key for its options",
                    );
                };
                let own = (cname != make_object_name(tname, Some(&cols.join("_")), "key"))
                    .then(|| cname.to_string());
                if cols.len() == 1
                    && own.is_none()
                    && options == KeyOptions::default()
                    && comment.is_none()
                    && !col_unique.contains(&cols[0])
                    && t.column(&cols[0]).is_some()
                {
                    col_unique.insert(cols[0].clone());
                } else {
                    uniques.push((own, cols, options, comment));
                }
            }
            crate::catalog::ConstraintKind::Check => {
                let (rest, not_valid) = match def.strip_suffix(" NOT VALID") {
                    Some(r) => (r, true),
                    None => (def.as_str(), false),
                };
                let (rest, no_inherit) = match rest.strip_suffix(" NO INHERIT") {
                    Some(r) => (r, true),
                    None => (rest, false),
                };
                let Some(inner) = rest
                    .strip_prefix("CHECK (")
                    .and_then(|r| r.strip_suffix(')'))
                else {
                    return self.unrepresentable(
                        "check constraint",
                        full,
                        def.clone(),
                        "left out: not a CHECK (…) definition",
                    );
                };
                let expr = self.expr(name, inner);
                let column = t
                    .columns
                    .iter()
                    .find(|col| make_object_name(tname, Some(&col.name), "check") == cname)
                    .map(|col| col.name.clone());
                match column {
                    Some(col)
                        if !no_inherit
                            && !not_valid
                            && comment.is_none()
                            && !col_checks.contains_key(&col) =>
                    {
                        col_checks.insert(col, expr);
                    }
                    _ => checks.push((cname.to_string(), expr, no_inherit, not_valid, comment)),
                }
            }
            crate::catalog::ConstraintKind::ForeignKey => {
                let Some(fk) = parse_fk(def) else {
                    return self.unrepresentable(
                        "foreign key",
                        full,
                        def.clone(),
                        "left out: a column list on its action cannot be declared",
                    );
                };
                let nameable = fk
                    .ref_columns
                    .iter()
                    .all(|c| !c.contains([',', '"', '(', ')']) && c.trim() == c)
                    && !fk.table.1.contains('(');
                if !nameable {
                    return self.unrepresentable(
                        "foreign key",
                        full,
                        def.clone(),
                        "left out: `references:` cannot name a column holding a comma, a quote or a parenthesis, or with spaces around it",
                    );
                }
                let default = make_object_name(tname, Some(&fk.columns.join("_")), "fkey");
                let plain = !fk.match_full && !fk.not_valid && fk.options == KeyOptions::default();
                if fk.columns.len() == 1
                    && cname == default
                    && plain
                    && comment.is_none()
                    && !col_fk.contains_key(&fk.columns[0])
                    && t.column(&fk.columns[0]).is_some()
                {
                    col_fk.insert(fk.columns[0].clone(), fk);
                } else {
                    fks.push(((cname != default).then(|| cname.to_string()), fk, comment));
                }
            }
            _ => self.unrepresentable("constraint", full, def.clone(), "left out"),
        }
    }

    fn column(
        &mut self,
        table: &Name,
        c: &Column,
        pk: bool,
        unique: bool,
        check: Option<&String>,
        fk: Option<&ForeignKey>,
    ) -> Node {
        let mut ty = short_type(&c.ty);
        let mut default = c.default.clone();
        if let Some(serial) = self.serial(table, c) {
            ty = serial.to_string();
            default = None;
        }
        let mut m: Vec<(String, Node)> = vec![("type".into(), Node::str(ty.clone()))];
        if let Some(coll) = &c.collation {
            // A collation of pg_catalog is named alone (`C`), one of the imported schemas
            // (declared under `collations:`) as `schema.name`.
            let parts = crate::sql::name::split_dotted(coll).ok();
            match (
                leading_ident(coll).filter(|(_, rest)| rest.is_empty()),
                parts.as_deref(),
            ) {
                (Some((name, _)), _) => m.push(("collation".into(), Node::str(name))),
                (None, Some([s, n])) if self.src.schemas.contains(s) => m.push((
                    "collation".into(),
                    Node::str(format!("{}.{}", name_part(s), name_part(n))),
                )),
                _ => self.unrepresentable(
                    "column collation",
                    format!("{}.{}.{}", table.0, table.1, c.name),
                    format!("COLLATE {coll}"),
                    "left out: `collation:` names a collation of pg_catalog or the search path",
                ),
            }
        }
        let implied_not_null = pk || !c.identity.is_empty();
        if c.not_null && !implied_not_null && !ty.ends_with("serial") {
            m.push(("nullable".into(), Node::bool(false)));
        }
        if pk {
            m.push(("primary_key".into(), Node::bool(true)));
        }
        if unique {
            m.push(("unique".into(), Node::bool(true)));
        }
        if let Some(d) = &default {
            let node = self.default_node(table, d);
            m.push(("default".into(), node));
        }
        let mode = match c.identity.as_str() {
            "a" => Some("always"),
            "d" => Some("by_default"),
            _ => None,
        };
        if let Some(mode) = mode {
            let options = c.identity_options.as_ref().map(options_nodes);
            match options.filter(|o| !o.is_empty()) {
                None => m.push(("identity".into(), Node::str(mode))),
                Some(o) => {
                    let mut full = vec![("generated".to_string(), Node::str(mode))];
                    full.extend(o);
                    m.push(("identity".into(), Node::FlowMap(full)));
                }
            }
        }
        if let Some(g) = &c.generated {
            let e = self.expr(table, g);
            m.push(("generated".into(), Node::Str(e)));
        }
        if let Some(fk) = fk {
            m.push((
                "references".into(),
                Node::str(reference(&fk.table, &fk.ref_columns)),
            ));
            if let Some(a) = fk.on_delete {
                m.push(("on_delete".into(), Node::str(a)));
            }
            if let Some(a) = fk.on_update {
                m.push(("on_update".into(), Node::str(a)));
            }
        }
        if let Some(e) = check {
            m.push(("check".into(), Node::Str(e.clone())));
        }
        if let Some(cm) = &c.comment {
            m.push(("comment".into(), Node::str(cm.clone())));
        }
        if m.len() == 1 && (!c.not_null || ty.ends_with("serial")) {
            Node::str(ty)
        } else {
            Node::FlowMap(m)
        }
    }

    /// `serial`, `bigserial` or `smallserial` when the column is exactly what one makes: a
    /// NOT NULL integer whose default draws from the sequence named after it, owned by it,
    /// with the options CREATE SEQUENCE gives.
    fn serial(&mut self, table: &Name, c: &Column) -> Option<&'static str> {
        let (kind, max) = match c.ty.as_str() {
            "integer" => ("serial", i64::from(i32::MAX)),
            "bigint" => ("bigserial", i64::MAX),
            "smallint" => ("smallserial", i64::from(i16::MAX)),
            _ => return None,
        };
        let seq = make_object_name(&table.1, Some(&c.name), "seq");
        let regclass = if table.0 == "public" {
            quote_ident(&seq)
        } else {
            format!("{}.{}", quote_ident(&table.0), quote_ident(&seq))
        };
        let want = format!(
            "nextval({}::regclass)",
            crate::sql::quote::quote_literal(&regclass)
        );
        if !c.not_null || c.default.as_deref() != Some(want.as_str()) {
            return None;
        }
        let key = (table.0.clone(), seq);
        let s = self.src.cat.kinds.sequences.get(&key)?;
        let owner = format!(
            "{}.{}.{}",
            quote_ident(&table.0),
            quote_ident(&table.1),
            quote_ident(&c.name)
        );
        let plain = s.data_type == c.ty
            && s.start == 1
            && s.increment == 1
            && s.min == 1
            && s.max == max
            && s.cache == 1
            && !s.cycle
            && s.owned_by.as_deref() == Some(owner.as_str())
            && s.comment.is_none();
        if !plain {
            return None;
        }
        self.serial_sequences.insert(key);
        Some(kind)
    }

    fn index(&mut self, table: &Name, iname: &str, ix: IndexDef, comment: &Option<String>) -> Node {
        // Plain column names while they last, then expressions (the model puts columns
        // first, so a column after an expression is written as an expression too).
        let mut columns = Vec::new();
        let mut exprs = Vec::new();
        for e in &ix.elems {
            let plain = leading_ident(e).filter(|(_, rest)| rest.is_empty());
            match plain {
                Some((name, _)) if exprs.is_empty() => columns.push(name),
                _ => exprs.push(e.clone()),
            }
        }
        let mut parts = columns.clone();
        if !exprs.is_empty() {
            parts.push("expr".into());
        }
        let mut m = Vec::new();
        if iname != make_object_name(&table.1, Some(&parts.join("_")), "idx") {
            m.push(("name".to_string(), Node::str(iname)));
        }
        if !columns.is_empty() {
            m.push(("columns".into(), Node::list(columns)));
        }
        if !exprs.is_empty() {
            m.push(("expressions".into(), Node::list(exprs)));
        }
        if ix.method != "btree" {
            m.push(("using".into(), Node::str(ix.method)));
        }
        if ix.unique {
            m.push(("unique".into(), Node::bool(true)));
        }
        if !ix.include.is_empty() {
            m.push(("include".into(), Node::list(ix.include)));
        }
        if ix.nulls_not_distinct {
            m.push(("nulls_not_distinct".into(), Node::bool(true)));
        }
        if !ix.with.is_empty() {
            let with = ix.with.into_iter().map(|(n, v)| (n, Node::scalar_text(v)));
            m.push(("with".into(), Node::FlowMap(with.collect())));
        }
        if let Some(p) = ix.predicate {
            let e = self.expr(table, &p);
            m.push(("where".into(), Node::Str(e)));
        }
        push_comment(&mut m, comment);
        Node::FlowMap(m)
    }

    /// An exclusion constraint as `excludes:` writes it; its name only when it is not the one
    /// PostgreSQL (and the format) gives it.
    fn exclusion(&mut self, table: &Name, cname: &str, x: ExclusionDef) -> Node {
        let columns = x
            .elems
            .iter()
            .map(|e| {
                crate::model::split_with(e)
                    .and_then(|(left, _)| crate::model::elem_column_name(left))
            })
            .chain(x.include.iter().map(|c| Some(c.clone())));
        let default = crate::model::exclusion_name(&table.1, columns);
        let mut m = Vec::new();
        if cname != default {
            m.push(("name".to_string(), Node::str(cname)));
        }
        if x.method != "btree" {
            m.push(("using".into(), Node::str(x.method)));
        }
        m.push(("elements".into(), Node::list(x.elems)));
        if !x.include.is_empty() {
            m.push(("include".into(), Node::list(x.include)));
        }
        if let Some(p) = x.predicate {
            let e = self.expr(table, &p);
            m.push(("where".into(), Node::Str(e)));
        }
        m.extend(deferrable_nodes(x.deferrable, x.initially_deferred));
        push_comment(&mut m, &self.constraint_comment.take());
        Node::FlowMap(m)
    }

    fn triggers(&mut self, table: &Name, t: &Table) -> Vec<(String, Node)> {
        self.trigger_nodes(table, (&t.triggers, &t.trigger_comments), false)
    }

    /// The triggers (`pg_get_triggerdef` by name) and their comments of a table, or of a
    /// view when `on_view`.
    fn trigger_nodes(
        &mut self,
        table: &Name,
        (triggers, comments): (
            &std::collections::BTreeMap<String, String>,
            &std::collections::BTreeMap<String, String>,
        ),
        on_view: bool,
    ) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        for (tname, def) in triggers {
            self.object = tname.clone();
            let Some(tr) = parse_trigger(def) else {
                self.unrepresentable(
                    "trigger",
                    format!("{}.{}.{tname}", table.0, table.1),
                    def.clone(),
                    "left out: REFERENCING and constraint triggers cannot be declared",
                );
                continue;
            };
            if on_view && !tr.update_of.is_empty() {
                self.unrepresentable(
                    "trigger",
                    format!("{}.{}.{tname}", table.0, table.1),
                    def.clone(),
                    "left out: a trigger on a view cannot be declared with UPDATE OF",
                );
                continue;
            }
            let function = match &tr.function {
                (Some(s), n) => yaml_name(s, n),
                (None, n) => yaml_name("public", n),
            };
            let mut m = vec![
                ("when".to_string(), Node::str(tr.when)),
                ("events".into(), Node::list(tr.events)),
            ];
            if !tr.update_of.is_empty() {
                m.push(("update_of".into(), Node::list(tr.update_of)));
            }
            m.extend([
                (
                    "for_each".into(),
                    Node::str(if tr.row { "row" } else { "statement" }),
                ),
                ("function".into(), Node::str(function)),
            ]);
            if !tr.args.is_empty() {
                m.push(("args".into(), Node::list(tr.args)));
            }
            if let Some(c) = tr.condition {
                let e = self.expr(table, &c);
                m.push(("condition".into(), Node::Str(e)));
            }
            push_comment(&mut m, &comments.get(tname).cloned());
            out.push((tname.clone(), Node::FlowMap(m)));
        }
        out
    }

    fn policies(&mut self, table: &Name, t: &Table, external: bool) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        let storage = external && table.0 == "storage" && table.1 == "objects";
        for (pname, p) in &t.policies {
            self.object = pname.clone();
            let object = (table.0.clone(), format!("{}\u{0}{pname}", table.1));
            if !self.choices.longhand.contains(table) && !self.choices.longhand.contains(&object) {
                if let Some((template, params)) = match_template(self.src, table, t, p, storage) {
                    let mut m = vec![("template".to_string(), Node::str(template))];
                    for (k, v) in params {
                        m.push((k.to_string(), Node::Str(v)));
                    }
                    push_comment(&mut m, &p.comment);
                    self.out
                        .templated
                        .push(format!("{}.{}: {pname} → {template}", table.0, table.1));
                    out.push((pname.clone(), Node::FlowMap(m)));
                    continue;
                }
            }
            let mut m: Vec<(String, Node)> = Vec::new();
            let command = match p.command.as_str() {
                "r" => "select",
                "a" => "insert",
                "w" => "update",
                "d" => "delete",
                _ => "all",
            };
            if command != "all" {
                m.push(("command".into(), Node::str(command)));
            }
            if p.roles != ["public"] {
                m.push(("roles".into(), Node::list(p.roles.iter().cloned())));
            }
            if let Some(u) = &p.using {
                let e = self.expr(table, u);
                m.push(("using".into(), Node::Str(e)));
            }
            if let Some(w) = &p.with_check {
                let e = self.expr(table, w);
                m.push(("with_check".into(), Node::Str(e)));
            }
            if !p.permissive {
                m.push(("permissive".into(), Node::bool(false)));
            }
            push_comment(&mut m, &p.comment);
            let long = m.iter().map(|(_, v)| match v {
                Node::Str(s) => s.len(),
                _ => 8,
            });
            if long.sum::<usize>() > 80 {
                out.push((pname.clone(), Node::Map(m)));
            } else {
                out.push((pname.clone(), Node::FlowMap(m)));
            }
        }
        out
    }

    fn functions(&mut self) -> Vec<(String, Node)> {
        let src = self.src;
        let mut out = Vec::new();
        let mut seen: BTreeMap<Name, usize> = BTreeMap::new();
        for key in src.functions.keys() {
            *seen.entry((key.0.clone(), key.1.clone())).or_default() += 1;
        }
        for (key, f) in &src.functions {
            let (s, n, args) = key;
            let full = format!("{s}.{n}({args})");
            let definition = src
                .cat
                .functions
                .get(key)
                .map(|f| f.definition.clone())
                .unwrap_or_default();
            let mut problems = Vec::new();
            if f.kind != "f" {
                problems.push("a procedure, aggregate or window function");
            }
            let overloaded = seen.get(&(s.clone(), n.clone())).copied().unwrap_or(0) > 1;
            if f.body.is_empty() || matches!(f.language.as_str(), "c" | "internal") {
                problems.push("a body that is not source text (BEGIN ATOMIC, C)");
            }
            // `SET name=value` entries, as `proconfig` holds them; gen writes search_path
            // before the others, so one written after them cannot come back in its place.
            let mut search_path = None;
            let mut settings: Vec<(String, String)> = Vec::new();
            for c in &f.config {
                let Some((name, value)) = c.split_once('=') else {
                    problems.push("a SET option without a value");
                    continue;
                };
                if name == "search_path" {
                    if !settings.is_empty() {
                        problems.push("SET search_path after other SET options");
                    }
                    search_path = Some(if value == "\"\"" {
                        String::new()
                    } else {
                        value.to_string()
                    });
                } else if matches!(
                    name,
                    "temp_tablespaces"
                        | "local_preload_libraries"
                        | "session_preload_libraries"
                        | "shared_preload_libraries"
                ) {
                    // PostgreSQL stores these lists quoted (`"a", "b"`); a `set:` value is
                    // one literal, which it would store as one quoted name.
                    problems
                        .push("SET of a list parameter (temp_tablespaces, *_preload_libraries)");
                } else if crate::model::is_setting_name(name) {
                    settings.push((name.to_string(), value.to_string()));
                } else {
                    problems.push("a SET option whose name the format refuses");
                }
            }
            let estimates = [(f.cost, true), (f.rows, f.retset)];
            if estimates
                .iter()
                .any(|(v, used)| *used && !crate::model::survives_printing(*v))
            {
                problems.push("COST or ROWS with more than six significant digits");
            }
            // (name, mode, type) of each argument but RETURNS TABLE's columns; the mode is
            // None for `IN`.
            let args: Vec<(String, Option<&str>, String)> = if f.arg_modes.is_empty() {
                f.arg_names
                    .iter()
                    .cloned()
                    .chain(std::iter::repeat(String::new()))
                    .zip(&f.arg_types)
                    .map(|(n, t)| (n, None, t.clone()))
                    .collect()
            } else {
                if f.arg_names.len() != f.arg_modes.len()
                    || f.all_arg_types.len() != f.arg_modes.len()
                {
                    problems.push("unnamed arguments");
                }
                f.arg_names
                    .iter()
                    .zip(&f.arg_modes)
                    .zip(&f.all_arg_types)
                    .filter(|((_, m), _)| *m != "t")
                    .map(|((n, m), t)| {
                        let mode = match m.as_str() {
                            "o" => Some("out"),
                            "b" => Some("inout"),
                            "v" => Some("variadic"),
                            _ => None,
                        };
                        (n.clone(), mode, t.clone())
                    })
                    .collect()
            };
            let pieces: Vec<String> = split_top(&f.arguments, b',')
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            let inputs = args.iter().filter(|(_, m, _)| *m != Some("out")).count();
            if inputs != f.arg_types.len()
                || pieces.len() != args.len()
                || args.iter().any(|(n, _, _)| n.is_empty())
            {
                problems.push("unnamed arguments");
            }
            if !problems.is_empty() {
                problems.dedup();
                self.unrepresentable(
                    "function",
                    full,
                    definition,
                    &format!("left out: {}", problems.join(", ")),
                );
                continue;
            }
            let mut arg_nodes = Vec::new();
            for ((name, mode, ty), piece) in args.iter().zip(&pieces) {
                let mut a = vec![
                    ("name".to_string(), Node::str(name.clone())),
                    ("type".into(), Node::str(short_type(ty))),
                ];
                if let Some(m) = mode {
                    a.push(("mode".into(), Node::str(*m)));
                }
                if let Some((_, end)) = find_word(piece, "DEFAULT") {
                    a.push(("default".into(), Node::str(piece[end..].trim())));
                }
                arg_nodes.push(Node::FlowMap(a));
            }
            let mut m = vec![(
                "args".to_string(),
                if arg_nodes.is_empty() {
                    Node::FlowSeq(vec![])
                } else {
                    Node::FlowSeq(arg_nodes)
                },
            )];
            m.push(("returns".into(), Node::str(returns(&f.result))));
            m.push(("language".into(), Node::str(f.language.clone())));
            if f.definer {
                m.push(("security".into(), Node::str("definer")));
            }
            if let Some(sp) = search_path {
                m.push(("search_path".into(), Node::str(sp)));
            }
            match f.volatility.as_str() {
                "s" => m.push(("volatility".into(), Node::str("stable"))),
                "i" => m.push(("volatility".into(), Node::str("immutable"))),
                _ => {}
            }
            if f.strict {
                m.push(("strict".into(), Node::bool(true)));
            }
            if f.leakproof {
                m.push(("leakproof".into(), Node::bool(true)));
            }
            match f.parallel.as_str() {
                "s" => m.push(("parallel".into(), Node::str("safe"))),
                "r" => m.push(("parallel".into(), Node::str("restricted"))),
                _ => {}
            }
            // `procost` and `prorows` are float4s: written as the shortest text that reads
            // back as the same float4.
            if f.cost != 100.0 {
                m.push(("cost".into(), Node::Raw((f.cost as f32).to_string())));
            }
            if f.retset && f.rows != 1000.0 {
                m.push(("rows".into(), Node::Raw((f.rows as f32).to_string())));
            }
            if !settings.is_empty() {
                m.push((
                    "set".into(),
                    Node::Map(
                        settings
                            .into_iter()
                            .map(|(n, v)| (n, Node::scalar_text(v)))
                            .collect(),
                    ),
                ));
            }
            match self.choices.privileges.functions.get(key) {
                Some(FnApi::All) => m.push(("api".into(), Node::bool(true))),
                Some(FnApi::Roles(r)) => {
                    m.push(("api_roles".into(), Node::list(r.iter().cloned())))
                }
                None => {}
            }
            if let Some(c) = src.cat.functions.get(key).and_then(|f| f.comment.clone()) {
                m.push(("comment".into(), Node::str(c)));
            }
            if let Some(o) = self.owner("function", s, &format!("{n}({})", key.2)) {
                m.push(("owner".into(), Node::str(o)));
            }
            m.push(("body".into(), Node::str(f.body.clone())));
            // An overload is keyed `name(type, …)` with the types a caller passes.
            let yaml_key = if overloaded {
                let inputs: Vec<String> = args
                    .iter()
                    .filter(|(_, m, _)| *m != Some("out"))
                    .map(|(_, _, t)| short_type(t))
                    .collect();
                format!("{}({})", yaml_name(s, n), inputs.join(", "))
            } else {
                yaml_name(s, n)
            };
            out.push((yaml_key, Node::Map(m)));
            self.written_functions.insert(key.clone());
        }
        out
    }

    fn views(&mut self) -> Vec<(String, Node)> {
        let src = self.src;
        let mut out = Vec::new();
        for ((s, n), v) in &src.cat.views {
            let full = format!("{s}.{n}");
            let mut invoker = false;
            let mut other = Vec::new();
            for o in v.options.split(',').filter(|o| !o.is_empty()) {
                if o == "security_invoker=true" || o == "security_invoker=on" {
                    invoker = true;
                } else if o != "security_invoker=false" {
                    other.push(o);
                }
            }
            if !other.is_empty() {
                self.unrepresentable(
                    "view option",
                    full.clone(),
                    other.join(", "),
                    "left out: the format has no key for it",
                );
            }
            let query = v
                .definition
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_string();
            let mut m = vec![("query".to_string(), Node::str(format!("{query}\n")))];
            if invoker {
                m.push(("security_invoker".into(), Node::bool(true)));
            }
            push_comment(&mut m, &v.comment);
            if let Some(o) = self.owner("view", s, n) {
                m.push(("owner".into(), Node::str(o)));
            }
            let triggers = self.trigger_nodes(
                &(s.clone(), n.clone()),
                (&v.triggers, &v.trigger_comments),
                true,
            );
            if !triggers.is_empty() {
                m.push(("triggers".into(), Node::Map(triggers)));
            }
            out.push((yaml_name(s, n), Node::Map(m)));
        }
        out
    }

    /// Triggers and policies on platform tables, publications, buckets, schema privileges
    /// and default privileges.
    fn platform(&mut self) -> Vec<(String, Node)> {
        let src = self.src;
        let cat = &src.cat;
        let mut out = Vec::new();
        let mut ext_triggers = Vec::new();
        let mut ext_policies = Vec::new();
        for (name, t) in &cat.external {
            let key = yaml_name(&name.0, &name.1);
            let triggers = self.triggers(name, t);
            if !triggers.is_empty() {
                ext_triggers.push((key.clone(), Node::Map(triggers)));
            }
            let policies = self.policies(name, t, true);
            if !policies.is_empty() {
                ext_policies.push((key, Node::Map(policies)));
            }
        }
        if !ext_triggers.is_empty() {
            out.push(("external_triggers".into(), Node::Map(ext_triggers)));
        }
        if !ext_policies.is_empty() {
            out.push(("external_policies".into(), Node::Map(ext_policies)));
        }
        let mut pubs = Vec::new();
        for (pname, p) in &cat.publications {
            let managed: Vec<&Name> = p
                .tables
                .iter()
                .filter(|t| src.schemas.contains(&t.0))
                .collect();
            let all_ops = p.operations.len() == 4;
            if pname == "supabase_realtime" && src.supabase {
                if !all_ops {
                    pubs.push((
                        pname.clone(),
                        Node::FlowMap(vec![(
                            "operations".into(),
                            Node::list(p.operations.iter().cloned()),
                        )]),
                    ));
                }
                continue;
            }
            if managed.is_empty() {
                self.unrepresentable(
                    "publication",
                    pname.clone(),
                    format!("CREATE PUBLICATION {}", quote_ident(pname)),
                    "left out: it publishes no table of the imported schemas",
                );
                continue;
            }
            let mut m = vec![(
                "tables".to_string(),
                Node::list(managed.iter().map(|(s, n)| yaml_name(s, n))),
            )];
            if !all_ops {
                m.push((
                    "operations".into(),
                    Node::list(p.operations.iter().cloned()),
                ));
            }
            pubs.push((pname.clone(), Node::FlowMap(m)));
        }
        if !pubs.is_empty() {
            out.push(("publications".into(), Node::Map(pubs)));
        }
        if !cat.buckets.is_empty() {
            let buckets = cat
                .buckets
                .iter()
                .map(|(id, b)| {
                    let mut m = vec![("public".to_string(), Node::bool(b.public))];
                    if let Some(l) = b.file_size_limit {
                        m.push(("file_size_limit".into(), size(l)));
                    }
                    if let Some(types) = &b.allowed_mime_types {
                        m.push((
                            "allowed_mime_types".into(),
                            Node::list(types.iter().cloned()),
                        ));
                    }
                    (id.clone(), Node::FlowMap(m))
                })
                .collect();
            out.push((
                "storage".into(),
                Node::Map(vec![("buckets".into(), Node::Map(buckets))]),
            ));
        }
        // Schema privileges, leaving out PostgreSQL's own USAGE for PUBLIC on `public`.
        // (schema → (grantee, WITH GRANT OPTION) → privileges)
        type PerRole<'a> = BTreeMap<(&'a str, bool), Vec<String>>;
        let mut per_schema: BTreeMap<&str, PerRole> = BTreeMap::new();
        for key @ (s, g, p) in &cat.schema_grants {
            if s == "public" && g == "public" && p == "USAGE" {
                continue;
            }
            let option = cat.schema_grant_options.contains(key);
            per_schema
                .entry(s)
                .or_default()
                .entry((g, option))
                .or_default()
                .push(p.to_lowercase());
        }
        if !per_schema.is_empty() {
            let entries = per_schema
                .into_iter()
                .map(|(s, roles)| {
                    let mut by_privs: BTreeMap<(Vec<String>, bool), Vec<String>> = BTreeMap::new();
                    for ((g, option), mut privs) in roles {
                        privs.sort();
                        by_privs
                            .entry((privs, option))
                            .or_default()
                            .push(g.to_string());
                    }
                    let grants = by_privs
                        .into_iter()
                        .map(|((privs, option), to)| {
                            let mut m = vec![
                                ("privileges".into(), Node::list(privs)),
                                ("to".into(), Node::list(to)),
                            ];
                            if option {
                                m.push(("with_grant_option".into(), Node::bool(true)));
                            }
                            Node::FlowMap(m)
                        })
                        .collect();
                    (
                        name_part(s),
                        Node::Map(vec![("grants".into(), Node::Seq(grants))]),
                    )
                })
                .collect();
            out.push(("schemas_config".into(), Node::Map(entries)));
        }
        let mut defaults: BTreeMap<(&str, &str, Vec<String>), Vec<String>> = BTreeMap::new();
        let mut per: BTreeMap<(&str, &str, &str), BTreeSet<String>> = BTreeMap::new();
        for (s, kind, g, p) in &cat.default_privileges {
            per.entry((s, kind, g)).or_default().insert(p.clone());
        }
        for ((s, kind, g), privs) in per {
            let on = match kind {
                "r" => "tables",
                "S" => "sequences",
                "f" => "functions",
                _ => {
                    self.unrepresentable(
                        "default privilege",
                        format!("{s}: {kind} to {g}"),
                        privs.iter().cloned().collect::<Vec<_>>().join(", "),
                        "left out: only tables, sequences and functions can be declared",
                    );
                    continue;
                }
            };
            // Functions have one privilege: it is `all`, the format names no other.
            let names: Vec<String> = if kind == "r" || kind == "S" {
                privilege_names(&privs, kind == "S", false)
            } else if privs.contains("EXECUTE") {
                vec!["all".into()]
            } else {
                self.unrepresentable(
                    "default privilege",
                    format!("{s}: {on} to {g}"),
                    privs.iter().cloned().collect::<Vec<_>>().join(", "),
                    "left out: the format names only all for functions",
                );
                continue;
            };
            defaults
                .entry((s, on, names))
                .or_default()
                .push(g.to_string());
        }
        if !defaults.is_empty() {
            let items = defaults
                .into_iter()
                .map(|((s, on, privs), to)| {
                    Node::FlowMap(vec![
                        ("in_schema".into(), Node::str(s)),
                        ("on".into(), Node::str(on)),
                        ("privileges".into(), Node::list(privs)),
                        ("to".into(), Node::list(to)),
                    ])
                })
                .collect();
            out.push(("default_privileges".into(), Node::Seq(items)));
        }
        out
    }

    /// Sequences (other than serial columns' own), composite types, domains and
    /// materialized views, as `kinds.yaml` declares them. Options equal to what PostgreSQL
    /// would choose are left out.
    fn other_kinds(&mut self) -> Vec<(String, Node)> {
        let src = self.src;
        let cat = &src.cat;
        let mut sections = Vec::new();
        for (key, noun, items) in crate::kinds::import_all(&cat.kinds) {
            let mut entries = Vec::new();
            for (name, yaml) in items {
                match yaml.map(json_node) {
                    Ok(Node::Map(mut m)) => {
                        if let Some(o) = self.owner(noun, &name.0, &name.1) {
                            m.push(("owner".into(), Node::str(o)));
                        }
                        entries.push((yaml_name(&name.0, &name.1), Node::Map(m)));
                    }
                    Ok(_) => {}
                    Err(why) => self.unrepresentable(
                        noun,
                        format!("{}.{}", name.0, name.1),
                        String::new(),
                        &format!("left out: {why}"),
                    ),
                }
            }
            push_section(&mut sections, key, entries);
        }
        let mut sequences = Vec::new();
        for (name, d) in &cat.kinds.sequences {
            if self.serial_sequences.contains(name) {
                continue;
            }
            let mut m = Vec::new();
            if d.data_type != "bigint" {
                m.push(("as".to_string(), Node::str(d.data_type.clone())));
            }
            m.extend(options_nodes(d));
            if let Some(owner) = &d.owned_by {
                if owner.contains('"') {
                    self.unrepresentable(
                        "sequence owner",
                        format!("{}.{}", name.0, name.1),
                        format!("OWNED BY {owner}"),
                        "left out: `owned_by` takes plain names",
                    );
                } else {
                    let short = owner.strip_prefix("public.").unwrap_or(owner);
                    m.push(("owned_by".into(), Node::str(short)));
                }
            }
            push_comment(&mut m, &d.comment);
            if let Some(o) = self.owner("sequence", &name.0, &name.1) {
                m.push(("owner".into(), Node::str(o)));
            }
            sequences.push((yaml_name(&name.0, &name.1), Node::Map(m)));
        }
        push_section(&mut sections, "sequences", sequences);
        let mut types = Vec::new();
        for (name, d) in &cat.kinds.composite_types {
            let fields = d
                .attributes
                .iter()
                .map(|(f, ty)| (f.clone(), Node::str(short_type(ty))))
                .collect();
            let mut m = vec![("fields".to_string(), Node::Map(fields))];
            push_comment(&mut m, &d.comment);
            if let Some(o) = self.owner("composite type", &name.0, &name.1) {
                m.push(("owner".into(), Node::str(o)));
            }
            types.push((yaml_name(&name.0, &name.1), Node::Map(m)));
        }
        push_section(&mut sections, "types", types);
        let mut domains = Vec::new();
        for (name, d) in &cat.domains {
            let mut m = vec![("type".to_string(), Node::str(short_type(&d.base)))];
            if d.not_null {
                m.push(("not_null".into(), Node::bool(true)));
            }
            if let Some(x) = &d.default {
                let node = self.default_node(name, x);
                m.push(("default".into(), node));
            }
            let mut checks = Vec::new();
            for (cn, def) in &d.checks {
                match def
                    .strip_prefix("CHECK ")
                    .filter(|_| !def.ends_with("NOT VALID"))
                {
                    Some(cond) => {
                        let e = self.expr(name, cond);
                        checks.push((cn.clone(), Node::Str(e)));
                    }
                    None => self.unrepresentable(
                        "domain check",
                        format!("{}.{}.{cn}", name.0, name.1),
                        def.clone(),
                        "left out: only validated CHECK constraints are declarable",
                    ),
                }
            }
            if !checks.is_empty() {
                m.push(("checks".into(), Node::Map(checks)));
            }
            push_comment(&mut m, &d.comment);
            if let Some(o) = self.owner("domain", &name.0, &name.1) {
                m.push(("owner".into(), Node::str(o)));
            }
            domains.push((yaml_name(&name.0, &name.1), Node::Map(m)));
        }
        push_section(&mut sections, "domains", domains);
        let mut matviews = Vec::new();
        for (name, v) in &cat.materialized_views {
            let query = v
                .definition
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_string();
            let mut m = vec![("query".to_string(), Node::str(format!("{query}\n")))];
            let mut indexes = Vec::new();
            for (iname, def) in &v.indexes {
                match parse_index(def) {
                    Some(ix) => indexes.push(self.index(name, iname, ix, &None)),
                    None => self.unrepresentable(
                        "index",
                        iname.clone(),
                        def.clone(),
                        "left out: the format cannot say this index",
                    ),
                }
            }
            if !indexes.is_empty() {
                m.push(("indexes".into(), Node::Seq(indexes)));
            }
            push_comment(&mut m, &v.comment);
            if let Some(o) = self.owner("materialized view", &name.0, &name.1) {
                m.push(("owner".into(), Node::str(o)));
            }
            matviews.push((yaml_name(&name.0, &name.1), Node::Map(m)));
        }
        push_section(&mut sections, "materialized_views", matviews);
        let extras = self.src.extras.clone();
        self.out.unrepresentable.extend(extras);
        sections
    }
}

/// `comment: …` when there is one.
fn push_comment(m: &mut Vec<(String, Node)>, comment: &Option<String>) {
    if let Some(c) = comment {
        m.push(("comment".into(), Node::str(c.clone())));
    }
}

/// The YAML of a value a declared kind's `import` gave (serialized to JSON): mappings in
/// their order, lists on one line when they hold only scalars, nulls left out.
fn json_node(v: serde_json::Value) -> Node {
    use serde_json::Value as J;
    match v {
        J::String(s) => Node::Str(s),
        J::Bool(b) => Node::bool(b),
        J::Number(n) => Node::Raw(n.to_string()),
        J::Null => Node::Map(Vec::new()),
        J::Array(items) => {
            let flat = items.iter().all(|i| !i.is_object() && !i.is_array());
            let items = items.into_iter().map(json_node).collect();
            if flat {
                Node::FlowSeq(items)
            } else {
                Node::Seq(items)
            }
        }
        J::Object(m) => Node::Map(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, json_node(v)))
                .collect(),
        ),
    }
}

/// A top-level `key:` mapping of `entries`, when there are any.
fn push_section(sections: &mut Vec<(String, Node)>, key: &str, entries: Vec<(String, Node)>) {
    if !entries.is_empty() {
        sections.push((key.to_string(), Node::Map(entries)));
    }
}

/// `table(col, …)` for `references:`.
fn reference(table: &(Option<String>, String), cols: &[String]) -> String {
    let t = match table {
        (Some(s), n) => yaml_name(s, n),
        (None, n) => yaml_name("public", n),
    };
    format!("{t}({})", cols.join(", "))
}

/// A function's result as written in `returns:`.
fn returns(result: &str) -> String {
    if let Some(rest) = result.strip_prefix("SETOF ") {
        return format!("setof {}", short_type(rest));
    }
    if let Some(rest) = result.strip_prefix("TABLE(") {
        return format!("table({rest}");
    }
    short_type(result)
}

/// A bucket's size limit: `5MB` when it is a whole number of them.
fn size(bytes: i64) -> Node {
    for (unit, n) in [("GB", 1i64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
        if bytes > 0 && bytes % n == 0 {
            return Node::str(format!("{}{unit}", bytes / n));
        }
    }
    Node::Raw(bytes.to_string())
}

/// Which tables go in which file: one file per table, except that tables whose foreign
/// keys form a cycle share one (named after the first). Tables of other schemas than
/// `public` go under `tables/<schema>/`.
fn table_files(cat: &Catalog) -> BTreeMap<String, Vec<Name>> {
    let names: Vec<&Name> = cat.tables.keys().collect();
    let index: BTreeMap<&Name, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        let t = &cat.tables[*name];
        for c in t
            .constraints
            .values()
            .filter(|c| c.kind == crate::catalog::ConstraintKind::ForeignKey)
        {
            if let Some(fk) = parse_fk(&c.definition) {
                let target = (
                    fk.table.0.clone().unwrap_or_else(|| "public".into()),
                    fk.table.1.clone(),
                );
                if let Some(&j) = index.get(&target) {
                    if j != i {
                        edges[i].push(j);
                    }
                }
            }
        }
    }
    let comp = strongly_connected(&edges);
    let mut groups: BTreeMap<usize, Vec<Name>> = BTreeMap::new();
    for (i, c) in comp.iter().enumerate() {
        groups.entry(*c).or_default().push(names[i].clone());
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    let mut ordered: Vec<Vec<Name>> = groups.into_values().collect();
    ordered.iter_mut().for_each(|g| g.sort());
    ordered.sort();
    for group in ordered {
        let first = &group[0];
        let dir = if first.0 == "public" {
            "tables".to_string()
        } else {
            format!("tables/{}", file_stem(&first.0))
        };
        let stem = file_stem(&first.1);
        let mut path = format!("{dir}/{stem}.yaml");
        let mut n = 2;
        while used.contains(&path.to_lowercase()) {
            path = format!("{dir}/{stem}_{n}.yaml");
            n += 1;
        }
        used.insert(path.to_lowercase());
        out.insert(path, group);
    }
    out
}

/// A name made safe as a file name on every system: letters, digits, `_` and `-`; anything
/// else becomes `_`. Never empty, never starts with a dot.
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// Tarjan's strongly connected components: the component number of each node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next = 0;
    let mut ncomp = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // Iterative DFS: (node, next edge).
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if *ei == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = ncomp;
                    if w == v {
                        break;
                    }
                }
                ncomp += 1;
            }
        }
    }
    comp
}

/// A primary key's or unique constraint's own name (None: the one PostgreSQL would give)
/// and its columns.
/// A key's own name, columns, options and comment.
type NamedKey = (Option<String>, Vec<String>, KeyOptions, Option<String>);

/// The options of a key as `pg_get_constraintdef` prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct KeyOptions {
    deferrable: bool,
    initially_deferred: bool,
    nulls_not_distinct: bool,
}

/// A key's definition without its trailing ` DEFERRABLE [INITIALLY DEFERRED]`, and those.
fn key_options(def: &str) -> (&str, KeyOptions) {
    let mut o = KeyOptions::default();
    let mut rest = def;
    if let Some(r) = rest.strip_suffix(" INITIALLY DEFERRED") {
        (rest, o.initially_deferred) = (r, true);
    }
    if let Some(r) = rest.strip_suffix(" DEFERRABLE") {
        (rest, o.deferrable) = (r, true);
    }
    (rest, o)
}

/// `deferrable: true` or `initially_deferred: true` (which implies it), as the format
/// writes them.
fn deferrable_nodes(deferrable: bool, initially_deferred: bool) -> Vec<(String, Node)> {
    if initially_deferred {
        vec![("initially_deferred".into(), Node::bool(true))]
    } else if deferrable {
        vec![("deferrable".into(), Node::bool(true))]
    } else {
        Vec::new()
    }
}

/// `[a, b]`, or `{ name: x, columns: [a, b] }` for a key with a name of its own.
fn key_node((name, columns, options, comment): NamedKey) -> Node {
    if name.is_none() && options == KeyOptions::default() && comment.is_none() {
        return Node::list(columns);
    }
    let mut m = Vec::new();
    if let Some(n) = name {
        m.push(("name".to_string(), Node::str(n)));
    }
    m.push(("columns".into(), Node::list(columns)));
    m.extend(deferrable_nodes(
        options.deferrable,
        options.initially_deferred,
    ));
    if options.nulls_not_distinct {
        m.push(("nulls_not_distinct".into(), Node::bool(true)));
    }
    push_comment(&mut m, &comment);
    Node::FlowMap(m)
}

/// A sequence's options that are not PostgreSQL's defaults, as the format writes them.
fn options_nodes(d: &crate::kinds::sequence::SequenceDef) -> Vec<(String, Node)> {
    let mut m: Vec<(String, Node)> = crate::kinds::sequence::non_default_options(d)
        .into_iter()
        .map(|(k, v)| (k.to_string(), Node::Raw(v.to_string())))
        .collect();
    if d.cycle {
        m.push(("cycle".into(), Node::bool(true)));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grants become entries: a table's, with its grant options apart; a sequence's, `all`
    /// for its three privileges; columns sharing privileges, option and role in one entry.
    #[test]
    fn grants_are_grouped_into_entries() {
        let s = |x: &str| x.to_string();
        let mut cat = Catalog::default();
        for p in ["SELECT", "INSERT"] {
            cat.grants.insert((s("public"), s("t"), s("r"), s(p)));
        }
        cat.grant_options
            .insert((s("public"), s("t"), String::new(), s("r"), s("SELECT")));
        cat.sequence_grants.insert(
            (s("public"), s("t_n_seq")),
            ["USAGE", "SELECT", "UPDATE"].map(|p| (s("r"), s(p))).into(),
        );
        for (c, p) in [
            ("a", "SELECT"),
            ("b", "SELECT"),
            ("a", "UPDATE"),
            ("b", "UPDATE"),
        ] {
            cat.column_grants
                .insert((s("public"), s("t"), s(c), s("q"), s(p)));
        }
        cat.column_grants
            .insert((s("public"), s("t"), s("a"), s("q"), s("REFERENCES")));
        let entry = |on: &str, columns: &[&str], privileges: &[&str], with: bool| GrantEntry {
            on: (s("public"), s(on)),
            columns: columns.iter().map(|c| s(c)).collect(),
            privileges: privileges.iter().map(|p| s(p)).collect(),
            to: vec![if columns.is_empty() { s("r") } else { s("q") }],
            with_grant_option: with,
            function_args: None,
        };
        assert_eq!(
            explicit_grants(&cat),
            [
                entry("t", &[], &["insert"], false),
                entry("t", &[], &["select"], true),
                entry("t_n_seq", &[], &["all"], false),
                entry("t", &["a"], &["references"], false),
                entry("t", &["a", "b"], &["select", "update"], false),
            ]
        );
    }

    #[test]
    fn short_types() {
        assert_eq!(short_type("timestamp with time zone"), "timestamptz");
        assert_eq!(short_type("timestamp(3) with time zone"), "timestamptz(3)");
        assert_eq!(short_type("integer[]"), "int[]");
        assert_eq!(short_type("character varying(255)"), "varchar(255)");
        assert_eq!(short_type("numeric(5,2)"), "numeric(5,2)");
        assert_eq!(short_type("app.\"My Type\""), "app.\"My Type\"");
    }

    #[test]
    fn definitions_are_parsed() {
        let fk = parse_fk("FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE")
            .expect("fk");
        assert_eq!(fk.columns, ["user_id"]);
        assert_eq!(fk.table, (Some("auth".into()), "users".into()));
        assert_eq!(fk.on_delete, Some("cascade"));
        let fk = parse_fk(
            "FOREIGN KEY (a) REFERENCES t(b) MATCH FULL ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
        )
        .expect("fk with options");
        assert!(fk.match_full && fk.options.deferrable && fk.options.initially_deferred);
        assert_eq!(fk.on_delete, Some("cascade"));
        let fk = parse_fk("FOREIGN KEY (a) REFERENCES t(b) DEFERRABLE NOT VALID").expect("fk");
        assert!(fk.not_valid && fk.options.deferrable);
        assert!(!parse_fk("FOREIGN KEY (a) REFERENCES t(b)").is_some_and(|f| f.not_valid));
        let x = parse_exclusion(
            "EXCLUDE USING gist (room WITH =, tstzrange(a, b) WITH &&) INCLUDE (c) WHERE ((NOT c)) DEFERRABLE",
        )
        .expect("exclusion");
        assert_eq!(x.method, "gist");
        assert_eq!(x.elems, ["room WITH =", "tstzrange(a, b) WITH &&"]);
        assert_eq!(x.include, ["c"]);
        assert_eq!(x.predicate.as_deref(), Some("(NOT c)"));
        assert!(x.deferrable && !x.initially_deferred);
        assert!(parse_exclusion("EXCLUDE USING gist (room WITH =) NOT VALID").is_none());
        let (rest, o) = key_options("UNIQUE NULLS NOT DISTINCT (a) DEFERRABLE INITIALLY DEFERRED");
        assert_eq!(rest, "UNIQUE NULLS NOT DISTINCT (a)");
        assert!(o.deferrable && o.initially_deferred);
        let ix = parse_index(
            "CREATE UNIQUE INDEX x ON public.t USING btree (a, lower(b)) WHERE (c IS NULL)",
        )
        .expect("index");
        assert!(ix.unique);
        assert_eq!(ix.elems, ["a", "lower(b)"]);
        assert_eq!(ix.predicate.as_deref(), Some("c IS NULL"));
        let ix = parse_index(
            "CREATE UNIQUE INDEX x ON public.t USING btree (a) INCLUDE (b) NULLS NOT DISTINCT WITH (fillfactor='70', deduplicate_items=off) WHERE (a > 0)",
        )
        .expect("index with options");
        assert!(ix.nulls_not_distinct);
        assert_eq!(ix.include, ["b"]);
        let with = [("fillfactor", "70"), ("deduplicate_items", "off")];
        assert_eq!(ix.with, with.map(|(n, v)| (n.to_string(), v.to_string())));
        assert_eq!(ix.predicate.as_deref(), Some("a > 0"));
        assert!(parse_index("CREATE INDEX x ON public.t USING btree (a) TABLESPACE s").is_none());
        let tr = parse_trigger(
            "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON public.x FOR EACH ROW WHEN ((new.a > 0)) EXECUTE FUNCTION f('a', 'b''c')",
        )
        .expect("trigger");
        assert_eq!(tr.events, ["insert", "update"]);
        assert_eq!(tr.condition.as_deref(), Some("new.a > 0"));
        assert_eq!(tr.args, ["a", "b'c"]);
        let tr = parse_trigger(
            r#"CREATE TRIGGER t AFTER INSERT OR DELETE OR UPDATE OF c, "x, OR y" OR TRUNCATE ON public.x FOR EACH STATEMENT EXECUTE FUNCTION f()"#,
        )
        .expect("trigger with UPDATE OF");
        assert_eq!(tr.events, ["insert", "delete", "update", "truncate"]);
        assert_eq!(tr.update_of, ["c", "x, OR y"]);
    }

    #[test]
    fn cycles_share_a_file() {
        let comp = strongly_connected(&[vec![1], vec![0], vec![0]]);
        assert_eq!(comp[0], comp[1]);
        assert_ne!(comp[0], comp[2]);
    }
}
