//! Raw structs → typed [`Model`].
//!
//! Walks every definition file in sorted order, types each node and attaches its location.
//! The first definition of a name wins; later ones become [`Duplicate`]s for `check` to
//! report with both places. Input that has no typed meaning at all (a type that does not
//! parse, a malformed name, a policy key that is neither a field nor a template parameter)
//! is refused with exit-2 diagnostics, like a YAML error.

use super::names::{self, make_object_name, QualName};
use super::templates::{self, PolicyTemplate};
use super::types::SqlType;
use super::*;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::load::raw::*;
use crate::load::yaml::{self, PathHash, PosIndex, Seg};
use crate::load::{LoadFailure, Loaded};

/// Position lookups for one file.
struct At<'a> {
    file: FileId,
    index: &'a PosIndex,
}

impl At<'_> {
    fn conv(&self, p: Option<crate::load::yaml::Pos>) -> Loc {
        let p = p.unwrap_or(crate::load::yaml::Pos {
            line: 1,
            col: 1,
            len: 1,
        });
        Loc {
            file: self.file,
            line: p.line,
            col: p.col,
            len: p.len,
        }
    }
    fn key(&self, path: &P) -> Loc {
        self.conv(self.index.key_at(path.0))
    }
    fn val(&self, path: &P) -> Loc {
        self.conv(self.index.value_at(path.0))
    }
}

/// A path in a file, kept only as its hash ([`crate::load::yaml::PathHash`]): building the
/// path of every node allocates nothing.
#[derive(Clone, Copy)]
struct P(PathHash);

/// The path of `keys` from the document root.
fn top(keys: &[&str]) -> P {
    path(&P(yaml::path_hash(&[])), keys)
}

fn path(base: &P, more: &[&str]) -> P {
    P(more.iter().fold(base.0, |h, k| yaml::extend_key(h, k)))
}

fn idx(base: &P, i: usize) -> P {
    P(yaml::extend_index(base.0, i))
}

/// An object's `owner:` (at `p`), with where it is written.
fn owner(at: &At, owner: Option<String>, p: &P) -> Option<(String, Loc)> {
    owner.map(|o| (o, at.val(&path(p, &["owner"]))))
}

/// The names of the list at `p` (columns), each with where it is written.
fn cols_at(at: &At, list: &[String], p: &P) -> Vec<(String, Loc)> {
    list.iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), at.val(&idx(p, i))))
        .collect()
}

/// The `name: value` entries of the map at `p` (a function's `set:`, an index's `with:`).
fn settings(at: &At, raw: IndexMap<String, RawSetting>, p: &P) -> Vec<Setting> {
    raw.into_iter()
        .map(|(name, value)| {
            let p = path(p, &[name.as_str()]);
            Setting {
                loc: at.key(&p),
                value_loc: at.val(&p),
                name,
                value: value.0,
            }
        })
        .collect()
}

/// A function's key split into its name and, for an overload's `name(type, …)`, the
/// argument types written between the parentheses (a `(` inside a quoted name is the
/// name's).
fn split_signature(key: &str) -> (&str, Option<&str>) {
    let mut quoted = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                let rest = key[i + 1..].trim_end();
                return match rest.strip_suffix(')') {
                    Some(types) => (key[..i].trim_end(), Some(types)),
                    None => (key, None),
                };
            }
            _ => {}
        }
    }
    (key, None)
}

fn invalid(loc: Loc, msg: impl Into<String>, hint: impl Into<String>) -> Diagnostic {
    Diagnostic::new("SC006", "invalid-value", Severity::Error, msg)
        .label(loc, "")
        .hint(hint)
}

/// What a kind of [`crate::kinds`] builds its objects with: positions under the object,
/// its name qualified, refusals and duplicates reported as every other kind's.
struct DeclaredCx<'a, 'b> {
    b: &'a mut Builder,
    at: &'a At<'b>,
    base: P,
}

impl crate::kinds::BuildCx for DeclaredCx<'_, '_> {
    fn enter(&mut self, key: &str, name: &str) -> Option<(QualName, Loc)> {
        self.base = top(&[key, name]);
        let loc = self.at.key(&self.base);
        let q = self.b.qual(name, loc)?;
        let n = self.b.ident(&q.name, loc);
        Some((QualName::new(&q.schema, &n), loc))
    }
    fn key(&self, p: &[&str]) -> Loc {
        self.at.key(&path(&self.base, p))
    }
    fn val(&self, p: &[&str]) -> Loc {
        self.at.val(&path(&self.base, p))
    }
    fn invalid(&mut self, loc: Loc, message: String, hint: &str) {
        self.b.errors.push(invalid(loc, message, hint));
    }
    fn duplicate(&mut self, noun: &'static str, name: String, first: Loc, second: Loc) {
        self.b
            .dup(Kind::Declared(noun), name, first, second, Vec::new());
    }
}

/// The table a policy belongs to.
enum Owner {
    Table(QualName),
    External(QualName),
}

/// Builds the model one file at a time ([`build`] feeds it all files at once; `compile`
/// feeds each file as soon as it is loaded).
pub struct Builder {
    model: Model,
    errors: Vec<Diagnostic>,
    /// Policies whose template is expanded once all project templates are known.
    pending_templates: Vec<(Owner, String)>,
}

/// Builds the model from loaded files.
pub fn build(loaded: Loaded) -> Result<Model, LoadFailure> {
    let Loaded {
        root,
        sources,
        config,
        files,
    } = loaded;
    let mut b = Builder::start(root, &config);
    for f in files {
        b.add_file(f);
    }
    b.finish(sources)
}

impl Builder {
    /// Starts a model from the project's config (`root` is the project directory).
    pub fn start(root: std::path::PathBuf, config: &crate::load::Parsed<RawConfig>) -> Builder {
        let mut errors = Vec::new();
        let cfg = build_config(&root, config, &mut errors);
        let mut b = Builder {
            model: Model {
                root,
                // The sources are still being read; `finish` puts them in.
                sources: crate::diagnostic::SourceMap::default(),
                config: cfg,
                extensions: Vec::new(),
                roles: Vec::new(),
                enums: IndexMap::new(),
                functions: Vec::new(),
                tables: IndexMap::new(),
                views: IndexMap::new(),
                sequences: IndexMap::new(),
                composite_types: IndexMap::new(),
                declared: Default::default(),
                domains: IndexMap::new(),
                materialized_views: IndexMap::new(),
                grants: Vec::new(),
                function_privileges: Vec::new(),
                policy_templates: IndexMap::new(),
                duplicates: Vec::new(),
                long_names: Vec::new(),
                external: IndexMap::new(),
                publications: IndexMap::new(),
                buckets: IndexMap::new(),
                schema_configs: IndexMap::new(),
                default_privileges: Vec::new(),
                api: None,
                raw_sql: IndexMap::new(),
            },
            errors,
            pending_templates: Vec::new(),
        };
        b.same_file_duplicates(config.file, &config.index);
        b
    }

    /// Adds one definition file (files must come in load order).
    pub fn add_file(&mut self, f: crate::load::Parsed<RawFile>) {
        self.same_file_duplicates(f.file, &f.index);
        let at = At {
            file: f.file,
            index: &f.index,
        };
        self.file(&at, f.raw);
    }

    /// Completes the model once every file was added; `sources` are the project's files.
    pub fn finish(mut self, sources: crate::diagnostic::SourceMap) -> Result<Model, LoadFailure> {
        self.model.sources = sources;
        self.expand_templates();
        self.add_realtime_tables();
        super::api::derive(&mut self.model);
        if self.errors.is_empty() {
            Ok(self.model)
        } else {
            Err(LoadFailure {
                sources: self.model.sources,
                diagnostics: self.errors,
            })
        }
    }
}

fn build_config(
    root: &std::path::Path,
    p: &crate::load::Parsed<RawConfig>,
    errors: &mut Vec<Diagnostic>,
) -> Config {
    let at = At {
        file: p.file,
        index: &p.index,
    };
    let raw = &p.raw;
    for (key, value) in [
        ("lock_timeout", &raw.lock_timeout),
        ("statement_timeout", &raw.statement_timeout),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !is_duration(v)) {
            errors.push(invalid(
                at.val(&top(&[key])),
                format!("`{v}` is not a duration PostgreSQL accepts for {key}"),
                "write a number with one of the units us, ms, s, min, h, d (`5s`, `2min`); a bare number is milliseconds",
            ));
        }
    }
    if raw.schemac != 1 {
        errors.push(invalid(
            at.val(&top(&["schemac"])),
            format!("unsupported format version {}", raw.schemac),
            "this schemac reads format version 1: write `schemac: 1`",
        ));
    }
    let ext = raw.external.clone().unwrap_or_default();
    let mut qual_list = |key: &str, items: &[String], strip_parens: bool| -> Vec<(QualName, Loc)> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let loc = at.val(&idx(&top(&["external", key]), i));
                let s = if strip_parens {
                    s.split('(').next().unwrap_or(s)
                } else {
                    s.as_str()
                };
                match QualName::parse(s, "public") {
                    Ok(q) => Some((q, loc)),
                    Err(e) => {
                        errors.push(invalid(loc, e, "write `schema.name`"));
                        None
                    }
                }
            })
            .collect()
    };
    let external_tables = qual_list("tables", &ext.tables, false);
    let external_functions = qual_list("functions", &ext.functions, true);
    let external_types = qual_list("types", &ext.types, false);
    let external_roles = ext
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), at.val(&idx(&top(&["external", "roles"]), i))))
        .collect();
    let api_roles = raw.api_roles.as_ref().map(|roles| {
        roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), at.val(&idx(&top(&["api_roles"]), i))))
            .collect()
    });
    let service_role_privileges = match &raw.service_role_privileges {
        Some(p) => p.iter().map(|p| privilege(*p)).collect(),
        None => vec![
            Privilege::Select,
            Privilege::Insert,
            Privilege::Update,
            Privilege::Delete,
        ],
    };
    let output = root.join(
        raw.output
            .as_deref()
            .unwrap_or("supabase/migrations/99999999999999_master_consolidated_schema.sql"),
    );
    Config {
        loc: at.key(&top(&["schemac"])),
        owner: owner(&at, raw.owner.clone(), &top(&[])),
        naming: match raw.naming {
            None | Some(RawNaming::SnakeCase) => Naming::SnakeCase,
            Some(RawNaming::CamelCase) => Naming::CamelCase,
            Some(RawNaming::Any) => Naming::Any,
        },
        schemas: raw
            .schemas
            .clone()
            .unwrap_or_else(|| vec!["public".to_string()]),
        target: match raw.target {
            None | Some(RawTarget::Supabase) => Target::Supabase,
            Some(RawTarget::Postgres) => Target::Postgres,
        },
        output,
        external_tables,
        external_functions,
        external_roles,
        external_types,
        lock_timeout: raw.lock_timeout.clone().unwrap_or_else(|| "5s".into()),
        statement_timeout: raw
            .statement_timeout
            .clone()
            .unwrap_or_else(|| "5min".into()),
        api_roles,
        service_role_privileges,
        raw_sql: raw.raw_sql.unwrap_or(false),
    }
}

/// Whether `v` is a value of an integer time setting as PostgreSQL reads it: a number
/// (fraction allowed), optionally followed by a unit, spaces around.
fn is_duration(v: &str) -> bool {
    let v = v.trim_matches(' ');
    let number_end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(number_end);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    digits > 0
        && number.matches('.').count() <= 1
        && ["", "us", "ms", "s", "min", "h", "d"].contains(&unit.trim_start_matches(' '))
}

fn privilege(p: RawPrivilege) -> Privilege {
    match p {
        RawPrivilege::Select => Privilege::Select,
        RawPrivilege::Insert => Privilege::Insert,
        RawPrivilege::Update => Privilege::Update,
        RawPrivilege::Delete => Privilege::Delete,
        RawPrivilege::Truncate => Privilege::Truncate,
        RawPrivilege::References => Privilege::References,
        RawPrivilege::Trigger => Privilege::Trigger,
        RawPrivilege::All => Privilege::All,
        RawPrivilege::Usage => Privilege::Usage,
        RawPrivilege::Execute => Privilege::Execute,
    }
}

/// `5MB` → 5 242 880. Units are binary (KB = 1024 bytes, as Supabase's dashboard); `KiB`,
/// `MiB`, `GiB` are accepted too; a plain number is bytes.
fn parse_size(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = t[digits.len()..].trim().to_ascii_lowercase();
    let n: i64 = digits.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let mult: i64 = match unit.as_str() {
        "" | "b" => 1,
        "kb" | "kib" | "k" => 1 << 10,
        "mb" | "mib" | "m" => 1 << 20,
        "gb" | "gib" | "g" => 1 << 30,
        _ => return Err(format!("`{s}`: unknown size unit `{unit}`")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn fk_action(a: RawFkAction) -> FkAction {
    match a {
        RawFkAction::Cascade => FkAction::Cascade,
        RawFkAction::SetNull => FkAction::SetNull,
        RawFkAction::SetDefault => FkAction::SetDefault,
        RawFkAction::Restrict => FkAction::Restrict,
        RawFkAction::NoAction => FkAction::NoAction,
    }
}

/// Parses `table(col, col)` or `table` (meaning its primary key).
fn parse_reference(s: &str) -> Result<(QualName, Vec<String>), String> {
    let s = s.trim();
    let (table, cols) = match s.find('(') {
        Some(i) => {
            let rest = s[i + 1..].trim_end();
            let inner = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("`{s}`: missing `)`"))?;
            let cols: Vec<String> = inner
                .split(',')
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            if cols.iter().any(String::is_empty) {
                return Err(format!("`{s}`: empty column name"));
            }
            (&s[..i], cols)
        }
        None => (s, Vec::new()),
    };
    Ok((QualName::parse(table.trim(), "public")?, cols))
}

impl Builder {
    fn default_schema(&self) -> String {
        self.model
            .config
            .schemas
            .first()
            .cloned()
            .unwrap_or_else(|| "public".into())
    }

    /// An explicit object name as PostgreSQL stores it: truncated to 63 bytes. Longer names
    /// are remembered for the `name-too-long` check.
    fn ident(&mut self, name: &str, loc: Loc) -> String {
        let t = names::truncate_ident(name);
        if t.len() < name.len() {
            self.model.long_names.push((name.to_string(), loc));
        }
        t
    }

    /// A `renamed_from:` value: a plain name (for a table, optionally qualified with the
    /// table's own `schema`, since a rename never moves a table to another schema).
    fn previous_name(&mut self, old: &str, schema: &str, loc: Loc) -> Option<(String, Loc)> {
        let parts = match names::split_dotted(old) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(invalid(
                    loc,
                    e,
                    "write the previous name alone: `renamed_from: goals`",
                ));
                return None;
            }
        };
        match parts.as_slice() {
            [n] if !n.is_empty() => Some((self.ident(n, loc), loc)),
            [s, n] if !schema.is_empty() && s == schema && !n.is_empty() => {
                Some((self.ident(n, loc), loc))
            }
            _ => {
                self.errors.push(invalid(
                    loc,
                    format!("`renamed_from: {old}` is not a previous name of this {}", if schema.is_empty() { "column" } else { "table" }),
                    if schema.is_empty() {
                        "write the column's previous name alone: `renamed_from: user_id`"
                    } else {
                        "write the previous name alone (`renamed_from: goals`); a rename keeps the table in its schema"
                    },
                ));
                None
            }
        }
    }

    fn qual(&mut self, s: &str, loc: Loc) -> Option<QualName> {
        match QualName::parse(s, &self.default_schema()) {
            Ok(q) => Some(q),
            Err(e) => {
                self.errors
                    .push(invalid(loc, e, "write `name` or `schema.name`"));
                None
            }
        }
    }

    fn sql_type(&mut self, s: &str, loc: Loc) -> Option<SqlType> {
        match SqlType::parse(s) {
            Ok(mut t) => {
                if let types::BaseType::Named(q) = &mut t.base {
                    let from_extension = types::EXTENSION_TYPES
                        .iter()
                        .any(|(_, names)| names.contains(&q.name.as_str()));
                    if !s.contains('.') {
                        // Extension types stay unqualified: the extension's schema differs
                        // between installations (`extensions` on Supabase, `public` elsewhere).
                        q.schema = if from_extension {
                            String::new()
                        } else {
                            self.default_schema()
                        };
                    }
                }
                Some(t)
            }
            Err(e) => {
                self.errors.push(
                    Diagnostic::new("SC006", "invalid-value", Severity::Error, format!("`{s}` is not a valid column type: {}", e.0))
                        .label(loc, "")
                        .hint("write a PostgreSQL type such as `text`, `varchar(255)`, `numeric(10,2)`, `timestamptz` or `text[]`"),
                );
                None
            }
        }
    }

    /// Repeated keys inside one mapping, as duplicates of the kind the path implies.
    fn same_file_duplicates(&mut self, file: FileId, index: &PosIndex) {
        for (p, first, second) in &index.duplicates {
            let keys: Vec<&str> = p
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => k.as_str(),
                    Seg::Index(_) => "#",
                })
                .collect();
            let (kind, name) = match keys.as_slice() {
                ["tables", t] => (Kind::Table, t.to_string()),
                ["tables", t, "columns", c] => (Kind::Column, format!("{c}` of table `{t}")),
                ["tables", t, "policies", c] => (Kind::Policy, format!("{c}` on table `{t}")),
                ["tables", t, "triggers", c] => (Kind::Trigger, format!("{c}` on table `{t}")),
                ["tables", t, "checks", c] => (Kind::Constraint, format!("{c}` on table `{t}")),
                ["functions", f] => (Kind::Function, f.to_string()),
                ["enums", e] => (Kind::Enum, e.to_string()),
                ["views", v] => (Kind::View, v.to_string()),
                ["sequences", v] => (Kind::Sequence, v.to_string()),
                ["types", v] => (Kind::CompositeType, v.to_string()),
                ["domains", v] => (Kind::Domain, v.to_string()),
                ["materialized_views", v] => (Kind::MaterializedView, v.to_string()),
                ["policy_templates", t] => (Kind::PolicyTemplate, t.to_string()),
                ["sql", b] => (Kind::RawSql, b.to_string()),
                [key, v] if crate::kinds::DECLARED.iter().any(|(k, _)| k == key) => {
                    let noun = crate::kinds::DECLARED
                        .iter()
                        .find(|(k, _)| k == key)
                        .map_or("object", |(_, n)| *n);
                    (Kind::Declared(noun), v.to_string())
                }
                _ => (Kind::Key, keys.join(".")),
            };
            let conv = |pos: &crate::load::yaml::Pos| Loc {
                file,
                line: pos.line,
                col: pos.col,
                len: pos.len,
            };
            self.model.duplicates.push(Duplicate {
                kind,
                name,
                first: conv(first),
                second: conv(second),
                differences: vec!["both definitions are in the same mapping; YAML would silently keep only the last one".into()],
            });
        }
    }

    fn file(&mut self, at: &At, mut raw: RawFile) {
        let mut declared = std::mem::take(&mut self.model.declared);
        crate::kinds::build_all(
            raw.take_declared(),
            &mut DeclaredCx {
                b: self,
                at,
                base: top(&[]),
            },
            &mut declared,
        );
        self.model.declared = declared;
        for (i, e) in raw.extensions.into_iter().enumerate() {
            let loc = at.val(&idx(&top(&["extensions"]), i));
            if !self.model.extensions.iter().any(|x| x.name == e) {
                self.model.extensions.push(Named { name: e, loc });
            }
        }
        for (i, r) in raw.roles.into_iter().enumerate() {
            let loc = at.val(&idx(&top(&["roles"]), i));
            if !self.model.roles.iter().any(|x| x.name == r) {
                self.model.roles.push(Named { name: r, loc });
            }
        }
        for (name, def) in raw.enums {
            let base = top(&["enums", &name]);
            let loc = at.key(&base);
            let Some(q) = self.qual(&name, loc) else {
                continue;
            };
            let (values, labels, comment, owner_of) = match def {
                RawEnumDef::Short(v) => (v, base, None, None),
                RawEnumDef::Full(e) => (e.values, path(&base, &["values"]), e.comment, e.owner),
            };
            let values: Vec<Named> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Named {
                    name: v,
                    loc: at.val(&idx(&labels, i)),
                })
                .collect();
            for v in values.iter().filter(|v| v.name.len() > names::MAX_IDENT) {
                self.errors.push(invalid(
                    v.loc,
                    format!(
                        "the label of enum `{name}` is {} bytes long; PostgreSQL takes at most {}",
                        v.name.len(),
                        names::MAX_IDENT
                    ),
                    "shorten the label",
                ));
            }
            let e = Enum {
                owner: owner(at, owner_of, &base),
                name: q.clone(),
                loc,
                values,
                comment,
            };
            if let Some(prev) = self.model.enums.get(&q) {
                self.dup(Kind::Enum, q.to_string(), prev.loc, loc, Vec::new());
            } else {
                self.model.enums.insert(q, e);
            }
        }
        for (name, f) in raw.functions {
            self.function(at, &name, f);
        }
        for (name, t) in raw.tables {
            self.table(at, &name, t);
        }
        for (name, v) in raw.views {
            let base = top(&["views", &name]);
            let loc = at.key(&base);
            let Some(q) = self.qual(&name, loc) else {
                continue;
            };
            let mut triggers = IndexMap::new();
            for (trname, tr) in v.triggers {
                let p = path(&base, &["triggers", &trname]);
                if let Some(tr) = self.trigger(at, &p, &trname, tr, true) {
                    triggers.insert(tr.name.clone(), tr);
                }
            }
            let view = View {
                name: q.clone(),
                loc,
                query: Sql::query(v.query, at.val(&path(&base, &["query"]))),
                security_invoker: v.security_invoker,
                comment: v.comment,
                owner: owner(at, v.owner, &base),
                triggers,
            };
            if let Some(prev) = self.model.views.get(&q) {
                self.dup(Kind::View, q.to_string(), prev.loc, loc, Vec::new());
            } else {
                self.model.views.insert(q, view);
            }
        }
        for (name, seq) in raw.sequences {
            self.sequence(at, &name, seq);
        }
        for (name, ty) in raw.types {
            self.composite_type(at, &name, ty);
        }
        for (name, d) in raw.domains {
            self.domain(at, &name, d);
        }
        for (name, mv) in raw.materialized_views {
            self.materialized_view(at, &name, mv);
        }
        for (name, block) in raw.sql {
            self.raw_sql(at, &name, block);
        }
        for (i, g) in raw.grants.into_iter().enumerate() {
            let base = idx(&top(&["grants"]), i);
            let privilege_locs: Vec<Loc> = (0..g.privileges.len())
                .map(|j| at.val(&idx(&path(&base, &["privileges"]), j)))
                .collect();
            let to: Vec<(String, Loc)> =
                g.to.iter()
                    .enumerate()
                    .map(|(j, r)| (r.clone(), at.val(&idx(&path(&base, &["to"]), j))))
                    .collect();
            let on = match (&g.on, &g.function) {
                (Some(on), None) => on,
                (None, Some(f)) => {
                    let function_loc = at.val(&path(&base, &["function"]));
                    if let Some(c) = &g.columns {
                        if !c.is_empty() {
                            self.errors.push(invalid(
                                at.val(&path(&base, &["columns"])),
                                "a grant on a function names columns",
                                "remove `columns:`",
                            ));
                        }
                    }
                    let Some(function) = self.qual(f, function_loc) else {
                        continue;
                    };
                    self.model.function_privileges.push(FunctionPrivilege {
                        function,
                        function_loc,
                        privileges: g.privileges.iter().map(|p| privilege(*p)).collect(),
                        privilege_locs,
                        to,
                        grant_option: g.with_grant_option,
                        loc: at.val(&base),
                    });
                    continue;
                }
                _ => {
                    self.errors.push(invalid(
                        at.val(&base),
                        "a grant names neither or both of `on` and `function`",
                        "write `on: table, view or sequence` or `function: name`",
                    ));
                    continue;
                }
            };
            let on_loc = at.val(&path(&base, &["on"]));
            let Some(on) = self.qual(on, on_loc) else {
                continue;
            };
            let columns = g
                .columns
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(j, c)| (c, at.val(&idx(&path(&base, &["columns"]), j))))
                .collect();
            self.model.grants.push(Grant {
                on,
                on_loc,
                privileges: g.privileges.iter().map(|p| privilege(*p)).collect(),
                privilege_locs,
                columns,
                grant_option: g.with_grant_option,
                to,
                loc: at.val(&base),
                derived: None,
            });
        }
        for (tname, triggers) in raw.external_triggers {
            let tb = top(&["external_triggers", &tname]);
            let Some(ext) = self.external(at, &tname, &tb) else {
                continue;
            };
            for (trname, tr) in triggers {
                let p = path(&tb, &[&trname]);
                if let Some(tr) = self.trigger(at, &p, &trname, tr, false) {
                    let e = self.model.external.get_mut(&ext).expect("registered above");
                    if let Some(prev) = e.triggers.get(&tr.name) {
                        let first = prev.loc;
                        self.dup(
                            Kind::Trigger,
                            format!("{}` on table `{ext}", tr.name),
                            first,
                            tr.loc,
                            Vec::new(),
                        );
                    } else {
                        e.triggers.insert(tr.name.clone(), tr);
                    }
                }
            }
        }
        for (tname, policies) in raw.external_policies {
            let tb = top(&["external_policies", &tname]);
            let Some(ext) = self.external(at, &tname, &tb) else {
                continue;
            };
            for (pname, pol) in policies {
                let p = path(&tb, &[&pname]);
                if let Some(policy) =
                    self.policy(at, &p, &format!("external_policies.{tname}"), &pname, pol)
                {
                    let e = self.model.external.get_mut(&ext).expect("registered above");
                    if let Some(prev) = e.policies.get(&policy.name) {
                        let first = prev.loc;
                        self.dup(
                            Kind::Policy,
                            format!("{}` on table `{ext}", policy.name),
                            first,
                            policy.loc,
                            Vec::new(),
                        );
                        continue;
                    }
                    if policy.template.is_some() {
                        self.pending_templates
                            .push((Owner::External(ext.clone()), policy.name.clone()));
                    }
                    e.policies.insert(policy.name.clone(), policy);
                }
            }
        }
        for (name, p) in raw.publications {
            let base = top(&["publications", &name]);
            let loc = at.key(&base);
            let mut tables = Vec::new();
            for (i, t) in p.tables.iter().enumerate() {
                let tloc = at.val(&idx(&path(&base, &["tables"]), i));
                if let Some(q) = self.qual(t, tloc) {
                    tables.push((q, tloc));
                }
            }
            let mut operations: Vec<PubOperation> = p
                .operations
                .unwrap_or_else(|| {
                    vec![
                        RawPubOperation::Insert,
                        RawPubOperation::Update,
                        RawPubOperation::Delete,
                        RawPubOperation::Truncate,
                    ]
                })
                .into_iter()
                .map(|o| match o {
                    RawPubOperation::Insert => PubOperation::Insert,
                    RawPubOperation::Update => PubOperation::Update,
                    RawPubOperation::Delete => PubOperation::Delete,
                    RawPubOperation::Truncate => PubOperation::Truncate,
                })
                .collect();
            operations.sort();
            operations.dedup();
            match self.model.publications.get_mut(&name) {
                Some(prev) if prev.loc.is_some() => {
                    let first = prev.loc.unwrap_or(loc);
                    self.dup(
                        Kind::Key,
                        format!("publications.{name}"),
                        first,
                        loc,
                        Vec::new(),
                    );
                }
                _ => {
                    self.model.publications.insert(
                        name.clone(),
                        Publication {
                            name,
                            loc: Some(loc),
                            tables,
                            operations,
                        },
                    );
                }
            }
        }
        if let Some(storage) = raw.storage {
            for (id, b) in storage.buckets {
                let base = top(&["storage", "buckets", &id]);
                let loc = at.key(&base);
                let limit = match b.file_size_limit.as_deref().map(parse_size) {
                    None => None,
                    Some(Ok(n)) => Some(n),
                    Some(Err(e)) => {
                        self.errors.push(invalid(
                            at.val(&path(&base, &["file_size_limit"])),
                            e,
                            "write bytes (`5242880`) or a size such as `5MB`, `512KB`, `1GB`",
                        ));
                        continue;
                    }
                };
                if let Some(prev) = self.model.buckets.get(&id) {
                    let first = prev.loc;
                    self.dup(
                        Kind::Key,
                        format!("storage.buckets.{id}"),
                        first,
                        loc,
                        Vec::new(),
                    );
                    continue;
                }
                self.model.buckets.insert(
                    id.clone(),
                    Bucket {
                        id,
                        loc,
                        public: b.public,
                        file_size_limit: limit,
                        allowed_mime_types: b.allowed_mime_types,
                    },
                );
            }
        }
        for (name, c) in raw.schemas_config {
            let base = top(&["schemas_config", &name]);
            let loc = at.key(&base);
            let grants = c
                .grants
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let gp = idx(&path(&base, &["grants"]), i);
                    let mut privs: Vec<SchemaPrivilege> = g
                        .privileges
                        .iter()
                        .map(|p| match p {
                            RawSchemaPrivilege::Usage => SchemaPrivilege::Usage,
                            RawSchemaPrivilege::Create => SchemaPrivilege::Create,
                        })
                        .collect();
                    privs.sort();
                    privs.dedup();
                    let to =
                        g.to.iter()
                            .enumerate()
                            .map(|(j, r)| (r.clone(), at.val(&idx(&path(&gp, &["to"]), j))))
                            .collect();
                    (privs, to, g.with_grant_option)
                })
                .collect();
            if let Some(prev) = self.model.schema_configs.get(&name) {
                let first = prev.loc;
                self.dup(
                    Kind::Key,
                    format!("schemas_config.{name}"),
                    first,
                    loc,
                    Vec::new(),
                );
                continue;
            }
            self.model.schema_configs.insert(
                name.clone(),
                SchemaConfig {
                    name,
                    loc,
                    grants,
                    comment: c.comment,
                },
            );
        }
        for (i, d) in raw.default_privileges.into_iter().enumerate() {
            let base = idx(&top(&["default_privileges"]), i);
            self.model.default_privileges.push(DefaultPrivilege {
                loc: at.val(&base),
                in_schema: d.in_schema,
                on: match d.on {
                    RawDefaultObjects::Tables => DefaultObjects::Tables,
                    RawDefaultObjects::Sequences => DefaultObjects::Sequences,
                    RawDefaultObjects::Functions => DefaultObjects::Functions,
                },
                privileges: d.privileges.iter().map(|p| privilege(*p)).collect(),
                to: d
                    .to
                    .iter()
                    .enumerate()
                    .map(|(j, r)| (r.clone(), at.val(&idx(&path(&base, &["to"]), j))))
                    .collect(),
                for_role: d.for_role,
            });
        }
        for (name, t) in raw.policy_templates {
            let loc = at.key(&top(&["policy_templates", &name]));
            if let Some(prev) = self.model.policy_templates.get(&name) {
                let first = prev.loc.unwrap_or(loc);
                self.dup(Kind::PolicyTemplate, name.clone(), first, loc, Vec::new());
            } else {
                self.model
                    .policy_templates
                    .insert(name.clone(), PolicyTemplate::from_raw(&name, t, Some(loc)));
            }
        }
    }

    fn dup(&mut self, kind: Kind, name: String, first: Loc, second: Loc, differences: Vec<String>) {
        self.model.duplicates.push(Duplicate {
            kind,
            name,
            first,
            second,
            differences,
        });
    }

    fn function(&mut self, at: &At, name: &str, f: RawFunction) {
        let base = top(&["functions", name]);
        let loc = at.key(&base);
        // `name(type, …)`: an overload, told apart by its argument types.
        let (bare, key_types) = split_signature(name);
        let Some(q) = self.qual(bare, loc) else {
            return;
        };
        let mut args = Vec::new();
        for (i, a) in f.args.into_iter().enumerate() {
            let ab = idx(&path(&base, &["args"]), i);
            let ty_loc = at.val(&path(&ab, &["type"]));
            let Some(ty) = self.sql_type(&a.ty, ty_loc) else {
                continue;
            };
            args.push(Arg {
                name: a.name,
                ty,
                default: a
                    .default
                    .map(|d| Sql::new(d, at.val(&path(&ab, &["default"])))),
                mode: match a.mode {
                    None | Some(RawArgMode::In) => ArgMode::In,
                    Some(RawArgMode::Out) => ArgMode::Out,
                    Some(RawArgMode::Inout) => ArgMode::InOut,
                    Some(RawArgMode::Variadic) => ArgMode::Variadic,
                },
                mode_loc: if a.mode.is_some() {
                    at.val(&path(&ab, &["mode"]))
                } else {
                    ty_loc
                },
                loc: ty_loc,
            });
        }
        if let Some(written) = key_types {
            let given: Option<Vec<String>> =
                super::types::split_top_level(written)
                    .ok()
                    .and_then(|parts| {
                        parts
                            .into_iter()
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(|t| SqlType::parse(t).ok().map(|t| t.to_string()))
                            .collect()
                    });
            let inputs: Vec<String> = args
                .iter()
                .filter(|a| a.mode.is_input())
                .map(|a| a.ty.to_string())
                .collect();
            if given.as_ref() != Some(&inputs) {
                self.errors.push(invalid(
                    loc,
                    format!(
                        "the key `{name}` names the argument types ({written}), but `args:` gives ({})",
                        inputs.join(", ")
                    ),
                    format!(
                        "write the key as `{bare}({})`, the types of the arguments a caller passes, or `{bare}` alone when the name is not overloaded",
                        inputs.join(", ")
                    ),
                ));
                return;
            }
        }
        let func = Function {
            owner: owner(at, f.owner.clone(), &base),
            name: q,
            loc,
            args,
            returns: f.returns,
            returns_loc: at.val(&path(&base, &["returns"])),
            language: f.language,
            security: match f.security {
                Some(RawSecurity::Definer) => Security::Definer,
                _ => Security::Invoker,
            },
            search_path: f.search_path,
            volatility: match f.volatility {
                Some(RawVolatility::Stable) => Volatility::Stable,
                Some(RawVolatility::Immutable) => Volatility::Immutable,
                _ => Volatility::Volatile,
            },
            strict: f.strict.unwrap_or(false),
            leakproof: f.leakproof.unwrap_or(false),
            parallel: match f.parallel {
                Some(RawParallel::Safe) => Parallel::Safe,
                Some(RawParallel::Restricted) => Parallel::Restricted,
                _ => Parallel::Unsafe,
            },
            cost: f.cost.map(|value| Number {
                value,
                loc: at.val(&path(&base, &["cost"])),
            }),
            rows: f.rows.map(|value| Number {
                value,
                loc: at.val(&path(&base, &["rows"])),
            }),
            settings: settings(at, f.set, &path(&base, &["set"])),
            comment: f.comment,
            body: f.body,
            api: match (&f.api_roles, f.api) {
                (Some(roles), _) => Some(FunctionApi {
                    loc: at.key(&path(&base, &["api_roles"])),
                    roles: Some(
                        roles
                            .iter()
                            .enumerate()
                            .map(|(i, r)| {
                                (r.clone(), at.val(&idx(&path(&base, &["api_roles"]), i)))
                            })
                            .collect(),
                    ),
                }),
                (None, Some(true)) => Some(FunctionApi {
                    loc: at.key(&path(&base, &["api"])),
                    roles: None,
                }),
                (None, _) => None,
            },
        };
        let sig = func.signature();
        if let Some(prev) = self.model.functions.iter().find(|g| g.signature() == sig) {
            let mut diffs = Vec::new();
            if prev.body.trim() != func.body.trim() {
                diffs.push("the bodies differ".to_string());
            }
            if prev.returns.trim() != func.returns.trim() {
                diffs.push(format!(
                    "returns `{}` here, `{}` there",
                    prev.returns, func.returns
                ));
            }
            let first = prev.loc;
            self.dup(Kind::Function, sig, first, loc, diffs);
        } else {
            self.model.functions.push(func);
        }
    }

    fn table(&mut self, at: &At, name: &str, t: RawTable) {
        let base = top(&["tables", name]);
        let loc = at.key(&base);
        let Some(q) = self.qual(name, loc) else {
            return;
        };
        let tname = q.name.clone();
        let mut table = Table {
            name: q.clone(),
            loc,
            owner: owner(at, t.owner.clone(), &base),
            unlogged: t.unlogged,
            comment: t.comment,
            columns: IndexMap::new(),
            primary_key: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            exclusions: Vec::new(),
            triggers: IndexMap::new(),
            rls: Rls {
                enable: false,
                force: false,
                loc: None,
            },
            policies: IndexMap::new(),
            realtime: None,
            renamed_from: None,
            api_off: (t.api == Some(false)).then(|| at.key(&path(&base, &["api"]))),
            api_roles: t.api_roles.as_ref().map(|roles| {
                roles
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.clone(), at.val(&idx(&path(&base, &["api_roles"]), i))))
                    .collect()
            }),
            partition_by: t
                .partition_by
                .map(|k| Sql::new(k, at.val(&path(&base, &["partition_by"])))),
            partition_of: None,
            inherits: Vec::new(),
        };
        for (i, parent) in t.inherits.iter().enumerate() {
            let ploc = at.val(&idx(&path(&base, &["inherits"]), i));
            if let Some(parent) = self.qual(parent, ploc) {
                table.inherits.push((parent, ploc));
            }
        }
        if let Some(parent) = &t.partition_of {
            let ploc = at.val(&path(&base, &["partition_of"]));
            if let Some(parent) = self.qual(parent, ploc) {
                table.partition_of = Some(PartitionOf {
                    parent,
                    loc: ploc,
                    bounds: t
                        .bounds
                        .clone()
                        .map(|b| Sql::new(b, at.val(&path(&base, &["bounds"])))),
                });
            }
        } else if t.bounds.is_some() {
            self.errors.push(invalid(
                at.key(&path(&base, &["bounds"])),
                "`bounds:` is a partition's: this table has no `partition_of:`".to_string(),
                "name the partitioned table with `partition_of: <table>`, or remove `bounds:`",
            ));
        }
        if let Some(old) = &t.renamed_from {
            let rloc = at.val(&path(&base, &["renamed_from"]));
            table.renamed_from = self.previous_name(old, &q.schema, rloc);
        }
        let mut pk_cols: Vec<(String, Loc)> = Vec::new();
        let mut pk_loc = None;
        for (cname, def) in t.columns {
            let cb = path(&base, &["columns", &cname]);
            let cloc = at.key(&cb);
            let col = match def {
                RawColumnDef::Short(ty) => RawColumn {
                    ty,
                    collation: None,
                    nullable: None,
                    primary_key: false,
                    unique: false,
                    default: None,
                    check: None,
                    references: None,
                    on_delete: None,
                    on_update: None,
                    identity: None,
                    generated: None,
                    comment: None,
                    renamed_from: None,
                },
                RawColumnDef::Full(c) => c,
            };
            let short = at.index.key_at(path(&cb, &["type"]).0).is_none();
            let ty_loc = if short {
                at.val(&cb)
            } else {
                at.val(&path(&cb, &["type"]))
            };
            let Some(ty) = self.sql_type(&col.ty, ty_loc) else {
                continue;
            };
            if col.primary_key {
                pk_cols.push((cname.clone(), cloc));
                pk_loc.get_or_insert(at.key(&path(&cb, &["primary_key"])));
            }
            if col.unique {
                table.uniques.push(Key {
                    name: make_object_name(&tname, Some(&cname), "key"),
                    columns: vec![(cname.clone(), cloc)],
                    loc: at.key(&path(&cb, &["unique"])),
                    deferrable: false,
                    initially_deferred: false,
                    nulls_not_distinct: false,
                    comment: None,
                });
            }
            if let Some(c) = col.check {
                table.checks.push(CheckConstraint {
                    name: make_object_name(&tname, Some(&cname), "check"),
                    expr: Sql::new(c, at.val(&path(&cb, &["check"]))),
                    loc: at.key(&path(&cb, &["check"])),
                    no_inherit: false,
                    not_valid: false,
                    comment: None,
                });
            }
            if let Some(r) = col.references {
                let rloc = at.val(&path(&cb, &["references"]));
                match parse_reference(&r) {
                    Ok((rt, rc)) => table.foreign_keys.push(ForeignKey {
                        name: make_object_name(&tname, Some(&cname), "fkey"),
                        loc: at.key(&path(&cb, &["references"])),
                        columns: vec![(cname.clone(), cloc)],
                        ref_table: rt,
                        ref_columns: rc,
                        ref_loc: rloc,
                        on_delete: col.on_delete.map(fk_action),
                        on_update: col.on_update.map(fk_action),
                        match_full: false,
                        deferrable: false,
                        initially_deferred: false,
                        not_valid: false,
                        comment: None,
                    }),
                    Err(e) => self.errors.push(invalid(
                        rloc,
                        e,
                        "write `table(column)` or `schema.table(column)`",
                    )),
                }
            } else if col.on_delete.is_some() || col.on_update.is_some() {
                self.errors.push(invalid(
                    at.key(&path(
                        &cb,
                        &[if col.on_delete.is_some() {
                            "on_delete"
                        } else {
                            "on_update"
                        }],
                    )),
                    format!("column `{cname}` has an FK action but no `references`"),
                    "add `references: table(column)` or remove the action",
                ));
            }
            // A serial column is NOT NULL, as PostgreSQL makes it.
            let nullable = col
                .nullable
                .unwrap_or(!col.primary_key && col.identity.is_none() && !ty.is_serial());
            if col.primary_key && col.nullable == Some(true) {
                self.errors.push(invalid(
                    at.val(&path(&cb, &["nullable"])),
                    format!("primary key column `{cname}` cannot be nullable"),
                    "remove `nullable: true`",
                ));
            }
            let (identity, identity_options) = match &col.identity {
                None => (None, None),
                Some(raw) => {
                    let (mode, declared) = match raw {
                        RawIdentity::Mode(m) => (*m, crate::kinds::sequence::Options::default()),
                        RawIdentity::Full(f) => (
                            f.generated,
                            crate::kinds::sequence::Options {
                                data_type: None,
                                start: f.start,
                                increment: f.increment,
                                min: f.min,
                                max: f.max,
                                cache: f.cache,
                                cycle: f.cycle,
                            },
                        ),
                    };
                    let mode = match mode {
                        RawIdentityMode::Always => Identity::Always,
                        RawIdentityMode::ByDefault => Identity::ByDefault,
                    };
                    let resolved = crate::kinds::sequence::Options {
                        data_type: Some(ty.to_string()),
                        ..declared
                    }
                    .resolve();
                    match resolved {
                        Ok(d) => (Some(mode), Some(d)),
                        Err(e) => {
                            self.errors.push(invalid(
                                at.val(&path(&cb, &["identity"])),
                                format!("identity column `{cname}`: {e}"),
                                "an identity column is smallint, integer or bigint, and its options follow CREATE SEQUENCE",
                            ));
                            (Some(mode), None)
                        }
                    }
                }
            };
            let column = Column {
                name: cname.clone(),
                loc: cloc,
                ty,
                ty_loc,
                collation: col
                    .collation
                    .clone()
                    .map(|c| (c, at.val(&path(&cb, &["collation"])))),
                nullable,
                default: col
                    .default
                    .map(|d| Sql::new(d, at.val(&path(&cb, &["default"])))),
                identity,
                identity_options,
                generated: col
                    .generated
                    .map(|g| Sql::new(g, at.val(&path(&cb, &["generated"])))),
                comment: col.comment,
                renamed_from: col.renamed_from.as_deref().and_then(|old| {
                    let rloc = at.val(&path(&cb, &["renamed_from"]));
                    self.previous_name(old, "", rloc)
                }),
            };
            table.columns.insert(cname, column);
        }
        // A key's columns and where they are written, its own name if it has one, and its
        // options (deferrable, initially deferred, nulls not distinct).
        let key_parts = |key: &RawKey, p: &P| match key {
            RawKey::Columns(c) => (None, c.clone(), *p, (false, false, false), None),
            RawKey::Named(k) => (
                k.name.clone().map(|n| (n, path(p, &["name"]))),
                k.columns.clone(),
                path(p, &["columns"]),
                (
                    k.deferrable || k.initially_deferred,
                    k.initially_deferred,
                    k.nulls_not_distinct,
                ),
                k.comment.clone(),
            ),
        };
        let mut pk_name = None;
        let mut pk_options = (false, false);
        let mut pk_comment = None;
        if let Some(pk) = &t.primary_key {
            let p = path(&base, &["primary_key"]);
            let (name, pk, cp, (deferrable, deferred, nulls), comment) = key_parts(pk, &p);
            pk_name = name.map(|(n, np)| self.ident(&n, at.val(&np)));
            pk_options = (deferrable, deferred);
            pk_comment = comment;
            if nulls {
                self.errors.push(invalid(
                    at.key(&path(&p, &["nulls_not_distinct"])),
                    format!("the primary key of `{q}` cannot be NULLS NOT DISTINCT: its columns are never null"),
                    "remove `nulls_not_distinct`, or make it a `unique` constraint",
                ));
            }
            if !pk_cols.is_empty() {
                self.errors.push(invalid(
                    at.key(&p),
                    format!("table `{q}` declares its primary key twice (on columns and in `primary_key`)"),
                    "keep either `primary_key: true` on the column or the table-level `primary_key` list",
                ));
            }
            pk_cols = cols_at(at, &pk, &cp);
            pk_loc = Some(at.key(&p));
            for (c, _) in &pk_cols {
                if let Some(col) = table.columns.get_mut(c) {
                    col.nullable = false;
                }
            }
        }
        if !pk_cols.is_empty() {
            table.primary_key = Some(Key {
                name: pk_name.unwrap_or_else(|| make_object_name(&tname, None, "pkey")),
                columns: pk_cols,
                loc: pk_loc.unwrap_or(loc),
                deferrable: pk_options.0,
                initially_deferred: pk_options.1,
                nulls_not_distinct: false,
                comment: pk_comment,
            });
        }
        for (i, u) in t.unique.iter().enumerate() {
            let p = idx(&path(&base, &["unique"]), i);
            let (name, u, cp, (deferrable, initially_deferred, nulls_not_distinct), comment) =
                key_parts(u, &p);
            table.uniques.push(Key {
                name: match name {
                    Some((n, np)) => self.ident(&n, at.val(&np)),
                    None => make_object_name(&tname, Some(&u.join("_")), "key"),
                },
                columns: cols_at(at, &u, &cp),
                loc: at.val(&p),
                deferrable,
                initially_deferred,
                nulls_not_distinct,
                comment,
            });
        }
        for (cname, check) in t.checks {
            let p = path(&base, &["checks", &cname]);
            let (expr, ep, no_inherit, not_valid, comment) = match check {
                RawCheck::Short(e) => (e, p, false, false, None),
                RawCheck::Full(c) => (
                    c.check,
                    path(&p, &["check"]),
                    c.no_inherit,
                    c.not_valid,
                    c.comment,
                ),
            };
            table.checks.push(CheckConstraint {
                name: self.ident(&cname, at.key(&p)),
                expr: Sql::new(expr, at.val(&ep)),
                loc: at.key(&p),
                no_inherit,
                not_valid,
                comment,
            });
        }
        for (i, fk) in t.foreign_keys.into_iter().enumerate() {
            let p = idx(&path(&base, &["foreign_keys"]), i);
            let rloc = at.val(&path(&p, &["references"]));
            match parse_reference(&fk.references) {
                Ok((rt, rc)) => table.foreign_keys.push(ForeignKey {
                    name: match &fk.name {
                        Some(n) => self.ident(n, at.val(&path(&p, &["name"]))),
                        None => make_object_name(&tname, Some(&fk.columns.join("_")), "fkey"),
                    },
                    loc: at.val(&p),
                    columns: cols_at(at, &fk.columns, &path(&p, &["columns"])),
                    ref_table: rt,
                    ref_columns: rc,
                    ref_loc: rloc,
                    on_delete: fk.on_delete.map(fk_action),
                    on_update: fk.on_update.map(fk_action),
                    match_full: fk.match_type == Some(RawFkMatch::Full),
                    deferrable: fk.deferrable || fk.initially_deferred,
                    initially_deferred: fk.initially_deferred,
                    not_valid: fk.not_valid,
                    comment: fk.comment.clone(),
                }),
                Err(e) => self
                    .errors
                    .push(invalid(rloc, e, "write `table(column, …)`")),
            }
        }
        for (i, ix) in t.indexes.into_iter().enumerate() {
            let p = idx(&path(&base, &["indexes"]), i);
            if let Some(ix) = self.index(at, &p, &q, ix) {
                table.indexes.push(ix);
            }
        }
        for (i, ex) in t.excludes.into_iter().enumerate() {
            let p = idx(&path(&base, &["excludes"]), i);
            let ex = self.exclusion(at, &p, &tname, ex);
            table.exclusions.push(ex);
        }
        for (trname, tr) in t.triggers {
            let p = path(&base, &["triggers", &trname]);
            if let Some(tr) = self.trigger(at, &p, &trname, tr, false) {
                table.triggers.insert(tr.name.clone(), tr);
            }
        }
        if let Some(rls) = t.rls {
            let l = Some(at.key(&path(&base, &["rls"])));
            table.rls = match rls {
                RawRls::Flag(b) => Rls {
                    enable: b,
                    force: false,
                    loc: l,
                },
                RawRls::Full(f) => Rls {
                    enable: f.enable,
                    force: f.force,
                    loc: l,
                },
            };
        }
        for (pname, pol) in t.policies {
            let p = path(&base, &["policies", &pname]);
            if let Some(policy) = self.policy(at, &p, &format!("tables.{name}"), &pname, pol) {
                if policy.template.is_some() {
                    // Expanded once every file's templates are known.
                    self.pending_templates
                        .push((Owner::Table(q.clone()), policy.name.clone()));
                }
                table.policies.insert(policy.name.clone(), policy);
            }
        }
        table.realtime = t.realtime.then(|| at.key(&path(&base, &["realtime"])));
        if let Some(prev) = self.model.tables.get(&q) {
            let diffs = table_differences(prev, &table);
            let first = prev.loc;
            self.dup(Kind::Table, q.to_string(), first, loc, diffs);
        } else {
            self.model.tables.insert(q, table);
        }
    }

    /// `sequences.<name>`.
    fn sequence(&mut self, at: &At, name: &str, raw: RawSequence) {
        let base = top(&["sequences", name]);
        let loc = at.key(&base);
        let Some(q) = self.qual(name, loc) else {
            return;
        };
        let declared = crate::kinds::sequence::Options {
            data_type: raw.data_type,
            start: raw.start,
            increment: raw.increment,
            min: raw.min,
            max: raw.max,
            cache: raw.cache,
            cycle: raw.cycle,
        };
        let options = match declared.resolve() {
            Ok(o) => o,
            Err(e) => {
                self.errors.push(invalid(
                    loc,
                    format!("sequence `{q}`: {e}"),
                    "PostgreSQL would refuse these options; see CREATE SEQUENCE",
                ));
                return;
            }
        };
        let owned_by = match &raw.owned_by {
            None => None,
            Some(o) => {
                let oloc = at.val(&path(&base, &["owned_by"]));
                match names::split_dotted(o).as_deref() {
                    Ok([t, c]) => Some((QualName::new(&q.schema, t), c.clone(), oloc)),
                    Ok([s, t, c]) => Some((QualName::new(s, t), c.clone(), oloc)),
                    _ => {
                        self.errors.push(invalid(
                            oloc,
                            format!("`owned_by: {o}` does not name a column"),
                            "write `table.column` or `schema.table.column`",
                        ));
                        return;
                    }
                }
            }
        };
        if let (Some(_), Some(_)) = (&raw.owner, &owned_by) {
            self.errors.push(invalid(
                at.val(&path(&base, &["owner"])),
                format!("sequence `{q}` has an `owner` and is owned by a column"),
                "a sequence owned by a column has its table's owner: remove `owner`, or set it on the table",
            ));
        }
        let seq = Sequence {
            name: q.clone(),
            loc,
            options,
            owned_by,
            comment: raw.comment,
            owner: owner(at, raw.owner, &base),
        };
        if let Some(prev) = self.model.sequences.get(&q) {
            self.dup(Kind::Sequence, q.to_string(), prev.loc, loc, Vec::new());
        } else {
            self.model.sequences.insert(q, seq);
        }
    }

    /// `types.<name>`.
    fn composite_type(&mut self, at: &At, name: &str, raw: RawCompositeType) {
        let base = top(&["types", name]);
        let loc = at.key(&base);
        let Some(q) = self.qual(name, loc) else {
            return;
        };
        let mut fields = Vec::new();
        for (fname, ty) in raw.fields {
            let fp = path(&base, &["fields", &fname]);
            let floc = at.key(&fp);
            if let Some(ty) = self.sql_type(&ty, at.val(&fp)) {
                fields.push(Field {
                    name: self.ident(&fname, floc),
                    ty,
                    loc: floc,
                });
            }
        }
        let ty = CompositeType {
            name: q.clone(),
            loc,
            fields,
            comment: raw.comment,
            owner: owner(at, raw.owner, &base),
        };
        if let Some(prev) = self.model.composite_types.get(&q) {
            self.dup(
                Kind::CompositeType,
                q.to_string(),
                prev.loc,
                loc,
                Vec::new(),
            );
        } else {
            self.model.composite_types.insert(q, ty);
        }
    }

    /// `domains.<name>`.
    fn domain(&mut self, at: &At, name: &str, raw: RawDomain) {
        let base = top(&["domains", name]);
        let loc = at.key(&base);
        let Some(q) = self.qual(name, loc) else {
            return;
        };
        let base_loc = at.val(&path(&base, &["type"]));
        let Some(ty) = self.sql_type(&raw.ty, base_loc) else {
            return;
        };
        let mut checks = Vec::new();
        for (cname, expr) in raw.checks {
            let p = path(&base, &["checks", &cname]);
            checks.push(CheckConstraint {
                name: self.ident(&cname, at.key(&p)),
                expr: Sql::new(expr, at.val(&p)),
                loc: at.key(&p),
                no_inherit: false,
                not_valid: false,
                comment: None,
            });
        }
        let d = Domain {
            name: q.clone(),
            loc,
            base: ty,
            base_loc,
            not_null: raw.not_null,
            default: raw
                .default
                .map(|d| Sql::new(d, at.val(&path(&base, &["default"])))),
            checks,
            comment: raw.comment,
            owner: owner(at, raw.owner, &base),
        };
        if let Some(prev) = self.model.domains.get(&q) {
            self.dup(Kind::Domain, q.to_string(), prev.loc, loc, Vec::new());
        } else {
            self.model.domains.insert(q, d);
        }
    }

    /// `sql.<name>`: a raw SQL block. Its name must be a plain identifier: it is written
    /// into SQL comments (`-- sql: name`), so nothing in it may end one or start a line.
    fn raw_sql(&mut self, at: &At, name: &str, raw: RawSqlBlock) {
        let base = top(&["sql", name]);
        let loc = at.key(&base);
        if !crate::sql::raw::is_block_name(name) {
            self.errors.push(invalid(
                loc,
                format!(
                    "`{}` is not a valid sql block name",
                    crate::sql::quote::comment_text(name)
                ),
                "name a block with lowercase letters, digits and `_`, starting with a letter or `_` (at most 63 characters): `nightly_cleanup`",
            ));
            return;
        }
        let block = RawSql {
            name: name.to_string(),
            loc,
            after: cols_at(at, &raw.after, &path(&base, &["after"])),
            comment: raw.comment,
            body: raw.body,
            body_loc: at.val(&path(&base, &["body"])),
        };
        if let Some(prev) = self.model.raw_sql.get(name) {
            self.dup(Kind::RawSql, name.to_string(), prev.loc, loc, Vec::new());
        } else {
            self.model.raw_sql.insert(name.to_string(), block);
        }
    }

    /// `materialized_views.<name>`.
    fn materialized_view(&mut self, at: &At, name: &str, raw: RawMaterializedView) {
        let base = top(&["materialized_views", name]);
        let loc = at.key(&base);
        let Some(q) = self.qual(name, loc) else {
            return;
        };
        let mut indexes = Vec::new();
        for (i, ix) in raw.indexes.into_iter().enumerate() {
            let p = idx(&path(&base, &["indexes"]), i);
            if let Some(ix) = self.index(at, &p, &q, ix) {
                indexes.push(ix);
            }
        }
        let mv = MaterializedView {
            name: q.clone(),
            loc,
            query: Sql::query(raw.query, at.val(&path(&base, &["query"]))),
            with_data: raw.with_data.unwrap_or(true),
            indexes,
            comment: raw.comment,
            owner: owner(at, raw.owner, &base),
        };
        if let Some(prev) = self.model.materialized_views.get(&q) {
            self.dup(
                Kind::MaterializedView,
                q.to_string(),
                prev.loc,
                loc,
                Vec::new(),
            );
        } else {
            self.model.materialized_views.insert(q, mv);
        }
    }

    /// One index of the table or materialized view `q`, written at `p`.
    fn index(&mut self, at: &At, p: &P, q: &QualName, ix: RawIndex) -> Option<Index> {
        let p = *p;
        let tname = &q.name;
        let iloc = if ix.name.is_some() {
            at.val(&path(&p, &["name"]))
        } else {
            at.val(&p)
        };
        if ix.columns.is_empty() && ix.expressions.is_empty() {
            self.errors.push(invalid(
                iloc,
                format!("an index on `{q}` has neither `columns` nor `expressions`"),
                "list the indexed columns: `{ columns: [user_id] }`",
            ));
            return None;
        }
        let mut elems: Vec<IndexElem> = cols_at(at, &ix.columns, &path(&p, &["columns"]))
            .into_iter()
            .map(|(c, l)| IndexElem::Column(c, l))
            .collect();
        elems.extend(ix.expressions.iter().enumerate().map(|(j, e)| {
            IndexElem::Expr(Sql::new(
                e.clone(),
                at.val(&idx(&path(&p, &["expressions"]), j)),
            ))
        }));
        let name = match ix.name {
            Some(n) => self.ident(&n, at.val(&path(&p, &["name"]))),
            None => {
                let mut parts: Vec<String> = ix.columns.clone();
                if !ix.expressions.is_empty() {
                    parts.push("expr".into());
                }
                make_object_name(tname, Some(&parts.join("_")), "idx")
            }
        };
        Some(Index {
            name,
            loc: iloc,
            method: ix.using.map_or(IndexMethod::Btree, index_method),
            elems,
            predicate: ix
                .predicate
                .map(|w| Sql::new(w, at.val(&path(&p, &["where"])))),
            unique: ix.unique,
            include: cols_at(at, &ix.include, &path(&p, &["include"])),
            nulls_not_distinct: ix
                .nulls_not_distinct
                .then(|| at.val(&path(&p, &["nulls_not_distinct"]))),
            storage: settings(at, ix.with, &path(&p, &["with"])),
            comment: ix.comment,
        })
    }

    /// One exclusion constraint of the table `tname`, written at `p`.
    fn exclusion(&mut self, at: &At, p: &P, tname: &str, ex: RawExclude) -> Exclusion {
        let ep = path(p, &["elements"]);
        let elems: Vec<ExclusionElem> = ex
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| ExclusionElem::parse(e, at.val(&idx(&ep, i))))
            .collect();
        let (name, loc) = match &ex.name {
            Some(n) => {
                let l = at.val(&path(p, &["name"]));
                (self.ident(n, l), l)
            }
            None => {
                let columns = elems
                    .iter()
                    .map(|e| match &e.elem {
                        IndexElem::Column(c, _) => Some(c.clone()),
                        IndexElem::Expr(s) => elem_column_name(&s.text),
                    })
                    .chain(ex.include.iter().map(|c| Some(c.clone())));
                (exclusion_name(tname, columns), at.val(p))
            }
        };
        if elems.is_empty() {
            self.errors.push(invalid(
                at.key(&ep),
                format!("exclusion constraint `{name}` has no elements"),
                "list what no two rows may share: `elements: [\"room WITH =\", \"during WITH &&\"]`",
            ));
        }
        let include = ex
            .include
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), at.val(&idx(&path(p, &["include"]), i))))
            .collect();
        Exclusion {
            name,
            loc,
            method: ex.using.map_or(IndexMethod::Btree, index_method),
            elems,
            include,
            predicate: ex
                .predicate
                .map(|w| Sql::new(w, at.val(&path(p, &["where"])))),
            deferrable: ex.deferrable || ex.initially_deferred,
            initially_deferred: ex.initially_deferred,
            comment: ex.comment,
        }
    }

    /// Registers (or finds) the external table `name` named at `p`.
    fn external(&mut self, at: &At, name: &str, p: &P) -> Option<QualName> {
        let loc = at.key(p);
        let q = self.qual(name, loc)?;
        self.model
            .external
            .entry(q.clone())
            .or_insert_with(|| ExternalTable {
                name: q.clone(),
                loc,
                triggers: IndexMap::new(),
                policies: IndexMap::new(),
            });
        Some(q)
    }

    /// `realtime: true` tables join `supabase_realtime` (created with the default
    /// operations when the project does not declare it).
    fn add_realtime_tables(&mut self) {
        let realtime: Vec<(QualName, Loc)> = self
            .model
            .tables
            .values()
            .filter_map(|t| t.realtime.map(|l| (t.name.clone(), l)))
            .collect();
        if realtime.is_empty() {
            return;
        }
        let p = self
            .model
            .publications
            .entry("supabase_realtime".into())
            .or_insert_with(|| Publication {
                name: "supabase_realtime".into(),
                loc: None,
                tables: Vec::new(),
                operations: vec![
                    PubOperation::Insert,
                    PubOperation::Update,
                    PubOperation::Delete,
                    PubOperation::Truncate,
                ],
            });
        for (q, l) in realtime {
            if !p.tables.iter().any(|(t, _)| *t == q) {
                p.tables.push((q, l));
            }
        }
    }

    /// A trigger at `p`, on a view when `on_view` (else on a table).
    fn trigger(
        &mut self,
        at: &At,
        p: &P,
        name: &str,
        tr: RawTrigger,
        on_view: bool,
    ) -> Option<Trigger> {
        let trname = self.ident(name, at.key(p));
        if !self.trigger_fits(at, p, &trname, &tr, on_view) {
            return None;
        }
        let floc = at.val(&path(p, &["function"]));
        let function = self.qual(tr.function.trim_end_matches("()"), floc)?;
        let mut events: Vec<TriggerEvent> = tr
            .events
            .iter()
            .map(|e| match e {
                RawTriggerEvent::Insert => TriggerEvent::Insert,
                RawTriggerEvent::Update => TriggerEvent::Update,
                RawTriggerEvent::Delete => TriggerEvent::Delete,
                RawTriggerEvent::Truncate => TriggerEvent::Truncate,
            })
            .collect();
        events.sort();
        events.dedup();
        if events.is_empty() {
            self.errors.push(invalid(
                at.val(&path(p, &["events"])),
                format!("trigger `{trname}` has no events"),
                "list at least one of insert, update, delete, truncate",
            ));
            return None;
        }
        let update_of = cols_at(at, &tr.update_of, &path(p, &["update_of"]));
        for (i, (c, loc)) in update_of.iter().enumerate() {
            if update_of[..i].iter().any(|(d, _)| d == c) {
                self.errors.push(invalid(
                    *loc,
                    format!("trigger `{trname}` lists column `{c}` twice in `update_of`"),
                    "list each column once",
                ));
                return None;
            }
        }
        if let Some((_, loc)) = update_of.first() {
            if !events.contains(&TriggerEvent::Update) {
                self.errors.push(invalid(
                    *loc,
                    format!("trigger `{trname}` has `update_of` but no `update` event"),
                    "`update_of` lists the columns whose update fires the trigger: add `update` to `events`, or remove it",
                ));
                return None;
            }
            if tr.when == RawTriggerTiming::InsteadOf {
                self.errors.push(invalid(
                    *loc,
                    format!("trigger `{trname}` is `instead_of` and has `update_of`"),
                    "an INSTEAD OF trigger fires for the whole row: remove `update_of`",
                ));
                return None;
            }
        }
        Some(Trigger {
            name: trname,
            loc: at.key(p),
            timing: match tr.when {
                RawTriggerTiming::Before => TriggerTiming::Before,
                RawTriggerTiming::After => TriggerTiming::After,
                RawTriggerTiming::InsteadOf => TriggerTiming::InsteadOf,
            },
            events,
            update_of,
            for_each_row: !matches!(tr.for_each, Some(RawForEach::Statement)),
            function,
            function_loc: floc,
            args: tr.args,
            condition: tr
                .condition
                .map(|c| Sql::new(c, at.val(&path(p, &["condition"])))),
            comment: tr.comment,
        })
    }

    /// Whether PostgreSQL takes a trigger of this timing, level and events on a table
    /// (`on_view` false) or a view; reports why not (SC006).
    fn trigger_fits(
        &mut self,
        at: &At,
        p: &P,
        trname: &str,
        tr: &RawTrigger,
        on_view: bool,
    ) -> bool {
        let row = !matches!(tr.for_each, Some(RawForEach::Statement));
        let instead = tr.when == RawTriggerTiming::InsteadOf;
        // The key named, or the trigger's own when it is left out.
        let key = |k: &str| match at.index.key_at(path(p, &[k]).0) {
            Some(pos) => at.conv(Some(pos)),
            None => at.key(p),
        };
        let refuse = |msg: String, loc: Loc, hint: &str| invalid(loc, msg, hint);
        let err = if instead && !on_view {
            Some(refuse(
                format!("trigger `{trname}` is `instead_of` on a table"),
                key("when"),
                "INSTEAD OF triggers are for views: use `before` or `after` on a table",
            ))
        } else if instead && !row {
            Some(refuse(
                format!("trigger `{trname}` is `instead_of` for each statement"),
                key("for_each"),
                "an INSTEAD OF trigger fires for each row: remove `for_each: statement`",
            ))
        } else if instead && tr.condition.is_some() {
            Some(refuse(
                format!("trigger `{trname}` is `instead_of` and has a `condition`"),
                key("condition"),
                "PostgreSQL takes no WHEN condition on an INSTEAD OF trigger: test in its function",
            ))
        } else if on_view && !instead && row {
            Some(refuse(
                format!("trigger `{trname}` on a view is a row-level `before`/`after` trigger"),
                key("when"),
                "a view takes `instead_of` row triggers, or `before`/`after` with `for_each: statement`",
            ))
        } else if on_view && tr.events.contains(&RawTriggerEvent::Truncate) {
            Some(refuse(
                format!("trigger `{trname}` on a view fires on `truncate`"),
                key("events"),
                "a view cannot be truncated: list insert, update or delete",
            ))
        } else if on_view && !instead && !tr.update_of.is_empty() {
            Some(refuse(
                format!("trigger `{trname}` on a view has `update_of`"),
                key("update_of"),
                "schemac does not know a view's columns: remove `update_of`",
            ))
        } else {
            None
        };
        match err {
            Some(d) => {
                self.errors.push(d);
                false
            }
            None => true,
        }
    }

    /// A policy at `p`; `owner_path` names its parent in messages (`tables.goals`).
    fn policy(
        &mut self,
        at: &At,
        p: &P,
        owner_path: &str,
        name: &str,
        pol: RawPolicy,
    ) -> Option<Policy> {
        let ploc = at.key(p);
        let pname = self.ident(name, ploc);
        if pol.template.is_none() {
            if let Some(extra) = pol.params.keys().next() {
                self.errors.push(
                    Diagnostic::new(
                        "SC004",
                        "invalid-structure",
                        Severity::Error,
                        format!("invalid definition: {owner_path}.policies.{pname}: unknown field `{extra}`, expected one of `template`, `command`, `roles`, `using`, `with_check`, `permissive`, `comment`"),
                    )
                    .label(at.key(&path(p, &[extra])), "")
                    .hint("keys other than these are only allowed as parameters of a `template`"),
                );
                return None;
            }
        }
        let template = pol.template.as_ref().map(|tn| TemplateUse {
            name: tn.clone(),
            loc: at.val(&path(p, &["template"])),
            explicit: Explicit {
                command: pol.command.is_some(),
                roles: pol.roles.is_some(),
                using: pol.using.is_some(),
                with_check: pol.with_check.is_some(),
            },
            params: pol
                .params
                .iter()
                .map(|(kk, v)| (kk.clone(), (v.clone(), at.key(&path(p, &[kk])))))
                .collect(),
            render_error: None,
        });
        let roles = pol
            .roles
            .as_ref()
            .map(|rs| {
                rs.iter()
                    .enumerate()
                    .map(|(i, r)| (r.clone(), at.val(&idx(&path(p, &["roles"]), i))))
                    .collect()
            })
            .unwrap_or_default();
        Some(Policy {
            name: pname,
            loc: ploc,
            command: pol.command.map(templates::command).unwrap_or(Command::All),
            roles,
            using: pol.using.map(|u| Sql::new(u, at.val(&path(p, &["using"])))),
            with_check: pol
                .with_check
                .map(|u| Sql::new(u, at.val(&path(p, &["with_check"])))),
            permissive: pol.permissive.unwrap_or(true),
            template,
            comment: pol.comment,
        })
    }

    /// Fills template-based policies now that all project templates are known.
    fn expand_templates(&mut self) {
        let builtins = templates::builtins();
        let expander = templates::Expander::new(
            builtins
                .values()
                .chain(self.model.policy_templates.values()),
        );
        // The column types of the last table seen: a table's policies are pending one after
        // the other and share them.
        let mut last_types: Option<(QualName, std::sync::Arc<IndexMap<String, SqlType>>)> = None;
        for (owner, pname) in std::mem::take(&mut self.pending_templates) {
            let (tq, types, policy) = match &owner {
                Owner::Table(tq) => {
                    let Some(table) = self.model.tables.get(tq) else {
                        continue;
                    };
                    let types = match &last_types {
                        Some((q, types)) if q == tq => types.clone(),
                        _ => {
                            let types = std::sync::Arc::new(table.column_types());
                            last_types = Some((tq.clone(), types.clone()));
                            types
                        }
                    };
                    (tq.clone(), types, table.policies.get(&pname))
                }
                Owner::External(tq) => {
                    let Some(ext) = self.model.external.get(tq) else {
                        continue;
                    };
                    (
                        tq.clone(),
                        std::sync::Arc::new(external_column_types(tq)),
                        ext.policies.get(&pname),
                    )
                }
            };
            let Some(policy) = policy else { continue };
            let Some(tu) = &policy.template else { continue };
            let Some(tpl) = self
                .model
                .policy_templates
                .get(&tu.name)
                .or_else(|| builtins.get(&tu.name))
            else {
                continue;
            };
            let rendered = expander.render(tpl, &tq, types, |name| {
                tu.params.get(name).map(|(v, _)| v.as_str())
            });
            let (command, roles) = (tpl.command, tpl.roles.clone());
            let tloc = tu.loc;
            let marks = tu.explicit;
            let policy = match &owner {
                Owner::Table(tq) => self
                    .model
                    .tables
                    .get_mut(tq)
                    .and_then(|t| t.policies.get_mut(&pname)),
                Owner::External(tq) => self
                    .model
                    .external
                    .get_mut(tq)
                    .and_then(|t| t.policies.get_mut(&pname)),
            };
            let Some(policy) = policy else { continue };
            if !marks.command {
                policy.command = command.unwrap_or(Command::All);
            }
            if !marks.roles {
                policy.roles = roles
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r, tloc))
                    .collect();
            }
            match rendered {
                Ok(r) => {
                    if !marks.using {
                        policy.using = r.using.map(|text| Sql::new(text, tloc));
                    }
                    if !marks.with_check {
                        policy.with_check = r.with_check.map(|text| Sql::new(text, tloc));
                    }
                }
                Err(e) => {
                    if let Some(tu) = policy.template.as_mut() {
                        tu.render_error = Some(e);
                    }
                }
            }
        }
    }
}

/// Human-readable differences between two definitions of one table.
fn table_differences(a: &Table, b: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for (name, ca) in &a.columns {
        match b.columns.get(name) {
            None => out.push(format!("column `{name}` is only in the first definition")),
            Some(cb) if ca.ty != cb.ty => out.push(format!(
                "column `{name}` is `{}` in the first definition and `{}` in the second",
                ca.ty, cb.ty
            )),
            Some(cb) if ca.nullable != cb.nullable => out.push(format!(
                "column `{name}` is {} in the first definition and {} in the second",
                if ca.nullable { "nullable" } else { "NOT NULL" },
                if cb.nullable { "nullable" } else { "NOT NULL" }
            )),
            _ => {}
        }
    }
    for name in b.columns.keys() {
        if !a.columns.contains_key(name) {
            out.push(format!("column `{name}` is only in the second definition"));
        }
    }
    out
}

fn index_method(m: RawIndexMethod) -> IndexMethod {
    match m {
        RawIndexMethod::Btree => IndexMethod::Btree,
        RawIndexMethod::Hash => IndexMethod::Hash,
        RawIndexMethod::Gin => IndexMethod::Gin,
        RawIndexMethod::Gist => IndexMethod::Gist,
        RawIndexMethod::Spgist => IndexMethod::Spgist,
        RawIndexMethod::Brin => IndexMethod::Brin,
        RawIndexMethod::Hnsw => IndexMethod::Hnsw,
        RawIndexMethod::Ivfflat => IndexMethod::Ivfflat,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_what_postgresql_reads() {
        for ok in ["5s", "100", "1.5min", " 2 h ", "0", "250ms", "10us", "1d"] {
            assert!(super::is_duration(ok), "{ok}");
        }
        for bad in [
            "",
            "s",
            "5 sec",
            "-1s",
            "1..2s",
            "5s; DROP TABLE t",
            "5s'",
            "1e3",
        ] {
            assert!(!super::is_duration(bad), "{bad}");
        }
    }
}
