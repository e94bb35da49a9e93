//! Rendering the model into the master migration.
//!
//! One minijinja template per object kind (`templates/sql/*.sql.j2`, embedded in the binary,
//! overridable per file with `--templates DIR`); Rust decides the order and quotes every
//! identifier and literal before a template sees it (the `ident` and `literal` filters are
//! there for templates that need more). Order: extensions → schemas → enums → domains →
//! composite types → sequences → functions → domain checks → tables (columns, primary key) →
//! unique/check constraints → sequence owners → foreign keys (as ALTER TABLE, so cycles work)
//! → indexes → views → materialized views (with their indexes, see [`kinds`]) → triggers → RLS → policies → (with `api_roles`: the API
//! roles' privileges revoked, see [`crate::model::api`]) → grants → sequence and function
//! privileges → comments → raw SQL (`sql:` blocks, in `after:` order: [`raw_sql`]); within a
//! kind by name, so the same input always gives the same bytes. Roles come after the schemas, and declared renames (`renamed_from:`) just before
//! the tables.

mod kinds;

use crate::diagnostic::Loc;
use crate::model::names::{quote_ident, quote_literal};
use crate::model::{
    ArgMode, Command, Function, IndexElem, Model, Parallel, Security, Sql, TriggerEvent,
    TriggerTiming, Volatility,
};
use minijinja::{context, Environment, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The embedded templates: (file name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "header.sql.j2",
        include_str!("../../templates/sql/header.sql.j2"),
    ),
    (
        "footer.sql.j2",
        include_str!("../../templates/sql/footer.sql.j2"),
    ),
    (
        "extension.sql.j2",
        include_str!("../../templates/sql/extension.sql.j2"),
    ),
    (
        "schema.sql.j2",
        include_str!("../../templates/sql/schema.sql.j2"),
    ),
    (
        "enum.sql.j2",
        include_str!("../../templates/sql/enum.sql.j2"),
    ),
    (
        "function.sql.j2",
        include_str!("../../templates/sql/function.sql.j2"),
    ),
    (
        "table.sql.j2",
        include_str!("../../templates/sql/table.sql.j2"),
    ),
    (
        "column.sql.j2",
        include_str!("../../templates/sql/column.sql.j2"),
    ),
    (
        "constraint.sql.j2",
        include_str!("../../templates/sql/constraint.sql.j2"),
    ),
    (
        "index.sql.j2",
        include_str!("../../templates/sql/index.sql.j2"),
    ),
    (
        "owner.sql.j2",
        include_str!("../../templates/sql/owner.sql.j2"),
    ),
    (
        "view.sql.j2",
        include_str!("../../templates/sql/view.sql.j2"),
    ),
    (
        "trigger.sql.j2",
        include_str!("../../templates/sql/trigger.sql.j2"),
    ),
    ("rls.sql.j2", include_str!("../../templates/sql/rls.sql.j2")),
    (
        "policy.sql.j2",
        include_str!("../../templates/sql/policy.sql.j2"),
    ),
    (
        "grant.sql.j2",
        include_str!("../../templates/sql/grant.sql.j2"),
    ),
    (
        "comment.sql.j2",
        include_str!("../../templates/sql/comment.sql.j2"),
    ),
    (
        "revoke.sql.j2",
        include_str!("../../templates/sql/revoke.sql.j2"),
    ),
    (
        "object_grant.sql.j2",
        include_str!("../../templates/sql/object_grant.sql.j2"),
    ),
    (
        "publication.sql.j2",
        include_str!("../../templates/sql/publication.sql.j2"),
    ),
    (
        "bucket.sql.j2",
        include_str!("../../templates/sql/bucket.sql.j2"),
    ),
    (
        "schema_grant.sql.j2",
        include_str!("../../templates/sql/schema_grant.sql.j2"),
    ),
    (
        "default_privilege.sql.j2",
        include_str!("../../templates/sql/default_privilege.sql.j2"),
    ),
    (
        "rename.sql.j2",
        include_str!("../../templates/sql/rename.sql.j2"),
    ),
    (
        "role.sql.j2",
        include_str!("../../templates/sql/role.sql.j2"),
    ),
    (
        "sequence.sql.j2",
        include_str!("../../templates/sql/sequence.sql.j2"),
    ),
    (
        "sequence_owner.sql.j2",
        include_str!("../../templates/sql/sequence_owner.sql.j2"),
    ),
    (
        "composite_type.sql.j2",
        include_str!("../../templates/sql/composite_type.sql.j2"),
    ),
    (
        "domain.sql.j2",
        include_str!("../../templates/sql/domain.sql.j2"),
    ),
    (
        "domain_checks.sql.j2",
        include_str!("../../templates/sql/domain_checks.sql.j2"),
    ),
    (
        "materialized_view.sql.j2",
        include_str!("../../templates/sql/materialized_view.sql.j2"),
    ),
    (
        "raw_sql.sql.j2",
        include_str!("../../templates/sql/raw_sql.sql.j2"),
    ),
];

/// SQL creating Supabase's auth schema, functions and roles on plain PostgreSQL, as
/// Supabase is today: the API roles get no privilege on what is created in `public`.
pub const STUBS: &str = include_str!("../../templates/sql/stubs.sql");

/// What Supabase projects created before 2026 also have (run after [`STUBS`]): default
/// privileges giving `anon`, `authenticated` and `service_role` everything on new tables,
/// sequences and functions in `public` (`schemac stubs --legacy-grants`).
pub const STUBS_LEGACY_GRANTS: &str = include_str!("../../templates/sql/stubs_legacy_grants.sql");

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template override `{path}`: {source}")]
    Override {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template `{name}`: {message}")]
    Template { name: String, message: String },
    #[error("{at}: refusing to write a SQL fragment PostgreSQL would read differently: {message} (run `schemac check`)")]
    UnsafeFragment { at: String, message: String },
    #[error("{at}: refusing to write sql block `{name}`: {message} (run `schemac check`)")]
    RawSql {
        at: String,
        name: String,
        message: String,
    },
}

/// What a function returns, parsed ([`crate::model::types::Returns`]) and written anew.
fn returns_sql(m: &Model, f: &Function) -> Result<String, RenderError> {
    crate::model::types::Returns::parse(&f.returns)
        .map(|r| r.to_string())
        .map_err(|e| RenderError::UnsafeFragment {
            at: position(m, f.returns_loc),
            message: format!("`returns` is not a type: {}", e.0),
        })
}

/// A function's language, written as an identifier.
fn language_sql(m: &Model, f: &Function) -> Result<String, RenderError> {
    if !crate::model::is_language_name(&f.language) {
        return Err(RenderError::UnsafeFragment {
            at: position(m, f.loc),
            message: format!("`{}` is not a language name", f.language.trim()),
        });
    }
    Ok(quote_ident(&f.language.trim().to_ascii_lowercase()))
}

fn position(m: &Model, l: Loc) -> String {
    format!("{}:{}:{}", m.sources.get(l.file).display, l.line, l.col)
}

/// A user's fragment as it is written into SQL ([`crate::sql::fragment::for_sql`]), trimmed;
/// an error for one that check reports as unsafe (SC401), whoever calls render.
fn frag<'a>(m: &Model, s: &'a Sql) -> Result<std::borrow::Cow<'a, str>, RenderError> {
    if let Some(e) = &s.unsafe_reason {
        return Err(RenderError::UnsafeFragment {
            at: position(m, s.loc),
            message: e.message.clone(),
        });
    }
    Ok(crate::sql::fragment::for_sql(s.text.trim()))
}

/// A compiled set of templates.
pub struct Renderer {
    env: Environment<'static>,
}

fn template_error(name: &str, e: &minijinja::Error) -> RenderError {
    let mut message = e.kind().to_string();
    if let Some(d) = e.detail() {
        message = format!("{message}: {d}");
    }
    if let Some(l) = e.line() {
        message = format!("{message} (line {l})");
    }
    RenderError::Template {
        name: name.to_string(),
        message,
    }
}

impl Renderer {
    /// Compiles the embedded templates, each replaced by `overrides/<name>` when that file
    /// exists.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("ident", |s: &str| quote_ident(s));
        env.add_filter("literal", |s: &str| quote_literal(s));
        for (name, src) in TEMPLATES.iter().chain(crate::kinds::TEMPLATES) {
            let source = match overrides.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|source| RenderError::Override { path: p, source })?,
                None => (*src).to_string(),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(Renderer { env })
    }

    fn render(&self, name: &'static str, ctx: Value) -> Result<String, RenderError> {
        self.template(name)?.render(ctx)
    }

    /// The compiled template `name`, looked up once for a loop that renders it many times.
    fn template(&self, name: &'static str) -> Result<Tpl<'_>, RenderError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        Ok(Tpl { name, t })
    }
}

/// A template of a [`Renderer`], with its name for error messages.
struct Tpl<'r> {
    name: &'static str,
    t: minijinja::Template<'r, 'r>,
}

impl Tpl<'_> {
    fn render(&self, ctx: Value) -> Result<String, RenderError> {
        self.t
            .render(ctx)
            .map_err(|e| template_error(self.name, &e))
    }
}

/// `s` without surrounding whitespace, reusing its buffer when nothing leads.
fn trimmed(mut s: String) -> String {
    let end = s.trim_end().len();
    s.truncate(end);
    match s.len() - s.trim_start().len() {
        0 => s,
        lead => s[lead..].to_string(),
    }
}

/// Inputs to the header that are not in the model.
pub struct HeaderInfo<'a> {
    pub project: &'a str,
    pub hash: &'a str,
    /// Render for a database known to be empty (a shadow database): plain CREATE/ALTER
    /// statements instead of the guarded, re-runnable forms. Templates see it as `fresh`.
    pub fresh: bool,
    /// Write the project's `sql:` blocks (gen's migration). A shadow or throwaway database
    /// is built without them: [`raw_sql`] renders them apart, for `--trust-raw-sql`.
    pub raw_sql: bool,
}

struct Out {
    /// Each source file's path relative to the project root, as `--` comments show it.
    rel_paths: Vec<String>,
    sql: String,
    /// Each object's SQL on its own; None when only the text is wanted.
    objects: Option<Vec<String>>,
}

/// A rendered migration: the file's text, and each object's SQL on its own (without header,
/// transaction and comments), for applying to a shadow database in batches.
#[derive(Debug, Clone)]
pub struct Migration {
    pub text: String,
    pub objects: Vec<String>,
}

impl Out {
    fn section(&mut self, title: &str) {
        let rule = "=".repeat(70);
        for line in [rule.as_str(), title, rule.as_str()] {
            self.sql.push_str("\n-- ");
            self.sql.push_str(line);
        }
        self.sql.push('\n');
    }

    /// Appends one object's SQL, preceded by the `file:line` it came from.
    fn object(&mut self, loc: Option<Loc>, sql: String) {
        use std::fmt::Write as _;
        self.sql.push('\n');
        if let Some(l) = loc {
            self.sql.push_str("-- ");
            self.sql
                .push_str(&crate::sql::quote::comment_text(&self.rel_paths[l.file.0]));
            let _ = writeln!(self.sql, ":{}", l.line);
        }
        let sql_trimmed = sql.trim_end();
        self.sql.push_str(sql_trimmed);
        self.sql.push('\n');
        if let Some(objects) = &mut self.objects {
            objects.push(sql_trimmed.to_string());
        }
    }
}

/// The function's body as gen writes it between the dollar quotes. PostgreSQL stores it
/// byte for byte: a body that starts with text (a YAML block scalar) goes on the line after
/// `AS $function$`, as written in SQL files; one that starts with whitespace
/// (`" BEGIN … END; "`) is kept exactly.
pub(crate) fn function_body(f: &Function) -> String {
    if f.body.starts_with(char::is_whitespace) {
        f.body.clone()
    } else {
        format!("\n{}", f.body)
    }
}

/// `PARALLEL SAFE`, `STRICT`, `LEAKPROOF`, `COST 10`, `ROWS 5`: the options written after
/// the volatility, those left at PostgreSQL's default left out. Numbers are written as
/// Rust prints an `f64` (digits, a `.`, never an exponent), which PostgreSQL reads as the
/// same number.
fn function_options(f: &Function) -> Vec<String> {
    let mut out = Vec::new();
    match f.parallel {
        Parallel::Unsafe => {}
        Parallel::Restricted => out.push("PARALLEL RESTRICTED".to_string()),
        Parallel::Safe => out.push("PARALLEL SAFE".to_string()),
    }
    if f.strict {
        out.push("STRICT".to_string());
    }
    if f.leakproof {
        out.push("LEAKPROOF".to_string());
    }
    if let Some(c) = f.cost {
        out.push(format!("COST {}", c.value));
    }
    if let Some(r) = f.rows {
        out.push(format!("ROWS {}", r.value));
    }
    out
}

/// `schema.name(type, …)`: the function as DROP, COMMENT ON and GRANT name it (its input
/// arguments' types; `OUT` arguments are not part of it).
fn function_ident(f: &Function) -> String {
    format!("{}({})", f.name.sql(), f.identity_args())
}

/// Renders the whole master migration.
pub fn render(model: &Model, r: &Renderer, info: &HeaderInfo) -> Result<Migration, RenderError> {
    render_with(model, r, info, true)
}

/// Renders the whole master migration; `objects` says whether each object's SQL is also
/// kept on its own (the returned [`Migration::objects`] is empty otherwise).
pub fn render_with(
    model: &Model,
    r: &Renderer,
    info: &HeaderInfo,
    objects: bool,
) -> Result<Migration, RenderError> {
    let input_bytes: usize = model.sources.files().map(|(_, f)| f.text.len()).sum();
    let mut out = Out {
        rel_paths: model
            .sources
            .files()
            .map(|(_, f)| {
                let rel = f.path.strip_prefix(&model.root).unwrap_or(&f.path);
                rel.to_string_lossy().replace('\\', "/")
            })
            .collect(),
        // The migration is a few times larger than its YAML; growing a buffer of tens of
        // megabytes by doubling copies it several times over.
        sql: String::with_capacity(input_bytes * 4 + 4096),
        objects: objects.then(Vec::new),
    };
    out.sql.push_str(&r.render(
        "header.sql.j2",
        context! {
            title => "schemac master migration",
            version => env!("CARGO_PKG_VERSION"),
            project => info.project,
            hash => info.hash,
            lock_timeout => model.config.lock_timeout,
            statement_timeout => model.config.statement_timeout,
        },
    )?);

    // Extensions, by name.
    let mut exts: Vec<_> = model.extensions.iter().collect();
    exts.sort_by(|a, b| a.name.cmp(&b.name));
    if !exts.is_empty() {
        out.section("Extensions");
        for e in exts {
            let s = r.render("extension.sql.j2", context! { name => e.name })?;
            out.object(Some(e.loc), s);
        }
    }

    // Schemas other than public that hold managed objects.
    let mut schemas: BTreeSet<&str> = model.config.schemas.iter().map(String::as_str).collect();
    schemas.extend(model.tables.keys().map(|q| q.schema.as_str()));
    schemas.extend(model.schema_configs.keys().map(String::as_str));
    schemas.remove("public");
    if !schemas.is_empty() {
        out.section("Schemas");
        for s in schemas {
            let sql = r.render("schema.sql.j2", context! { name => s })?;
            out.object(None, sql);
        }
    }

    // Roles the project declares, created when missing (roles belong to the server, so
    // even a fresh database may find them there). Never dropped or altered.
    let mut roles: Vec<_> = model.roles.iter().collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    if !roles.is_empty() {
        out.section("Roles (created when missing, never dropped)");
        for role in roles {
            let tag = dollar_tag([role.name.as_str()]);
            let s = r.render("role.sql.j2", context! { name => role.name, tag })?;
            out.object(Some(role.loc), s);
        }
    }

    let mut enums: Vec<_> = model.enums.values().collect();
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    if !enums.is_empty() {
        out.section("Enums");
        for e in enums {
            let values: Vec<&str> = e.values.iter().map(|v| v.name.as_str()).collect();
            let tag = dollar_tag(
                [e.name.schema.as_str(), e.name.name.as_str()]
                    .into_iter()
                    .chain(values.iter().copied()),
            );
            let s = r.render(
                "enum.sql.j2",
                context! { schema => e.name.schema, name => e.name.name, qualified => e.name.sql(), values, fresh => info.fresh, tag },
            )?;
            out.object(Some(e.loc), s);
        }
        if !info.fresh {
            // Pushed to the text only: a fresh database gets every value in CREATE TYPE.
            out.sql.push_str(&format!(
                "\n-- Enum values are committed here, before anything below uses them: PostgreSQL\n\
                 -- refuses a value in the transaction that added it (\"unsafe use of new value\").\n\
                 -- If the rest fails, only schemas, extensions and enum values stay; run it again.\n\
                 COMMIT;\n\
                 BEGIN;\n\
                 SET LOCAL lock_timeout = {};\n\
                 SET LOCAL statement_timeout = {};\n\
                 SET LOCAL check_function_bodies = off;\n\
                 SET LOCAL standard_conforming_strings = on;\n\
                 SET LOCAL client_min_messages = warning;\n",
                quote_literal(&model.config.lock_timeout),
                quote_literal(&model.config.statement_timeout)
            ));
        }
    }

    kinds::types_and_sequences(model, r, &mut out, info.fresh)?;

    let mut funcs: Vec<&Function> = model.functions.iter().collect();
    funcs.sort_by_key(|f| function_ident(f));
    // A function whose arguments or result are a table's row type is made after the tables.
    let (late_funcs, funcs): (Vec<&Function>, Vec<&Function>) =
        funcs.into_iter().partition(|f| names_table_row(model, f));
    if !funcs.is_empty() {
        out.section(
            "Functions (check_function_bodies is off, so they may name tables created below)",
        );
        for f in funcs {
            function(model, r, info, f, &mut out)?;
        }
    }

    kinds::domain_checks(model, r, &mut out, info.fresh)?;

    // Declared renames, before anything names the new names; a fresh database has nothing
    // to rename.
    let renames = if info.fresh {
        Vec::new()
    } else {
        model.renames()
    };
    if !renames.is_empty() {
        out.section(
            "Renames (renamed_from: each runs while the old name exists and the new one does not)",
        );
        for rn in &renames {
            let guard = crate::model::renames::guard(rn);
            let statement = crate::model::renames::statement(rn);
            let tag = dollar_tag([guard.as_str(), statement.as_str()]);
            let s = r.render("rename.sql.j2", context! { guard, statement, tag })?;
            out.object(Some(rn.loc), s);
        }
    }

    let mut tables: Vec<_> = model.tables.values().collect();
    // A partition or an inheritance child after its parents.
    tables.sort_by_cached_key(|t| (partition_depth(model, t), t.name.clone()));
    if !tables.is_empty() {
        out.section("Tables, with their primary keys, unique and check constraints");
    }
    // Each table's quoted name, computed once for all the sections below.
    let qnames: Vec<String> = tables.iter().map(|t| t.name.sql()).collect();
    let (column_t, table_t) = (r.template("column.sql.j2")?, r.template("table.sql.j2")?);
    let constraint_t = r.template("constraint.sql.j2")?;
    // Triggers and policies render on managed and external tables alike.
    let (trigger_t, policy_t) = (r.template("trigger.sql.j2")?, r.template("policy.sql.j2")?);
    for (t, q) in tables.iter().zip(&qnames) {
        let mut columns = Vec::with_capacity(t.columns.len());
        for c in t.columns.values() {
            columns.push(trimmed(
                column_t.render(
                    context! {
                        name => c.name,
                        type => c.ty.to_string(),
                        collation => c.collation.as_ref().map(|(n, _)| model.collation_sql(n)),
                        nullable => c.nullable,
                        default => c.default.as_ref().map(|d| frag(model, d).map(|t| default_sql(&t))).transpose()?,
                        identity => c.identity.map(|i| match i { crate::model::Identity::Always => "ALWAYS", crate::model::Identity::ByDefault => "BY DEFAULT" }),
                        identity_options => c.identity_options.as_ref().filter(|_| c.identity.is_some()).map(crate::kinds::sequence::identity_clause).unwrap_or_default(),
                        generated => c.generated.as_ref().map(|g| frag(model, g)).transpose()?,
                    },
                )?,
            ));
        }
        let constraints: Vec<String> = t
            .primary_key
            .iter()
            .map(|pk| {
                format!(
                    "CONSTRAINT {} {}",
                    quote_ident(&pk.name),
                    key_sql("PRIMARY KEY", pk)
                )
            })
            .collect();
        let realign = if info.fresh {
            Vec::new()
        } else {
            realign_columns(model, t)?
        };
        let retype = (!info.fresh && !t.columns.is_empty()).then(|| retype_columns(t, q));
        let partition_by = t
            .partition_by
            .as_ref()
            .map(|k| frag(model, k))
            .transpose()?;
        let (partition_of, bound) = match &t.partition_of {
            Some(p) => (Some(p.parent.sql()), Some(bound_sql(model, p)?)),
            None => (None, None),
        };
        let parents: Vec<String> = t.inherits.iter().map(|(p, _)| p.sql()).collect();
        let inherits = parents.join(", ");
        let inherit_guard =
            (!info.fresh && !parents.is_empty()).then(|| inherit_guard(q, &parents));
        let s = table_t.render(
            context! { qualified => q, columns, constraints, retype, realign, fresh => info.fresh, partition_by, partition_of, bound, unlogged => t.unlogged, inherits, inherit_guard },
        )?;
        out.object(Some(t.loc), s);
        let table_literal = quote_literal(q);
        for u in &t.uniques {
            let def = key_sql("UNIQUE", u);
            let s = constraint_t.render(
                context! { table => q, table_literal, name => u.name, tag => dollar_tag([q.as_str(), &u.name, &def]), definition => def, not_valid => "", fresh => info.fresh, check => false },
            )?;
            out.object(Some(u.loc), s);
        }
        let mut checks: Vec<_> = t.checks.iter().collect();
        checks.sort_by(|a, b| a.name.cmp(&b.name));
        for c in checks {
            let def = format!(
                "CHECK ({}){}",
                frag(model, &c.expr)?,
                if c.no_inherit { " NO INHERIT" } else { "" }
            );
            let s = constraint_t.render(
                context! { table => q, table_literal, name => c.name, tag => dollar_tag([q.as_str(), &c.name, &def]), definition => def, not_valid => not_valid_sql(c.not_valid), fresh => info.fresh, check => true },
            )?;
            out.object(Some(c.loc), s);
        }
        for x in &t.exclusions {
            let def = exclusion_sql(model, x)?;
            let s = constraint_t.render(
                context! { table => q, table_literal, name => x.name, tag => dollar_tag([q.as_str(), &x.name, &def]), definition => def, not_valid => "", fresh => info.fresh, check => false },
            )?;
            out.object(Some(x.loc), s);
        }
    }

    if !late_funcs.is_empty() {
        out.section("Functions whose arguments or result are a table's row type");
        for f in late_funcs {
            function(model, r, info, f, &mut out)?;
        }
    }

    kinds::sequence_owners(model, r, &mut out, info.fresh)?;

    let fks: Vec<_> = tables
        .iter()
        .zip(&qnames)
        .flat_map(|(t, q)| t.foreign_keys.iter().map(move |f| (t, q, f)))
        .collect();
    if !fks.is_empty() {
        out.section("Foreign keys");
        let mut fks = fks;
        fks.sort_by(|a, b| (&a.0.name, &a.2.name).cmp(&(&b.0.name, &b.2.name)));
        for (_, q, fk) in fks {
            let mut def = format!(
                "FOREIGN KEY ({}) REFERENCES {}",
                cols_sql(fk.columns.iter().map(|(c, _)| c.as_str())),
                fk.ref_table.sql()
            );
            if !fk.ref_columns.is_empty() {
                def.push_str(&format!(
                    " ({})",
                    cols_sql(fk.ref_columns.iter().map(String::as_str))
                ));
            }
            if fk.match_full {
                def.push_str(" MATCH FULL");
            }
            if let Some(a) = fk.on_update {
                def.push_str(&format!(" ON UPDATE {}", a.sql()));
            }
            if let Some(a) = fk.on_delete {
                def.push_str(&format!(" ON DELETE {}", a.sql()));
            }
            def.push_str(deferrable_sql(fk.deferrable, fk.initially_deferred));
            let s = constraint_t.render(
                context! { table => q, table_literal => quote_literal(q), name => fk.name, tag => dollar_tag([q.as_str(), &fk.name, &def]), definition => def, not_valid => not_valid_sql(fk.not_valid), fresh => info.fresh, check => false },
            )?;
            out.object(Some(fk.loc), s);
        }
    }

    let mut indexes: Vec<_> = tables
        .iter()
        .zip(&qnames)
        .flat_map(|(t, q)| t.indexes.iter().map(move |i| (t, q, i)))
        .collect();
    if !indexes.is_empty() {
        out.section("Indexes");
        indexes.sort_by(|a, b| (&a.0.name.schema, &a.2.name).cmp(&(&b.0.name.schema, &b.2.name)));
        let index_t = r.template("index.sql.j2")?;
        for (_, q, ix) in indexes {
            let s = index_sql(model, &index_t, q, ix)?;
            out.object(Some(ix.loc), s);
        }
    }

    // Views that read a materialized view (or such a view) come after the materialized
    // views; the others before, as materialized views may read them.
    let (views, late_views) = kinds::split_views(model, views_in_dependency_order(model));
    if !views.is_empty() {
        out.section("Views");
        view_objects(model, r, &mut out, info.fresh, &views)?;
    }

    kinds::materialized_views(model, r, &mut out, info.fresh)?;
    if !late_views.is_empty() {
        out.section("Views that read materialized views");
        view_objects(model, r, &mut out, info.fresh, &late_views)?;
    }

    // Triggers on views come after every view (a view gen drops and makes again loses
    // its triggers: CREATE OR REPLACE TRIGGER gives them back).
    let view_qnames: Vec<(String, &crate::model::View)> = model
        .views
        .values()
        .filter(|v| !v.triggers.is_empty())
        .map(|v| (v.name.sql(), v))
        .collect();
    let triggers: Vec<_> = tables
        .iter()
        .zip(&qnames)
        .flat_map(|(t, q)| t.triggers.values().map(move |tr| (q, tr)))
        .chain(
            view_qnames
                .iter()
                .flat_map(|(q, v)| v.triggers.values().map(move |tr| (q, tr))),
        )
        .collect();
    if !triggers.is_empty() {
        out.section("Triggers");
        for (q, tr) in triggers {
            out.object(Some(tr.loc), trigger_sql(model, &trigger_t, q, tr)?);
        }
    }
    let ext_triggers: Vec<_> = model
        .external
        .values()
        .flat_map(|e| e.triggers.values().map(move |tr| (&e.name, tr)))
        .collect();
    if !ext_triggers.is_empty() {
        out.section("Triggers on external tables (replaced, never dropped)");
        let mut ext_triggers = ext_triggers;
        ext_triggers.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        for (t, tr) in ext_triggers {
            out.object(Some(tr.loc), trigger_sql(model, &trigger_t, &t.sql(), tr)?);
        }
    }

    // A table a fresh database has just made has RLS disabled and not forced: saying so
    // again would only write its catalog row twice more (a shadow of 10 000 such tables).
    let said = |t: &&crate::model::Table| !info.fresh || t.rls.enable || t.rls.force;
    if tables.iter().any(said) {
        out.section("Row-level security");
        let rls_t = r.template("rls.sql.j2")?;
        for (t, q) in tables.iter().zip(&qnames).filter(|(t, _)| said(t)) {
            let s = rls_t
                .render(context! { table => q, enable => t.rls.enable, force => t.rls.force })?;
            out.object(t.rls.loc, s);
        }
    }

    let policies: Vec<_> = tables
        .iter()
        .zip(&qnames)
        .flat_map(|(t, q)| t.policies.values().map(move |p| (t, q, p)))
        .collect();
    if !policies.is_empty() {
        out.section("Policies");
        let mut policies = policies;
        policies.sort_by(|a, b| (&a.0.name, &a.2.name).cmp(&(&b.0.name, &b.2.name)));
        for (_, q, p) in policies {
            out.object(Some(p.loc), policy_sql(model, &policy_t, q, p)?);
        }
    }
    let ext_policies: Vec<_> = model
        .external
        .values()
        .flat_map(|e| e.policies.values().map(move |p| (&e.name, p)))
        .collect();
    if !ext_policies.is_empty() {
        out.section(
            "Policies on external tables (replaced, never dropped; their RLS is the platform's)",
        );
        let mut ext_policies = ext_policies;
        ext_policies.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        for (t, p) in ext_policies {
            out.object(Some(p.loc), policy_sql(model, &policy_t, &t.sql(), p)?);
        }
    }

    let owners = model.declared_owners();
    if !owners.is_empty() {
        out.section("Owners");
        let owner_t = r.template("owner.sql.j2")?;
        let functions: std::collections::HashMap<&crate::model::QualName, &Function> =
            model.functions.iter().map(|f| (&f.name, f)).collect();
        for (noun, q, (role, loc)) in owners {
            let (kind, on) = match noun {
                "function" => match functions.get(q) {
                    Some(f) => ("FUNCTION", function_ident(f)),
                    None => continue,
                },
                "materialized view" => ("MATERIALIZED VIEW", q.sql()),
                "enum" | "composite type" => ("TYPE", q.sql()),
                "domain" => ("DOMAIN", q.sql()),
                "sequence" => ("SEQUENCE", q.sql()),
                "view" => ("VIEW", q.sql()),
                other => (crate::kinds::sql_noun(other).unwrap_or("TABLE"), q.sql()),
            };
            out.object(Some(*loc), owner_t.render(context! { kind, on, role })?);
        }
    }

    if let Some(api) = &model.api {
        out.section(
            "API privileges (api_roles): what the API roles held is revoked, then granted below",
        );
        let revoke_t = r.template("revoke.sql.j2")?;
        let mut tabs: Vec<_> = api.tables.iter().collect();
        tabs.sort_by(|a, b| a.0.cmp(&b.0));
        for (t, roles) in tabs {
            let s = revoke_t
                .render(context! { kind => "TABLE", on => t.sql(), roles => roles_sql(roles) })?;
            out.object(model.tables.get(t).map(|t| t.loc), s);
        }
        let mut seqs: Vec<_> = api.sequences.iter().collect();
        seqs.sort_by(|a, b| a.name.cmp(&b.name));
        for q in &seqs {
            let s = revoke_t.render(
                context! { kind => "SEQUENCE", on => q.name.sql(), roles => roles_sql(&q.revoke) },
            )?;
            out.object(Some(q.loc), s);
        }
        let mut fns: Vec<_> = api
            .functions
            .iter()
            .filter_map(|g| model.functions.get(g.function).map(|f| (f, g)))
            .collect();
        fns.sort_by_key(|(f, _)| function_ident(f));
        for (f, g) in &fns {
            let s = revoke_t.render(context! { kind => "FUNCTION", on => function_ident(f), roles => roles_sql(&g.revoke) })?;
            out.object(Some(f.loc), s);
        }
    }

    if !model.grants.is_empty() || !model.function_privileges.is_empty() {
        out.section("Grants");
        let mut grants: Vec<_> = model.grants.iter().collect();
        grants.sort_by(|a, b| a.on.cmp(&b.on));
        for g in grants {
            let mut privs: Vec<_> = g.privileges.clone();
            privs.sort();
            privs.dedup();
            // Each privilege names its columns: `SELECT, UPDATE (a)` would grant SELECT on
            // the whole table.
            let columns = (!g.columns.is_empty()).then(|| {
                let cols: Vec<String> = g.columns.iter().map(|(c, _)| quote_ident(c)).collect();
                format!(" ({})", cols.join(", "))
            });
            let privileges: Vec<String> = privs
                .iter()
                .map(|p| format!("{}{}", p.as_str(), columns.as_deref().unwrap_or("")))
                .collect();
            let kind = if model.grant_on_sequence(&g.on) {
                "SEQUENCE"
            } else {
                "TABLE"
            };
            let s = r.render(
                "grant.sql.j2",
                context! {
                    privileges,
                    kind,
                    grant_option => g.grant_option,
                    on => g.on.sql(),
                    roles => g.to.iter().map(|(r, _)| crate::model::names::quote_role(r)).collect::<Vec<_>>(),
                    derived => g.derived.as_ref().map(derived_note),
                },
            )?;
            out.object(Some(g.loc), s);
        }
        let mut fgrants: Vec<_> = model
            .function_privileges
            .iter()
            // `function: name` grants on every function of that name (each overload).
            .flat_map(|g| {
                model
                    .functions
                    .iter()
                    .filter(move |f| f.name == g.function)
                    .map(move |f| (function_ident(f), g))
            })
            .collect();
        fgrants.sort_by(|a, b| a.0.cmp(&b.0));
        for (on, g) in fgrants {
            let mut privs = g.privileges.clone();
            privs.sort();
            privs.dedup();
            let s = r.render(
                "grant.sql.j2",
                context! {
                    privileges => privs.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                    kind => "FUNCTION",
                    grant_option => g.grant_option,
                    on,
                    roles => g.to.iter().map(|(r, _)| crate::model::names::quote_role(r)).collect::<Vec<_>>(),
                    derived => None::<String>,
                },
            )?;
            out.object(Some(g.loc), s);
        }
    }

    if let Some(api) = &model.api {
        let grant_t = r.template("object_grant.sql.j2")?;
        let mut seqs: Vec<_> = api
            .sequences
            .iter()
            .filter(|q| !q.usage.is_empty())
            .collect();
        seqs.sort_by(|a, b| a.name.cmp(&b.name));
        let mut fns: Vec<_> = api
            .functions
            .iter()
            .filter(|g| !g.execute.is_empty())
            .filter_map(|g| model.functions.get(g.function).map(|f| (f, g)))
            .collect();
        fns.sort_by_key(|(f, _)| function_ident(f));
        if !seqs.is_empty() || !fns.is_empty() {
            out.section("Sequence and function privileges (api_roles)");
        }
        for q in seqs {
            let s = grant_t.render(context! {
                privileges => "USAGE",
                kind => "SEQUENCE",
                on => q.name.sql(),
                roles => roles_sql(&q.usage),
                note => crate::sql::quote::comment_text(&format!("{} may insert into {}", q.usage.join(", "), q.table)).into_owned(),
            })?;
            out.object(Some(q.loc), s);
        }
        for (f, g) in fns {
            let roles: Vec<String> = g.execute.keys().cloned().collect();
            let note = g
                .execute
                .iter()
                .map(|(r, why)| format!("{r}: {why}"))
                .collect::<Vec<_>>()
                .join("; ");
            let s = grant_t.render(context! {
                privileges => "EXECUTE",
                kind => "FUNCTION",
                on => function_ident(f),
                roles => roles_sql(&roles),
                note => crate::sql::quote::comment_text(&note).into_owned(),
            })?;
            out.object(Some(f.loc), s);
        }
    }

    let schema_grants: Vec<_> = model
        .schema_configs
        .values()
        .filter(|c| !c.grants.is_empty())
        .collect();
    if !schema_grants.is_empty() || !model.default_privileges.is_empty() {
        out.section("Schema and default privileges");
        let mut schema_grants = schema_grants;
        schema_grants.sort_by(|a, b| a.name.cmp(&b.name));
        for c in schema_grants {
            let mut block = String::new();
            for (privs, roles, grant_option) in &c.grants {
                block.push_str(&r.render(
                    "schema_grant.sql.j2",
                    context! {
                        schema => c.name,
                        grant_option,
                        privileges => privs.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                        roles => roles.iter().map(|(r, _)| crate::model::names::quote_role(r)).collect::<Vec<_>>(),
                    },
                )?);
            }
            out.object(Some(c.loc), block);
        }
        for d in &model.default_privileges {
            let mut privs = d.privileges.clone();
            privs.sort();
            privs.dedup();
            let s = r.render(
                "default_privilege.sql.j2",
                context! {
                    for_role => d.for_role,
                    schema => d.in_schema,
                    privileges => privs.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                    on => d.on.as_str(),
                    roles => d.to.iter().map(|(r, _)| crate::model::names::quote_role(r)).collect::<Vec<_>>(),
                },
            )?;
            out.object(Some(d.loc), s);
        }
    }

    if !model.publications.is_empty() {
        out.section("Publications (tables are added when missing, never removed)");
        let mut pubs: Vec<_> = model.publications.values().collect();
        pubs.sort_by(|a, b| a.name.cmp(&b.name));
        for p in pubs {
            let mut tables: Vec<_> = p.tables.iter().map(|(t, _)| t).collect();
            tables.sort();
            let tag = dollar_tag(
                std::iter::once(p.name.as_str()).chain(
                    tables
                        .iter()
                        .flat_map(|t| [t.schema.as_str(), t.name.as_str()]),
                ),
            );
            let s = r.render(
                "publication.sql.j2",
                context! {
                    name => p.name,
                    tag,
                    operations => p.operations.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
                    tables => tables.iter().map(|t| context! { schema => t.schema, name => t.name, qualified => t.sql() }).collect::<Vec<_>>(),
                },
            )?;
            out.object(p.loc.or_else(|| p.tables.first().map(|(_, l)| *l)), s);
        }
    }

    if !model.buckets.is_empty() {
        out.section("Storage buckets (upserted)");
        let mut buckets: Vec<_> = model.buckets.values().collect();
        buckets.sort_by(|a, b| a.id.cmp(&b.id));
        for b in buckets {
            let mimes = if b.allowed_mime_types.is_empty() {
                "NULL".to_string()
            } else {
                format!(
                    "ARRAY[{}]::text[]",
                    b.allowed_mime_types
                        .iter()
                        .map(|m| quote_literal(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let s = r.render(
                "bucket.sql.j2",
                context! {
                    id => b.id,
                    public => b.public,
                    file_size_limit => b.file_size_limit.map_or("NULL".to_string(), |n| n.to_string()),
                    allowed_mime_types => mimes,
                },
            )?;
            out.object(Some(b.loc), s);
        }
    }

    // Each comment with the position of what it describes, so a failing one can be traced.
    let mut comments: Vec<(&str, String, Option<&str>, Loc)> = Vec::new();
    for t in &tables {
        if let Some(c) = &t.comment {
            comments.push(("TABLE", t.name.sql(), Some(c), t.loc));
        }
        for col in t.columns.values() {
            if let Some(c) = &col.comment {
                comments.push((
                    "COLUMN",
                    format!("{}.{}", t.name.sql(), quote_ident(&col.name)),
                    Some(c),
                    col.loc,
                ));
            }
        }
    }
    for v in model.views.values() {
        if let Some(c) = &v.comment {
            comments.push(("VIEW", v.name.sql(), Some(c), v.loc));
        }
    }
    for e in model.enums.values() {
        if let Some(c) = &e.comment {
            comments.push(("TYPE", e.name.sql(), Some(c), e.loc));
        }
    }
    for t in &tables {
        for ix in t.indexes.iter() {
            if let Some(c) = &ix.comment {
                let name = crate::model::QualName::new(&t.name.schema, &ix.name).sql();
                comments.push(("INDEX", name, Some(c), ix.loc));
            }
        }
    }
    for t in model.tables.values() {
        for (name, c, loc) in t.constraint_comments() {
            let target = format!("{} ON {}", quote_ident(name), t.name.sql());
            comments.push(("CONSTRAINT", target, Some(c), loc));
        }
    }
    for h in model.hosts() {
        for tr in h.triggers.values() {
            if let Some(c) = &tr.comment {
                let target = format!("{} ON {}", quote_ident(&tr.name), h.name.sql());
                comments.push(("TRIGGER", target, Some(c), tr.loc));
            }
        }
    }
    comments.extend(kinds::comments(model, info.fresh));
    // Policies are made again on every run, so only those with a comment need one.
    for h in model.hosts() {
        for p in h.policies.values() {
            if let Some(c) = &p.comment {
                let target = format!("{} ON {}", quote_ident(&p.name), h.name.sql());
                comments.push(("POLICY", target, Some(c), p.loc));
            }
        }
    }
    if !comments.is_empty() {
        out.section("Comments");
        comments.sort();
        for (kind, target, text, loc) in comments {
            let s = r.render("comment.sql.j2", context! { kind, target, text })?;
            out.object(Some(loc), s);
        }
    }

    let blocks = raw_sql(model, r)?;
    if info.raw_sql && !blocks.is_empty() {
        out.section("Raw SQL (sql: blocks, run as written, again on every deploy)");
        for (b, sql) in blocks {
            out.object(Some(b.loc), sql);
        }
    }

    out.sql.push('\n');
    out.sql.push_str(&r.render("footer.sql.j2", context! {})?);
    Ok(Migration {
        text: out.sql,
        objects: out.objects.unwrap_or_default(),
    })
}

/// The project's `sql:` blocks in the order they run ([`Model::raw_sql_order`]), each as its
/// template writes it. An error, whoever calls render, for a project that has blocks but not
/// `raw_sql: true` (SC330), blocks on a cycle (SC332) and a body that cannot be run as one
/// part of the migration (SC331).
pub fn raw_sql<'m>(
    model: &'m Model,
    r: &Renderer,
) -> Result<Vec<(&'m crate::model::RawSql, String)>, RenderError> {
    let refuse = |b: &crate::model::RawSql, message: String| RenderError::RawSql {
        at: position(model, b.loc),
        name: b.name.clone(),
        message,
    };
    if let Some(b) = model.raw_sql.values().next() {
        if !model.config.raw_sql {
            return Err(refuse(
                b,
                "the project does not allow raw SQL (`raw_sql: true` in schemac.yaml)".into(),
            ));
        }
    }
    let order = model.raw_sql_order().map_err(|names| {
        let b = names.first().and_then(|n| model.raw_sql.get(n));
        RenderError::RawSql {
            at: b.map(|b| position(model, b.loc)).unwrap_or_default(),
            name: names.join(", "),
            message: "blocks wait for one another in a cycle".into(),
        }
    })?;
    let t = r.template("raw_sql.sql.j2")?;
    let mut out = Vec::new();
    for b in order {
        if !crate::sql::raw::is_block_name(&b.name) {
            return Err(refuse(b, "not a valid block name".into()));
        }
        if let Some((_, why)) = crate::sql::raw::refusals(&b.body).into_iter().next() {
            return Err(refuse(b, why));
        }
        let mut body = b.body.trim_end().to_string();
        match crate::sql::raw::termination(&body) {
            (true, _) => {}
            (false, true) => body.push_str("\n;"),
            (false, false) => body.push(';'),
        }
        let comment = b
            .comment
            .as_deref()
            .map(|c| crate::sql::quote::comment_text(c).into_owned());
        let sql = t.render(context! { name => b.name, comment, body })?;
        out.push((b, sql));
    }
    Ok(out)
}

/// Roles as a GRANT or REVOKE names them (`PUBLIC`, quoted identifiers).
fn roles_sql(roles: &[String]) -> Vec<String> {
    roles
        .iter()
        .map(|r| crate::model::names::quote_role(r))
        .collect()
}

/// The `--` line saying where a derived grant comes from.
fn derived_note(d: &crate::model::Derived) -> String {
    let text = if d.policies.is_empty() {
        "derived: service_role_privileges (service_role bypasses row-level security)".to_string()
    } else {
        let names: Vec<&str> = d.policies.iter().map(|(n, _)| n.as_str()).collect();
        format!("derived from the policies: {}", names.join(", "))
    };
    crate::sql::quote::comment_text(&text).into_owned()
}

/// Each view of `views`, in that order.
fn view_objects(
    model: &Model,
    r: &Renderer,
    out: &mut Out,
    fresh: bool,
    views: &[&crate::model::View],
) -> Result<(), RenderError> {
    for v in views {
        let s = r.render(
            "view.sql.j2",
            context! { qualified => v.name.sql(), security_invoker => v.security_invoker, query => frag(model, &v.query)? },
        )?;
        let s = if fresh {
            s
        } else {
            replace_view(&v.name.sql(), &s)
        };
        out.object(Some(v.loc), s);
    }
    Ok(())
}

/// One index of the table or materialized view whose quoted name is `table`.
fn index_sql(
    model: &Model,
    t: &Tpl,
    table: &str,
    ix: &crate::model::Index,
) -> Result<String, RenderError> {
    let elems = ix
        .elems
        .iter()
        .map(|e| {
            Ok(match e {
                IndexElem::Column(c, _) => quote_ident(c),
                IndexElem::Expr(s) => index_expr_sql(&frag(model, s)?),
            })
        })
        .collect::<Result<Vec<String>, RenderError>>()?;
    t.render(context! {
        name => ix.name,
        table,
        unique => ix.unique,
        method => ix.method.as_str(),
        elems,
        include => ix.include.iter().map(|(c, _)| quote_ident(c)).collect::<Vec<_>>(),
        nulls_not_distinct => ix.nulls_not_distinct.is_some(),
        storage => ix
            .storage
            .iter()
            .map(|s| format!("{} = {}", quote_ident(&s.name), quote_literal(&s.value)))
            .collect::<Vec<_>>(),
        predicate => ix.predicate.as_ref().map(|p| frag(model, p)).transpose()?,
    })
}

/// `EXCLUDE USING m (elem WITH op, …) [INCLUDE (…)] [WHERE (…)] [DEFERRABLE …]`; an
/// operator that is not one is refused like an unsafe fragment (SC316 reports it).
fn exclusion_sql(model: &Model, x: &crate::model::Exclusion) -> Result<String, RenderError> {
    let mut elems = Vec::with_capacity(x.elems.len());
    for e in &x.elems {
        frag(model, &e.text)?;
        let Some(op) = e
            .operator
            .as_deref()
            .filter(|o| crate::model::is_operator(o))
        else {
            return Err(RenderError::UnsafeFragment {
                at: position(model, e.text.loc),
                message: "an exclusion element is not `<column or expression> WITH <operator>`"
                    .into(),
            });
        };
        let elem = match &e.elem {
            IndexElem::Column(c, _) => quote_ident(c),
            IndexElem::Expr(s) => index_expr_sql(&frag(model, s)?),
        };
        elems.push(format!("{elem} WITH {op}"));
    }
    let mut def = format!("EXCLUDE USING {} ({})", x.method.as_str(), elems.join(", "));
    if !x.include.is_empty() {
        def.push_str(&format!(
            " INCLUDE ({})",
            cols_sql(x.include.iter().map(|(c, _)| c.as_str()))
        ));
    }
    if let Some(p) = &x.predicate {
        def.push_str(&format!(" WHERE ({})", frag(model, p)?));
    }
    def.push_str(deferrable_sql(x.deferrable, x.initially_deferred));
    Ok(def)
}

/// `PRIMARY KEY (…)` or `UNIQUE [NULLS NOT DISTINCT] (…)` with its options, as
/// `pg_get_constraintdef` prints it.
pub fn key_sql(what: &str, k: &crate::model::Key) -> String {
    format!(
        "{what}{} ({}){}",
        if k.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        cols_sql(k.columns.iter().map(|(c, _)| c.as_str())),
        deferrable_sql(k.deferrable, k.initially_deferred)
    )
}

/// ` NOT VALID` after an added constraint that leaves the rows already there unchecked.
fn not_valid_sql(not_valid: bool) -> &'static str {
    if not_valid {
        " NOT VALID"
    } else {
        ""
    }
}

/// ` DEFERRABLE [INITIALLY DEFERRED]`, as `pg_get_constraintdef` ends a constraint.
pub fn deferrable_sql(deferrable: bool, initially_deferred: bool) -> &'static str {
    match (deferrable, initially_deferred) {
        (_, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        (false, false) => "",
    }
}

/// One event of a trigger as CREATE TRIGGER takes it and `pg_get_triggerdef` prints it:
/// `UPDATE OF a, b` names the columns in the order written.
pub(crate) fn trigger_event(tr: &crate::model::Trigger, e: TriggerEvent) -> String {
    match e {
        TriggerEvent::Insert => "INSERT".to_string(),
        TriggerEvent::Update if !tr.update_of.is_empty() => format!(
            "UPDATE OF {}",
            cols_sql(tr.update_of.iter().map(|(c, _)| c.as_str()))
        ),
        TriggerEvent::Update => "UPDATE".to_string(),
        TriggerEvent::Delete => "DELETE".to_string(),
        TriggerEvent::Truncate => "TRUNCATE".to_string(),
    }
}

/// `table` is the table's quoted name.
fn trigger_sql(
    m: &Model,
    t: &Tpl,
    table: &str,
    tr: &crate::model::Trigger,
) -> Result<String, RenderError> {
    let events: Vec<String> = tr.events.iter().map(|e| trigger_event(tr, *e)).collect();
    t.render(
        context! {
            name => tr.name,
            table,
            timing => match tr.timing { TriggerTiming::Before => "BEFORE", TriggerTiming::After => "AFTER", TriggerTiming::InsteadOf => "INSTEAD OF" },
            events,
            row => tr.for_each_row,
            condition => tr.condition.as_ref().map(|c| frag(m, c)).transpose()?,
            function => tr.function.sql(),
            args => tr.args.iter().map(|a| quote_literal(a)).collect::<Vec<_>>(),
        },
    )
}

/// `table` is the table's quoted name.
fn policy_sql(
    m: &Model,
    t: &Tpl,
    table: &str,
    p: &crate::model::Policy,
) -> Result<String, RenderError> {
    let mut roles: Vec<String> = p
        .roles
        .iter()
        .map(|(r, _)| crate::model::names::quote_role(r))
        .collect();
    if roles.is_empty() {
        roles.push("PUBLIC".into());
    }
    t.render(
        context! {
            name => p.name,
            table,
            permissive => p.permissive,
            command => match p.command { Command::All => "ALL", Command::Select => "SELECT", Command::Insert => "INSERT", Command::Update => "UPDATE", Command::Delete => "DELETE" },
            roles,
            using => p.using.as_ref().map(|u| frag(m, u)).transpose()?,
            with_check => p.with_check.as_ref().map(|u| frag(m, u)).transpose()?,
        },
    )
}

/// Views sorted so that each comes after the views it selects from (by name otherwise).
/// Cycles cannot exist in PostgreSQL; if the queries suggest one, name order is kept.
fn views_in_dependency_order(model: &Model) -> Vec<&crate::model::View> {
    use crate::model::QualName;
    let mut by_name: BTreeMap<&QualName, &crate::model::View> = model.views.iter().collect();
    let default_schema = model
        .config
        .schemas
        .first()
        .map_or("public", String::as_str);
    let deps: BTreeMap<&QualName, BTreeSet<QualName>> = by_name
        .iter()
        .map(|(n, v)| {
            let refs = crate::sql::parse::relations(&v.query.text)
                .into_iter()
                .filter_map(|r| QualName::parse(&r, default_schema).ok())
                .filter(|r| r != *n && model.views.contains_key(r))
                .collect();
            (*n, refs)
        })
        .collect();
    let mut done: BTreeSet<QualName> = BTreeSet::new();
    let mut out = Vec::new();
    while !by_name.is_empty() {
        let ready: Vec<&QualName> = by_name
            .keys()
            .filter(|n| {
                deps.get(*n)
                    .is_none_or(|d| d.iter().all(|x| done.contains(x)))
            })
            .copied()
            .collect();
        // Nothing ready means a cycle in what the parser saw: fall back to name order.
        let ready = if ready.is_empty() {
            by_name.keys().copied().collect()
        } else {
            ready
        };
        for n in ready {
            if let Some(v) = by_name.remove(n) {
                done.insert(n.clone());
                out.push(v);
            }
        }
    }
    out
}

/// Column names as a SQL list: each quoted where needed, joined by `, `.
pub(crate) fn cols_sql<'a>(cols: impl Iterator<Item = &'a str>) -> String {
    cols.map(quote_ident).collect::<Vec<_>>().join(", ")
}

/// An index element: its expression in parentheses, then its operator class or ordering
/// (`(title) gin_trgm_ops`). sqlparser finds where the expression ends; the split is kept
/// only when PostgreSQL's lexer sees the same tokens on both sides of it, so a split that
/// sqlparser placed inside what the server reads as one string or comment can never move a
/// token boundary.
fn index_expr_sql(e: &str) -> String {
    let whole = format!("({e})");
    match crate::sql::parse::split_index_elem(e) {
        Some((expr, rest)) if !rest.is_empty() => {
            let split = format!("({expr}) {rest}");
            if crate::sql::fragment::same_tokens(&format!("{expr} {rest}"), e) {
                split
            } else {
                whole
            }
        }
        _ => whole,
    }
}

/// A column or argument default: PostgreSQL takes a restricted expression there (no `IS
/// NULL`, `AND`, comparisons…), so anything but a plain one is written in parentheses.
fn default_sql(e: &str) -> String {
    if crate::sql::parse::is_plain_expression(e) {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// The tag of a `DO` block that holds `texts` (names, labels, definitions): `$schemac$`,
/// unless one of them contains it.
fn dollar_tag<'a>(texts: impl IntoIterator<Item = &'a str> + Clone) -> String {
    crate::sql::quote::dollar_tag("schemac", texts)
}

/// `public, extensions` → `public, extensions` with each schema quoted; `""` → `''`.
fn search_path_sql(p: &str) -> String {
    if p.trim().is_empty() {
        return "''".to_string();
    }
    p.split(',')
        .map(|s| {
            let s = s.trim().trim_matches('"');
            if s == "$user" {
                "\"$user\"".to_string()
            } else {
                quote_ident(s)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// How deep a table is in its trees of partitions and parents (0: neither a partition nor
/// an inheritance child; otherwise one more than its deepest parent); a cycle, which check
/// reports, stops the count.
pub(crate) fn partition_depth(model: &Model, t: &crate::model::Table) -> usize {
    fn depth(model: &Model, t: &crate::model::Table, budget: usize) -> usize {
        if budget == 0 {
            return 0;
        }
        t.partition_of
            .iter()
            .map(|p| &p.parent)
            .chain(t.inherits.iter().map(|(p, _)| p))
            .filter_map(|p| model.tables.get(p))
            .map(|p| 1 + depth(model, p, budget - 1))
            .max()
            .unwrap_or(0)
    }
    depth(model, t, model.tables.len())
}

/// The statement that brings an existing table's parents to `parents` (quoted, in order):
/// `NO INHERIT` from any other (a partition's parent is not one), then `INHERIT` from each
/// it lacks. Running it again changes nothing. (`CREATE TABLE IF NOT EXISTS … INHERITS`
/// does nothing to a table that exists.)
fn inherit_guard(table: &str, parents: &[String]) -> String {
    let lit = |q: &str| format!("{}::regclass", quote_literal(q));
    let listed: Vec<String> = parents.iter().map(|p| lit(p)).collect();
    let mut body = format!(
        "  FOR p IN SELECT i.inhparent::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid\n    WHERE i.inhrelid = {t} AND NOT c.relispartition AND i.inhparent NOT IN ({l}) LOOP\n    EXECUTE format('ALTER TABLE %s NO INHERIT %s', {t}, p);\n  END LOOP;\n",
        t = lit(table),
        l = listed.join(", ")
    );
    for (p, l) in parents.iter().zip(&listed) {
        body.push_str(&format!(
            "  IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = {t} AND inhparent = {l}) THEN\n    ALTER TABLE {table} INHERIT {p};\n  END IF;\n",
            t = lit(table)
        ));
    }
    let tag = dollar_tag([body.as_str()]);
    format!("DO {tag}\nDECLARE p regclass;\nBEGIN\n{body}END {tag};\n")
}

/// A partition's bound as SQL: `DEFAULT`, or its `FOR VALUES …` fragment. A missing bound
/// (which check reports) is `DEFAULT`.
fn bound_sql(model: &Model, p: &crate::model::PartitionOf) -> Result<String, RenderError> {
    match &p.bounds {
        Some(b) if !b.text.trim().eq_ignore_ascii_case("default") => {
            Ok(frag(model, b)?.into_owned())
        }
        _ => Ok("DEFAULT".to_string()),
    }
}

/// `ALTER COLUMN` clauses that bring an existing table's columns to the project's defaults
/// and nullability, whatever an older version of the project said: setting what is already
/// there changes nothing (`SET NOT NULL` on a NOT NULL column does not scan the table).
/// Identity, generated and serial columns keep their defaults, which PostgreSQL manages, and
/// primary-key and identity columns their NOT NULL.
fn realign_columns(model: &Model, t: &crate::model::Table) -> Result<Vec<String>, RenderError> {
    let in_pk = |name: &str| {
        t.primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.iter().any(|(c, _)| c == name))
    };
    let mut out = Vec::new();
    for c in t.columns.values() {
        let col = quote_ident(&c.name);
        if c.identity.is_none() && c.generated.is_none() && !c.ty.is_serial() {
            out.push(match &c.default {
                Some(d) => format!(
                    "ALTER COLUMN {col} SET DEFAULT {}",
                    default_sql(&frag(model, d)?)
                ),
                None => format!("ALTER COLUMN {col} DROP DEFAULT"),
            });
        }
        if c.identity.is_none() && !in_pk(&c.name) {
            out.push(format!(
                "ALTER COLUMN {col} {} NOT NULL",
                if c.nullable { "DROP" } else { "SET" }
            ));
        }
    }
    Ok(out)
}

/// A `DO` block that runs `create` (one statement), and when PostgreSQL refuses it with the
/// error `condition`, runs `recover` and then `create` again. The statement is written once,
/// as a dollar-quoted constant.
fn create_or_recover(create: &str, condition: &str, declare: &str, recover: &str) -> String {
    let create = create.trim_end().trim_end_matches(';');
    let tag = dollar_tag([create, recover]);
    let text_tag = crate::sql::quote::dollar_tag("schemac_sql", [create]);
    format!(
        "DO {tag}\nDECLARE\n  schemac_create constant text := {text_tag}\n{create}\n{text_tag};\n{declare}\
         BEGIN\n  EXECUTE schemac_create;\nEXCEPTION WHEN {condition} THEN\n{recover}  \
         EXECUTE schemac_create;\nEND\n{tag};\n"
    )
}

/// `CREATE OR REPLACE VIEW`, made to work over an older version whose view had other
/// columns: PostgreSQL refuses to drop, rename or retype a view's columns in place
/// (`invalid_table_definition`), so the view is then dropped and made again. A view that
/// other objects still use cannot be dropped; that failure is left to tell the user (`schemac
/// apply` rebuilds the dependents).
fn replace_view(qualified: &str, create: &str) -> String {
    create_or_recover(
        create,
        "invalid_table_definition",
        "",
        &format!("  DROP VIEW {qualified};\n"),
    )
}

/// Whether a function's arguments or result name the row type of one of the project's
/// tables. PostgreSQL checks a signature's types when it makes the function (whatever
/// `check_function_bodies` says), so such a function is made after the tables.
fn names_table_row(m: &Model, f: &Function) -> bool {
    use crate::model::types::{BaseType, Returns, SqlType};
    let is_table =
        |ty: &SqlType| matches!(&ty.base, BaseType::Named(q) if m.tables.contains_key(q));
    let parsed_is_table = |ty: &str| SqlType::parse(ty).is_ok_and(|t| is_table(&t));
    f.args.iter().any(|a| is_table(&a.ty))
        || match Returns::parse(&f.returns) {
            Ok(Returns::Type { ty, .. }) => parsed_is_table(&ty),
            Ok(Returns::Table(columns)) => columns.iter().any(|(_, ty)| parsed_is_table(ty)),
            Err(_) => false,
        }
}

/// One function of the project, with its comment.
fn function(
    model: &Model,
    r: &Renderer,
    info: &HeaderInfo,
    f: &Function,
    out: &mut Out,
) -> Result<(), RenderError> {
    let args = f
        .args
        .iter()
        .map(|a| {
            let mode = match a.mode {
                ArgMode::In => String::new(),
                m => format!("{} ", m.keyword()),
            };
            Ok(match &a.default {
                Some(d) => format!(
                    "{mode}{} {} DEFAULT {}",
                    quote_ident(&a.name),
                    a.ty,
                    default_sql(&frag(model, d)?)
                ),
                None => format!("{mode}{} {}", quote_ident(&a.name), a.ty),
            })
        })
        .collect::<Result<Vec<String>, RenderError>>()?;
    let body = function_body(f);
    let body = body.as_str();
    let s = r.render(
        "function.sql.j2",
        context! {
            qualified => f.name.sql(),
            args,
            returns => returns_sql(model, f)?,
            language => language_sql(model, f)?,
            volatility => match f.volatility { Volatility::Volatile => "VOLATILE", Volatility::Stable => "STABLE", Volatility::Immutable => "IMMUTABLE" },
            options => function_options(f),
            definer => f.security == Security::Definer,
            search_path => f.search_path.as_ref().map(|p| search_path_sql(p)),
            settings => f.settings.iter().map(|s| format!("{} = {}", quote_ident(&s.name), quote_literal(&s.value))).collect::<Vec<_>>(),
            tag => crate::sql::quote::dollar_tag("function", [body]),
            body,
        },
    )?;
    let s = if info.fresh {
        s
    } else {
        replace_function(model, f, &s)
    };
    out.object(Some(f.loc), s);
    if let Some(c) = &f.comment {
        let s = r.render(
            "comment.sql.j2",
            context! { kind => "FUNCTION", target => function_ident(f), text => c },
        )?;
        out.object(Some(f.loc), s);
    }
    Ok(())
}

/// `CREATE OR REPLACE FUNCTION`, made to work over an older version whose function had other
/// parameter names, defaults or result type: PostgreSQL refuses those in place
/// (`invalid_function_definition`), so the function is then dropped and made again (when it
/// exists: otherwise the error was about the definition itself, and is raised). The
/// policies that use it, on the project's tables and on the external tables it declares
/// policies on, are dropped first: this file makes them again below. Anything else that
/// uses it (a view, a default, a trigger) makes the drop fail, and the file with it.
fn replace_function(model: &Model, f: &Function, create: &str) -> String {
    let mut schemas: BTreeSet<&str> = model.config.schemas.iter().map(String::as_str).collect();
    schemas.extend(model.tables.keys().map(|q| q.schema.as_str()));
    let schemas: Vec<String> = schemas.into_iter().map(quote_literal).collect();
    let external: Vec<String> = model
        .external
        .values()
        .filter(|e| !e.policies.is_empty())
        .map(|e| quote_literal(&e.name.sql()))
        .collect();
    let external = if external.is_empty() {
        String::new()
    } else {
        format!(
            " OR c.oid IN (SELECT x::regclass FROM unnest(ARRAY[{}]) AS x)",
            external.join(", ")
        )
    };
    let ident = function_ident(f);
    // A function that does not exist yet was refused for what it says: PostgreSQL's own
    // error is re-raised, not the one a drop of nothing would give.
    let recover = format!(
        "  IF to_regprocedure({}) IS NULL THEN\n    RAISE;\n  END IF;\n  \
         FOR schemac_drop IN\n    \
         SELECT DISTINCT format('DROP POLICY %I ON %I.%I', p.polname, n.nspname, c.relname)\n      \
         FROM pg_depend d\n      \
         JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid\n      \
         JOIN pg_class c ON c.oid = p.polrelid\n      \
         JOIN pg_namespace n ON n.oid = c.relnamespace\n     \
         WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = {}::regprocedure\n       \
         AND (n.nspname IN ({}){external})\n  \
         LOOP\n    EXECUTE schemac_drop;\n  END LOOP;\n  \
         DROP FUNCTION {ident};\n",
        quote_literal(&ident),
        quote_literal(&ident),
        schemas.join(", ")
    );
    create_or_recover(
        create,
        "invalid_function_definition",
        "  schemac_drop text;\n",
        &recover,
    )
}

/// A `DO` block that gives an existing table's columns the project's types, whatever an
/// older version said. Which types differ is decided by PostgreSQL itself: the wanted
/// columns are made in a temporary table (no rows, dropped at once), and each column whose
/// type or modifier differs from its twin's is altered to it (`format_type`, valid in this
/// session). A change PostgreSQL cannot make with an assignment cast, or on a column a view
/// reads, fails the file, with PostgreSQL's message: `schemac apply` plans such changes.
fn retype_columns(t: &crate::model::Table, qualified: &str) -> String {
    let probe: Vec<String> = t
        .columns
        .values()
        .map(|c| {
            let mut ty = c.ty.clone();
            // A serial's column is of the integer type behind it.
            if let crate::model::types::BaseType::Builtin(b) = &mut ty.base {
                *b = match *b {
                    "serial" => "integer",
                    "bigserial" => "bigint",
                    "smallserial" => "smallint",
                    other => other,
                };
            }
            format!("{} {}", quote_ident(&c.name), ty)
        })
        .collect();
    let probe = probe.join(", ");
    // Columns whose default is set again below (see `realign_columns`): it is dropped before
    // the type changes, as PostgreSQL may be unable to cast the old one.
    let defaults: Vec<String> = t
        .columns
        .values()
        .filter(|c| c.identity.is_none() && c.generated.is_none() && !c.ty.is_serial())
        .map(|c| quote_literal(&c.name))
        .collect();
    let defaults = if defaults.is_empty() {
        "false".to_string()
    } else {
        format!("w.attname IN ({})", defaults.join(", "))
    };
    let table = quote_literal(qualified);
    let tag = dollar_tag([probe.as_str(), qualified, defaults.as_str()]);
    format!(
        "DO {tag}\nDECLARE\n  schemac_alter text;\nBEGIN\n  \
         CREATE TEMP TABLE schemac_wanted_types ({probe});\n  \
         FOR schemac_alter IN\n    \
         SELECT format('ALTER TABLE %s %sALTER COLUMN %I TYPE %s', {table},\n           \
         CASE WHEN {defaults} THEN format('ALTER COLUMN %I DROP DEFAULT, ', w.attname) ELSE '' END,\n           \
         w.attname, format_type(w.atttypid, w.atttypmod))\n      \
         FROM pg_attribute w\n      \
         JOIN pg_attribute a ON a.attrelid = {table}::regclass AND a.attname = w.attname AND NOT a.attisdropped\n     \
         WHERE w.attrelid = 'pg_temp.schemac_wanted_types'::regclass AND w.attnum > 0\n       \
         AND (a.atttypid, a.atttypmod) IS DISTINCT FROM (w.atttypid, w.atttypmod)\n     \
         ORDER BY w.attnum\n  \
         LOOP\n    EXECUTE schemac_alter;\n  END LOOP;\n  \
         DROP TABLE pg_temp.schemac_wanted_types;\nEND\n{tag};\n"
    )
}

/// A stable content hash of the inputs (FNV-1a 64 over sorted files), for the header.
pub fn input_hash(model: &Model) -> String {
    let mut files: BTreeMap<String, &str> = BTreeMap::new();
    for (_, f) in model.sources.files() {
        let rel = f.path.strip_prefix(&model.root).unwrap_or(&f.path);
        files.insert(rel.to_string_lossy().replace('\\', "/"), &f.text);
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in files {
        for b in name.bytes().chain([0u8]).chain(text.bytes()).chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("fnv1a64:{h:016x}")
}
