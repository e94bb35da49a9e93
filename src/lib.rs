//! schemac: a declarative compiler for PostgreSQL schemas and row-level-security policies.
//!
//! The pipeline is the module tree, each stage taking data and returning data:
//! [`load`] (YAML files → raw structs with positions) → [`model`] (typed, resolved) →
//! [`check`] (diagnostics as data) → [`rls`] (who may do what, from the model alone).
//! [`rls_test`] proves that matrix on a throwaway database; [`import`] goes the other way,
//! from a database (or a migrations folder) to a project. The library never prints and
//! never exits; the binary's `cli` module decides how findings are shown and which exit
//! code they mean.

pub mod apply;
pub mod catalog;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod import;
pub mod introspect;
pub mod kinds;
pub mod load;
pub mod model;
pub mod pg;
pub mod plan;
pub mod predict;
pub mod render;
pub mod rls;
pub mod rls_test;
pub mod sql;

use diagnostic::Diagnostic;
use std::path::Path;

/// A project that could not be loaded: the diagnostics and the sources they point into.
pub use load::LoadFailure;

/// Loads and types the project in `dir` (shown as `display` in messages).
///
/// Each definition file is typed as soon as it is loaded, so its raw structs and position
/// index are freed before the next file is read: a large project never holds them all,
/// and the model is built from data still in cache. The result is the same as
/// `model::build::build(load::load_project(..)?)`.
pub fn compile(dir: &Path, display: &str) -> Result<model::Model, LoadFailure> {
    let mut builder: Option<model::build::Builder> = None;
    let loaded = load::load_project_streaming(dir, display, &mut |config, file| {
        builder
            .get_or_insert_with(|| model::build::Builder::start(dir.to_path_buf(), config))
            .add_file(file);
    })?;
    match builder {
        Some(mut b) => {
            for f in loaded.files {
                b.add_file(f);
            }
            b.finish(loaded.sources)
        }
        None => model::build::build(loaded),
    }
}

/// Loads, types and checks a project; returns the model and its sorted diagnostics.
pub fn check_project(
    dir: &Path,
    display: &str,
) -> Result<(model::Model, Vec<Diagnostic>), LoadFailure> {
    let model = compile(dir, display)?;
    let diags = check::run(&model);
    Ok((model, diags))
}

/// Renders the master migration for a checked model.
pub fn generate(
    model: &model::Model,
    templates: Option<&Path>,
) -> Result<String, render::RenderError> {
    render_migration(model, templates, false, false, true).map(|m| m.text)
}

/// [`generate`] without the project's `sql:` blocks: what a throwaway database that nobody
/// asked to run them on is filled with (`test-rls`).
pub(crate) fn generate_without_raw_sql(
    model: &model::Model,
    templates: Option<&Path>,
) -> Result<String, render::RenderError> {
    render_migration(model, templates, false, false, false).map(|m| m.text)
}

/// Renders the master migration with each object's SQL separately.
pub fn generate_migration(
    model: &model::Model,
    templates: Option<&Path>,
) -> Result<render::Migration, render::RenderError> {
    render_migration(model, templates, false, true, true)
}

/// The master migration as for an empty database (plain statements), each object's SQL
/// kept apart: what a throwaway database is filled with.
pub(crate) fn render_fresh(model: &model::Model) -> Result<render::Migration, render::RenderError> {
    render_migration(model, None, true, true, false)
}

/// `objects`: also keep each object's SQL on its own (diff applies them in batches);
/// `raw_sql`: write the project's `sql:` blocks.
fn render_migration(
    model: &model::Model,
    templates: Option<&Path>,
    fresh: bool,
    objects: bool,
    raw_sql: bool,
) -> Result<render::Migration, render::RenderError> {
    let renderer = render::Renderer::new(templates)?;
    let project = model
        .root
        .canonicalize()
        .ok()
        .and_then(|p| {
            p.file_name()
                .map(|n| sql::quote::comment_text(&n.to_string_lossy()).into_owned())
        })
        .unwrap_or_else(|| "project".into());
    let hash = render::input_hash(model);
    render::render_with(
        model,
        &renderer,
        &render::HeaderInfo {
            project: &project,
            hash: &hash,
            fresh,
            raw_sql,
        },
        objects,
    )
}

/// The project's `sql:` blocks as gen writes them (with the template overrides in
/// `templates`), in the order gen runs them: (name, SQL). What `diff --sql` and apply re-run.
pub fn raw_sql_blocks(
    model: &model::Model,
    templates: Option<&Path>,
) -> Result<Vec<(String, String)>, render::RenderError> {
    if model.raw_sql.is_empty() {
        return Ok(Vec::new());
    }
    let renderer = render::Renderer::new(templates)?;
    Ok(render::raw_sql(model, &renderer)?
        .into_iter()
        .map(|(b, sql)| (b.name.clone(), sql))
        .collect())
}

/// Why `diff` failed (not drift: errors, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Pg(#[from] pg::PgError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("introspecting {what} failed: {message}")]
    Introspect { what: String, message: String },
}

pub(crate) fn introspect_as(
    client: &mut impl pg::Reads,
    scope: &catalog::Scope,
    what: &str,
) -> Result<catalog::Catalog, DiffError> {
    introspect::introspect_scope(client, scope).map_err(|e| DiffError::Introspect {
        what: what.to_string(),
        message: pg::reason(&e),
    })
}

/// A failed parallel read as a [`DiffError`]: connecting stays a connection error, a
/// failed query says which side (`names[side]`) it was reading.
fn side_error(e: pg::snapshot::SideError, names: &[&str]) -> DiffError {
    let what = names.get(e.side).copied().unwrap_or("the database");
    match e.error {
        pg::PgError::Query { message, .. } => DiffError::Introspect {
            what: what.to_string(),
            message,
        },
        other => DiffError::Pg(other),
    }
}

/// Ends the read-only snapshot transaction [`introspect::read_parallel`] left open.
fn end_read(client: &mut postgres::Client, what: &str) -> Result<(), DiffError> {
    client
        .batch_execute("COMMIT")
        .map_err(|e| DiffError::Introspect {
            what: what.to_string(),
            message: pg::reason(&e),
        })
}

fn missing_side(what: &str) -> DiffError {
    DiffError::Introspect {
        what: what.to_string(),
        message: "no catalog was read".into(),
    }
}

/// Replaces the texts of what `cat` read by form with PostgreSQL's (those without a form
/// only, with `placeholders_only`).
fn deparse_forms(
    client: &mut impl pg::Reads,
    cat: &mut catalog::Catalog,
    placeholders_only: bool,
    what: &str,
) -> Result<(), DiffError> {
    introspect::forms::resolve(client, cat, placeholders_only).map_err(|e| DiffError::Introspect {
        what: format!("{what} (deparsing)"),
        message: pg::reason(&e),
    })
}

/// [`deparse_forms`] on the `--from` and `--to` sides at once.
fn deparse_both(
    [(from, actual), (to, desired)]: [(&mut postgres::Client, &mut catalog::Catalog); 2],
    placeholders_only: bool,
) -> Result<(), DiffError> {
    let (a, d) = std::thread::scope(|s| {
        let a = s.spawn(|| deparse_forms(from, actual, placeholders_only, "--from"));
        let d = deparse_forms(to, desired, placeholders_only, "--to");
        (a.join(), d)
    });
    a.map_err(|_| missing_side("--from"))??;
    d
}

/// Reads the dependencies a plan is ordered by into `cat`.
pub(crate) fn read_deps(
    client: &mut impl pg::Reads,
    scope: &catalog::Scope,
    what: &str,
    cat: &mut catalog::Catalog,
) -> Result<(), DiffError> {
    cat.deps =
        introspect::dependencies(client, &scope.schemas).map_err(|e| DiffError::Introspect {
            what: format!("{what} (dependencies)"),
            message: pg::reason(&e),
        })?;
    Ok(())
}

/// What a project's diff reads: its schemas, the external tables it attaches triggers or
/// policies to, buckets when it declares some, and the schemas whose privileges it sets.
pub fn scope_of(model: &model::Model) -> catalog::Scope {
    let mut privilege_schemas: Vec<String> = model.schema_configs.keys().cloned().collect();
    privilege_schemas.extend(model.default_privileges.iter().map(|d| d.in_schema.clone()));
    privilege_schemas.sort();
    privilege_schemas.dedup();
    catalog::Scope {
        schemas: model.config.schemas.clone(),
        external_tables: model
            .external
            .keys()
            .map(|q| (q.schema.clone(), q.name.clone()))
            .collect(),
        privilege_schemas,
        buckets: !model.buckets.is_empty(),
        declared_sequences: Some(
            model
                .sequences
                .keys()
                .map(|q| (q.schema.clone(), q.name.clone()))
                .collect(),
        ),
        by_form: None,
    }
}

/// The desired catalog of a project: gen's output (with the template overrides in
/// `templates`, as gen uses them) applied to a shadow database created on the server of
/// `server_url` (always dropped afterwards), then introspected.
pub fn desired_catalog(
    model: &model::Model,
    server_url: &str,
    templates: Option<&Path>,
) -> Result<catalog::Catalog, DiffError> {
    desired_catalog_with(model, server_url, templates, false)
}

/// [`desired_catalog`]; with `trust_raw_sql`, the project's `sql:` blocks run in the shadow
/// database too, after every declared object (as gen runs them), so that what they make is
/// part of the catalog. Without it they never run there: the shadow lives on the server of
/// the database, and a block is SQL the format does not vouch for.
pub fn desired_catalog_with(
    model: &model::Model,
    server_url: &str,
    templates: Option<&Path>,
    trust_raw_sql: bool,
) -> Result<catalog::Catalog, DiffError> {
    // The shadow database is empty: the plain (unguarded) statements apply much faster.
    let migration = render_migration(model, templates, true, true, false)?;
    let blocks = if trust_raw_sql && !model.raw_sql.is_empty() {
        let renderer = render::Renderer::new(templates)?;
        render::raw_sql(model, &renderer)?
            .into_iter()
            .map(|(b, sql)| (b.name.clone(), sql))
            .collect()
    } else {
        Vec::new()
    };
    let mut shadow = empty_shadow(model, server_url)?;
    pg::apply_in_batches(&mut shadow.client, &migration.objects, 200)?;
    for (name, sql) in &blocks {
        shadow
            .client
            .batch_execute(sql)
            .map_err(|e| pg::PgError::Query {
                what: format!(
                    "running sql block `{name}` in the shadow database (--trust-raw-sql)"
                ),
                message: pg::reason(&e),
            })?;
    }
    let scope = scope_of(model);
    let mut cat = read_shadow(&mut shadow, server_url, &scope)?;
    keep_decided_privileges(model, &mut cat);
    Ok(cat)
}

/// Keeps, of a project's catalog, the owners it declares, and the sequence and function
/// privileges its `api_roles` decide, and names the roles they are decided for
/// ([`catalog::Catalog::managed_grantees`]); without `api_roles` none are compared.
pub fn keep_decided_privileges(model: &model::Model, cat: &mut catalog::Catalog) {
    cat.owners = predict::declared_owners(model, &cat.functions);
    // Sequences the project's grants: name.
    let granted: std::collections::BTreeSet<(&str, &str)> = model
        .grants
        .iter()
        .filter(|g| g.derived.is_none() && model.grant_on_sequence(&g.on))
        .map(|g| (g.on.schema.as_str(), g.on.name.as_str()))
        .collect();
    // Functions the project's grants: name.
    let executed: std::collections::BTreeSet<(&str, &str)> = model
        .function_privileges
        .iter()
        .map(|g| (g.function.schema.as_str(), g.function.name.as_str()))
        .collect();
    let Some(api) = &model.api else {
        cat.sequence_grants
            .retain(|(s, n), _| granted.contains(&(s.as_str(), n.as_str())));
        cat.function_grants
            .retain(|(s, n, _), _| executed.contains(&(s.as_str(), n.as_str())));
        cat.managed_grantees.clear();
        return;
    };
    cat.managed_grantees = api.managed.iter().cloned().collect();
    let seqs: std::collections::BTreeSet<(&str, &str)> = api
        .sequences
        .iter()
        .map(|q| (q.name.schema.as_str(), q.name.name.as_str()))
        .chain(granted.iter().copied())
        .collect();
    cat.sequence_grants
        .retain(|(s, n), _| seqs.contains(&(s.as_str(), n.as_str())));
    let funcs: std::collections::BTreeSet<(&str, &str)> = api
        .functions
        .iter()
        .filter_map(|g| model.functions.get(g.function))
        .map(|f| (f.name.schema.as_str(), f.name.name.as_str()))
        .chain(executed.iter().copied())
        .collect();
    cat.function_grants
        .retain(|(s, n, _), _| funcs.contains(&(s.as_str(), n.as_str())));
}

/// Changes that bring the database at `db_url` to the project's state. The shadow database
/// is created on `dev_url` when given, else on the server of `db_url`.
pub fn diff_project(
    model: &model::Model,
    db_url: &str,
    dev_url: Option<&str>,
) -> Result<Vec<diff::Change>, DiffError> {
    diff_project_with(model, db_url, dev_url, DiffOptions::default()).map(|d| d.changes)
}

/// How [`diff_project_with`] works.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions<'a> {
    /// Build the shadow database even when the catalog proves there is no drift.
    pub always_shadow: bool,
    /// gen's template overrides: the shadow database is built from the SQL they render.
    /// The catalog prediction knows only the embedded templates, so a shadow is always built.
    pub templates: Option<&'a Path>,
    /// Run the project's `sql:` blocks in the shadow database (always built then), so that
    /// what they make is compared like the rest. Without it, blocks never run there, and
    /// what they may have made is left out of the comparison ([`diff::raw`]).
    pub trust_raw_sql: bool,
}

/// What [`diff_project_with`] found, and how.
#[derive(Debug)]
pub struct ProjectDiff {
    pub changes: Vec<diff::Change>,
    /// Why a shadow database was built; None when the fast path proved there is no drift.
    pub shadow_reason: Option<String>,
    /// The two catalogs compared, with their dependencies; None when the fast path proved
    /// there is no drift.
    pub sides: Option<Sides>,
    /// The project's `sql:` blocks, in the order gen runs them: never compared (they are
    /// "unmanaged; re-run by apply"), and no drift.
    pub unmanaged: Vec<String>,
}

/// The names of the project's `sql:` blocks, in the order gen runs them.
fn unmanaged(model: &model::Model) -> Vec<String> {
    match model.raw_sql_order() {
        Ok(blocks) => blocks.into_iter().map(|b| b.name.clone()).collect(),
        Err(_) => model.raw_sql.keys().cloned().collect(),
    }
}

/// The catalogs a plan was made from: what a proof ([`apply::prove`]) replays it against.
#[derive(Debug)]
pub struct Sides {
    /// The database to change, and what was read of it.
    pub actual: catalog::Catalog,
    pub desired: catalog::Catalog,
    pub scope: catalog::Scope,
    pub options: diff::Options,
}

/// Like [`diff_project`]. Unless `always_shadow`, the live catalog is first compared with
/// the catalog predicted from the model ([`predict`]); when that proves there is no drift,
/// no shadow database is built. Any difference, or anything the prediction cannot spell,
/// needs the shadow database, which alone decides what the changes are. When the
/// differences are of objects a partial shadow can place ([`diff::partial`]), the shadow
/// holds only those objects and what they need, and every other object keeps the state the
/// prediction proved; else it holds the whole project.
pub fn diff_project_with(
    model: &model::Model,
    db_url: &str,
    dev_url: Option<&str>,
    how: DiffOptions,
) -> Result<ProjectDiff, DiffError> {
    let opts = diff::Options {
        declared_grantees_only: true,
        whole_database: false,
    };
    let scope = scope_of(model);
    let (mut db, mut actual) = read_database(db_url, &scope, false, "the database")?;
    let renames = diff::renames::pending(&model.renames(), &actual);
    let blocks = !model.raw_sql.is_empty();
    // Untrusted blocks: what they may have made is left out of the database's catalog.
    let hidden = (blocks && !how.trust_raw_sql).then(|| diff::raw::words(model));
    let mut drift = None;
    let mut shadow_reason = if !renames.is_empty() {
        format!(
            "a declared rename is pending ({})",
            plan::label(&renames[0])
        )
    } else if how.always_shadow {
        "--always-shadow".to_string()
    } else if how.templates.is_some() {
        "--templates: the catalog prediction knows only the embedded templates".to_string()
    } else if blocks && how.trust_raw_sql {
        "--trust-raw-sql: the sql blocks run in the shadow database".to_string()
    } else {
        match fast_path(model, &mut db, &actual, opts, hidden.as_ref())? {
            Fast::Clean => {
                end_read(&mut db, "the database")?;
                return Ok(ProjectDiff {
                    changes: Vec::new(),
                    shadow_reason: None,
                    sides: None,
                    unmanaged: unmanaged(model),
                });
            }
            Fast::Unpredictable(why) => why,
            Fast::Drift { predicted, changes } => {
                let why = changes
                    .first()
                    .map(|c| format!("{} {}", c.kind.sign(), c.object))
                    .unwrap_or_default();
                if blocks {
                    // What the blocks may have made is decided against the whole project.
                    format!("{why}; the project has sql blocks, so the whole project is built")
                } else {
                    drift = Some((predicted, changes));
                    why
                }
            }
        }
    };
    let server_url = dev_url.unwrap_or(db_url);
    if !renames.is_empty() {
        end_read(&mut db, "the database")?;
        actual = renamed_catalog(model, &mut db, &scope, &renames)?;
    } else if let Some((predicted, changes)) = drift {
        // The shadow database is created while the database's dependencies are read.
        let (shadow, deps) = std::thread::scope(|s| {
            let shadow = s.spawn(|| empty_shadow(model, server_url));
            let deps = read_deps(&mut db, &scope, "the database", &mut actual);
            (shadow.join(), deps)
        });
        deps?;
        end_read(&mut db, "the database")?;
        let shadow = shadow.map_err(|_| DiffError::Introspect {
            what: "the shadow database".into(),
            message: "creating it panicked".into(),
        })??;
        match partial_catalog(model, shadow, server_url, *predicted, &actual, &changes)? {
            Ok((desired, built)) => {
                let changes = diff::diff(&desired, &actual, opts);
                return Ok(ProjectDiff {
                    changes: plan::order(changes, &desired, &actual),
                    unmanaged: unmanaged(model),
                    shadow_reason: Some(format!(
                        "{shadow_reason}; {} of {} tables built, {} of them in part",
                        built.tables,
                        model.tables.len(),
                        built.in_part
                    )),
                    sides: Some(Sides {
                        actual,
                        desired,
                        scope,
                        options: opts,
                    }),
                });
            }
            Err(diff::partial::NotPartial(why)) => {
                shadow_reason = format!("{shadow_reason}; {why}");
            }
        }
    } else {
        read_deps(&mut db, &scope, "the database", &mut actual)?;
        end_read(&mut db, "the database")?;
    }
    whole_shadow(
        model,
        server_url,
        how,
        actual,
        scope,
        opts,
        renames,
        shadow_reason,
        hidden.as_ref(),
    )
}

/// The end of [`diff_project_with`] with a shadow database of the whole project.
#[allow(clippy::too_many_arguments)]
fn whole_shadow(
    model: &model::Model,
    server_url: &str,
    how: DiffOptions,
    actual: catalog::Catalog,
    scope: catalog::Scope,
    opts: diff::Options,
    renames: Vec<diff::Change>,
    shadow_reason: String,
    hidden: Option<&std::collections::BTreeSet<String>>,
) -> Result<ProjectDiff, DiffError> {
    let mut actual = actual;
    let desired = desired_catalog_with(model, server_url, how.templates, how.trust_raw_sql)?;
    if let Some(words) = hidden {
        diff::raw::hide(&mut actual, &desired, words);
    }
    let mut changes = renames;
    changes.extend(diff::diff(&desired, &actual, opts));
    Ok(ProjectDiff {
        changes: plan::order(changes, &desired, &actual),
        unmanaged: unmanaged(model),
        shadow_reason: Some(shadow_reason),
        sides: Some(Sides {
            actual,
            desired,
            scope,
            options: opts,
        }),
    })
}

/// Reads the catalog of the database at `url` on several connections inside one snapshot
/// ([`introspect::read_parallel`]); returns the first connection, still inside the
/// snapshot's transaction ([`end_read`] ends it), and the catalog.
fn read_database(
    url: &str,
    scope: &catalog::Scope,
    deps: bool,
    what: &str,
) -> Result<(postgres::Client, catalog::Catalog), DiffError> {
    read_with(pg::config(url)?, url, scope, deps, what)
}

/// Like [`read_database`], with the connection settings `cfg` (`url` names the server in
/// messages).
fn read_with(
    cfg: postgres::Config,
    url: &str,
    scope: &catalog::Scope,
    deps: bool,
    what: &str,
) -> Result<(postgres::Client, catalog::Catalog), DiffError> {
    let source = introspect::Source {
        cfg,
        url,
        scope,
        deps,
        connections: pg::snapshot::connections(1),
        parallel_from: pg::snapshot::PARALLEL_FROM,
    };
    introspect::read_parallel(std::slice::from_ref(&source))
        .map_err(|e| side_error(e, &[what]))?
        .pop()
        .ok_or_else(|| missing_side(what))
}

/// A new shadow database on the server of `server_url`, with the Supabase stubs when the
/// project targets Supabase.
fn empty_shadow(model: &model::Model, server_url: &str) -> Result<pg::Shadow, DiffError> {
    let mut shadow = pg::Shadow::create(server_url)?;
    if model.config.target == model::Target::Supabase {
        shadow
            .client
            .batch_execute(render::STUBS)
            .map_err(|e| pg::PgError::Query {
                what: "creating the Supabase stubs in the shadow database".into(),
                message: pg::reason(&e),
            })?;
    }
    Ok(shadow)
}

/// The catalog of `shadow` (on the server of `server_url`) with its dependencies. A large
/// shadow is read as the database itself is: on several connections inside one snapshot
/// ([`introspect::read_parallel`]), each named after the shadow like its own connection (at
/// 10 000 tables its dependencies alone took a second on one connection). A small one is
/// read on its own connection, whose caches the build warmed: a new one cost a small
/// project's diff 110 ms, most of it the shadow's drop waiting for that connection to end
/// (`DROP DATABASE` looks again every 100 ms).
fn read_shadow(
    shadow: &mut pg::Shadow,
    server_url: &str,
    scope: &catalog::Scope,
) -> Result<catalog::Catalog, DiffError> {
    let what = "the shadow database";
    let fail = |e: postgres::Error| DiffError::Introspect {
        what: what.to_string(),
        message: pg::reason(&e),
    };
    let large = pg::snapshot::large(&mut shadow.client).map_err(fail)?;
    if !large || pg::snapshot::connections(1) < 2 {
        let mut cat = introspect_as(&mut shadow.client, scope, what)?;
        read_deps(&mut shadow.client, scope, what, &mut cat)?;
        return Ok(cat);
    }
    let mut cfg = pg::config(server_url)?;
    cfg.dbname(&shadow.name);
    cfg.application_name(&shadow.name);
    let (mut client, cat) = read_with(cfg, server_url, scope, true, what)?;
    end_read(&mut client, what)?;
    Ok(cat)
}

/// How many tables a partial shadow holds, and how many of them only in part (with some of
/// their objects, or as skeletons).
struct Built {
    tables: usize,
    in_part: usize,
}

/// The desired catalog from a partial shadow ([`diff::partial`]) built in `shadow` (empty,
/// dropped afterwards), and what it built; an inner error when the differences cannot be
/// placed, or the partial shadow lacks something the project's SQL needs (the caller then
/// builds the whole one).
fn partial_catalog(
    model: &model::Model,
    mut shadow: pg::Shadow,
    server_url: &str,
    predicted: catalog::Catalog,
    actual: &catalog::Catalog,
    changes: &[diff::Change],
) -> Result<Result<(catalog::Catalog, Built), diff::partial::NotPartial>, DiffError> {
    let sel = match diff::partial::select(model, &predicted, actual, changes) {
        Ok(sel) => sel,
        Err(e) => return Ok(Err(e)),
    };
    let sub = diff::partial::submodel(model, &sel);
    let migration = render_migration(&sub, None, true, true, false)?;
    if let Err(e) = pg::apply_in_batches(&mut shadow.client, &migration.objects, 200) {
        return Ok(Err(diff::partial::NotPartial(format!(
            "the partial shadow could not be built: {e}"
        ))));
    }
    let scope = scope_of(model);
    let mut cat = read_shadow(&mut shadow, server_url, &scope)?;
    keep_decided_privileges(model, &mut cat);
    let built = Built {
        tables: sel.full.len() + sel.skeleton.len(),
        in_part: sel.parts.len() + sel.skeleton.len(),
    };
    let merged = diff::partial::merge(predicted, cat, &sel, model, actual).map(|c| (c, built));
    // Dropped after the merge, which gives the reading connections time to end.
    drop(shadow);
    Ok(merged)
}

/// The database as `renames` leave it, read exactly: the renames run inside a transaction
/// (with the project's `lock_timeout`, so a busy table makes this fail rather than wait),
/// the catalog and its dependencies are read there, and the transaction is rolled back.
/// PostgreSQL itself then spells every index, constraint, policy, trigger and view that
/// names a renamed table or column, so the other changes are those of the renamed database.
fn renamed_catalog(
    model: &model::Model,
    db: &mut postgres::Client,
    scope: &catalog::Scope,
    renames: &[diff::Change],
) -> Result<catalog::Catalog, DiffError> {
    let what = "the database after its pending renames";
    let fail = |e: postgres::Error| DiffError::Introspect {
        what: what.to_string(),
        message: pg::reason(&e),
    };
    let mut tx = db.transaction().map_err(fail)?;
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = {};",
        sql::quote::quote_literal(&model.config.lock_timeout)
    ))
    .map_err(fail)?;
    for c in renames {
        for s in &c.sql {
            tx.batch_execute(s).map_err(fail)?;
        }
    }
    let mut cat = introspect::introspect_scope(&mut tx, scope).map_err(fail)?;
    cat.deps = introspect::dependencies(&mut tx, &scope.schemas).map_err(fail)?;
    tx.rollback().map_err(fail)?;
    Ok(cat)
}

/// The most queries `schemac diff --db` sends to the database when it matches the project:
/// the introspection and the server's search_path. Constant whatever the project's size.
pub const DIFF_ROUND_TRIPS: usize = introspect::ROUND_TRIPS + 1;

/// What the catalog prediction says of a database.
enum Fast {
    /// It matches the project.
    Clean,
    /// The project's catalog cannot be predicted: why.
    Unpredictable(String),
    /// The prediction (reconciled with the database) and how the database differs from it.
    Drift {
        predicted: Box<catalog::Catalog>,
        changes: Vec<diff::Change>,
    },
}

/// Compares `actual` with the catalog predicted from the model ([`predict`]).
/// `hidden`: the words of untrusted `sql:` blocks ([`diff::raw::hide`]).
fn fast_path(
    model: &model::Model,
    db: &mut postgres::Client,
    actual: &catalog::Catalog,
    opts: diff::Options,
    hidden: Option<&std::collections::BTreeSet<String>>,
) -> Result<Fast, DiffError> {
    let path: Vec<String> = db
        .query_one("SELECT current_schemas(false)::text[]", &[])
        .map_err(|e| DiffError::Introspect {
            what: "the database's search_path".into(),
            message: pg::reason(&e),
        })?
        .get(0);
    let mut predicted = match predict::predict(model, &predict::SearchPath(path)) {
        Ok(c) => c,
        Err(predict::Unpredictable(why)) => return Ok(Fast::Unpredictable(why)),
    };
    let kept;
    let actual = match hidden {
        Some(words) => {
            let mut a = actual.clone();
            diff::raw::hide(&mut a, &predicted, words);
            kept = a;
            &kept
        }
        None => actual,
    };
    predict::reconcile(&mut predicted, actual);
    let changes = diff::diff(&predicted, actual, opts);
    Ok(if changes.is_empty() {
        Fast::Clean
    } else {
        Fast::Drift {
            predicted: Box::new(predicted),
            changes,
        }
    })
}

/// Changes that turn the database at `from_url` into the one at `to_url`.
pub fn diff_databases(
    from_url: &str,
    to_url: &str,
    schemas: &[String],
) -> Result<Vec<diff::Change>, DiffError> {
    let (changes, sides, clients) = read_and_diff_databases(from_url, to_url, schemas, false)?;
    // The read-only transactions end and the catalogs are freed on a thread of their own:
    // freeing some hundred thousand strings and two round trips took 10 ms at 1 000 tables,
    // which the caller need not wait for (a process that exits first ends both anyway).
    std::thread::spawn(move || {
        for mut client in clients {
            let _ = client.batch_execute("COMMIT");
        }
        drop(sides);
    });
    Ok(changes)
}

/// Like [`diff_databases`], with the catalogs the changes were made from.
pub fn diff_databases_with(
    from_url: &str,
    to_url: &str,
    schemas: &[String],
) -> Result<(Vec<diff::Change>, Sides), DiffError> {
    let (changes, sides, [mut from, mut to]) =
        read_and_diff_databases(from_url, to_url, schemas, true)?;
    for (client, what) in [(&mut from, "--from"), (&mut to, "--to")] {
        end_read(client, what)?;
    }
    Ok((changes, sides))
}

/// Both databases read at once, with checks, keys, indexes, triggers and policies by form
/// ([`catalog::Scope::by_form`]): their texts are deparsed only when something differs, or
/// with `texts` for a caller that keeps the catalogs. The two connections are returned
/// inside their read-only transactions.
fn read_and_diff_databases(
    from_url: &str,
    to_url: &str,
    schemas: &[String],
    texts: bool,
) -> Result<(Vec<diff::Change>, Sides, [postgres::Client; 2]), DiffError> {
    let (scope, opts) = between_databases(schemas);
    // Checks, keys, indexes, triggers and policies by form: deparsed only when something
    // differs.
    let by_form = catalog::Scope {
        by_form: Some(catalog::FormTable::new()),
        ..scope.clone()
    };
    // Both databases at once, each on its share of the cores' connections inside one
    // snapshot.
    let source = |url| -> Result<introspect::Source, DiffError> {
        Ok(introspect::Source {
            cfg: pg::config(url)?,
            url,
            scope: &by_form,
            deps: false,
            connections: pg::snapshot::connections(2),
            parallel_from: pg::snapshot::PARALLEL_FROM,
        })
    };
    let names = ["--from", "--to"];
    let sources = [source(from_url)?, source(to_url)?];
    let mut read = introspect::read_parallel(&sources).map_err(|e| side_error(e, &names))?;
    let (mut to, mut desired) = read.pop().ok_or_else(|| missing_side("--to"))?;
    let (mut from, mut actual) = read.pop().ok_or_else(|| missing_side("--from"))?;
    // What has no form is deparsed before anything is compared (both at once).
    if actual.deferred.has_placeholders() || desired.deferred.has_placeholders() {
        deparse_both([(&mut from, &mut actual), (&mut to, &mut desired)], true)?;
    }
    let mut changes = diff::diff(&desired, &actual, opts);
    if changes.is_empty() && texts {
        deparse_both([(&mut from, &mut actual), (&mut to, &mut desired)], false)?;
    }
    if !changes.is_empty() {
        // The texts of what was read by form, and the dependencies, which order the plan
        // and decide what a change drags along: identical databases need neither. Both
        // read in the same snapshots, both sides at once, then diff again.
        deparse_both([(&mut from, &mut actual), (&mut to, &mut desired)], false)?;
        let (a, d) = std::thread::scope(|s| {
            let a = s.spawn(|| introspect::dependencies(&mut from, schemas));
            let d = introspect::dependencies(&mut to, schemas);
            (a.join(), d)
        });
        let fail = |what: &str, e: postgres::Error| DiffError::Introspect {
            what: format!("{what} (dependencies)"),
            message: pg::reason(&e),
        };
        actual.deps = a
            .map_err(|_| missing_side("--from"))?
            .map_err(|e| fail("--from", e))?;
        desired.deps = d.map_err(|e| fail("--to", e))?;
        changes = plan::order(diff::diff(&desired, &actual, opts), &desired, &actual);
    }
    Ok((
        changes,
        Sides {
            actual,
            desired,
            scope,
            options: opts,
        },
        [from, to],
    ))
}

/// What a database ↔ database diff reads (every object of `schemas`, with their
/// privileges) and how it compares (the desired side is a whole database).
fn between_databases(schemas: &[String]) -> (catalog::Scope, diff::Options) {
    let scope = catalog::Scope {
        schemas: schemas.to_vec(),
        privilege_schemas: schemas.to_vec(),
        ..catalog::Scope::default()
    };
    let opts = diff::Options {
        whole_database: true,
        ..diff::Options::default()
    };
    (scope, opts)
}

/// Like [`diff_databases_with`], over connections the caller holds, one per database, read
/// one query after the other. A caller that diffs the same databases again and again (the
/// conformance runner: a plan, then the re-diff that proves it) keeps the server's catalog
/// caches warm and pays for no new sessions; on a [`pg::Session`] it also keeps the
/// catalog queries prepared.
pub fn diff_clients(
    from: &mut impl pg::Reads,
    to: &mut impl pg::Reads,
    schemas: &[String],
) -> Result<(Vec<diff::Change>, Sides), DiffError> {
    let (scope, opts) = between_databases(schemas);
    // By form, as in read_and_diff_databases.
    let by_form = catalog::Scope {
        by_form: Some(catalog::FormTable::new()),
        ..scope.clone()
    };
    let mut actual = introspect_as(from, &by_form, "--from")?;
    let mut desired = introspect_as(to, &by_form, "--to")?;
    deparse_forms(from, &mut actual, true, "--from")?;
    deparse_forms(to, &mut desired, true, "--to")?;
    let mut changes = diff::diff(&desired, &actual, opts);
    // The caller keeps the catalogs: their texts are PostgreSQL's in any case.
    deparse_forms(from, &mut actual, false, "--from")?;
    deparse_forms(to, &mut desired, false, "--to")?;
    if !changes.is_empty() {
        read_deps(from, &scope, "--from", &mut actual)?;
        read_deps(to, &scope, "--to", &mut desired)?;
        changes = plan::order(diff::diff(&desired, &actual, opts), &desired, &actual);
    }
    Ok((
        changes,
        Sides {
            actual,
            desired,
            scope,
            options: opts,
        },
    ))
}
