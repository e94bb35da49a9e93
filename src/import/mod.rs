//! `schemac import`: an existing database, or a folder of migrations, made into a project.
//!
//! Teams that would adopt schemac already have a database and a `supabase/migrations/`
//! folder; writing hundreds of lines of YAML by hand to describe it was the only way in.
//! Import reads the database with the catalog queries diff uses ([`crate::introspect`],
//! plus the few facts a project needs that diff does not: a function's parts, and what the
//! format cannot declare), and writes the project a person would write ([`project`]) with a
//! YAML writer of its own ([`yaml`]), so the result is byte-identical from run to run and
//! every hostile name reads back exactly.
//!
//! Nothing is claimed that is not proven: [`verify`] compiles the written project, applies it
//! to a throwaway database and compares that database with the source, database to database,
//! over the imported schemas. Short spellings that do not come back exactly are replaced by
//! PostgreSQL's own and tried again. What the format cannot say is listed in the report as
//! "not representable", with its definition (the import then exits 1). For a migrations
//! folder, [`migrations`] replays the files on a throwaway database first and reports what
//! the history did (objects made twice, renamed, dropped, policies replaced).

pub mod expr;
pub mod migrations;

pub mod project;
pub mod report;
pub mod yaml;

use crate::catalog::{Catalog, Name, Scope};
use crate::diff::Change;
use project::{Choices, FnApi, FnKey, FnParts, Privileges, Project, Source, Unrepresentable};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FUNCTIONS: &str = include_str!("functions.sql");
const EXTRAS: &str = include_str!("extras.sql");

/// Why an import failed (exit 2): nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Pg(#[from] crate::pg::PgError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error("reading {what} failed: {message}")]
    Read { what: String, message: String },
    #[error("{0} is not empty: pass --force to replace what it holds")]
    NotEmpty(String),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("the imported project does not load ({0}); this is a bug in schemac import")]
    Invalid(String),
    #[error("{0}")]
    Migration(String),
}

fn read_err(what: &str) -> impl Fn(postgres::Error) -> ImportError + '_ {
    move |e| ImportError::Read {
        what: what.to_string(),
        message: crate::pg::reason(&e),
    }
}

/// What to read: the imported schemas plus the platform tables and privileges.
pub fn scope(src_schemas: &[String], external: &[Name], buckets: bool) -> Scope {
    Scope {
        schemas: src_schemas.to_vec(),
        external_tables: external.to_vec(),
        privilege_schemas: src_schemas.to_vec(),
        buckets,
        declared_sequences: None,
        by_form: None,
    }
}

/// Reads everything a project of `schemas` says from the database `client` is connected
/// to.
pub fn read(client: &mut postgres::Client, schemas: &[String]) -> Result<Source, ImportError> {
    read_with(client, schemas, None)
}

/// The platform around the imported schemas: whether the database is a Supabase one, and
/// which of its tables and buckets are read beside them.
struct Platform {
    supabase: bool,
    external: Vec<Name>,
    buckets: bool,
}

impl Platform {
    fn read(client: &mut postgres::Client, schemas: &[String]) -> Result<Self, ImportError> {
        let row = client
            .query_one(
                "SELECT to_regclass('auth.users') IS NOT NULL
                        AND (SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role')) = 3,
                        to_regclass('storage.objects') IS NOT NULL,
                        to_regclass('storage.buckets') IS NOT NULL",
                &[],
            )
            .map_err(read_err("the platform schemas"))?;
        let supabase: bool = row.get(0);
        let mut external: Vec<Name> = Vec::new();
        if supabase {
            external.push(("auth".into(), "users".into()));
            if row.get::<_, bool>(1) {
                external.push(("storage".into(), "objects".into()));
            }
            if row.get::<_, bool>(2) {
                external.push(("storage".into(), "buckets".into()));
            }
        }
        external.retain(|(s, _)| !schemas.contains(s));
        Ok(Platform {
            supabase,
            external,
            buckets: supabase && row.get::<_, bool>(2),
        })
    }

    fn scope(&self, schemas: &[String]) -> Scope {
        scope(schemas, &self.external, self.buckets)
    }
}

/// [`read`], taking the catalog from `read` when the caller already read it with
/// [`scope`]`(schemas, &[], false)` (the conformance runner, whose diff read the same
/// database with that scope); it is read again when the database is a Supabase one (whose
/// scope also holds the platform tables).
pub fn read_with(
    client: &mut postgres::Client,
    schemas: &[String],
    read: Option<Catalog>,
) -> Result<Source, ImportError> {
    let platform = Platform::read(client, schemas)?;
    let cat = match read {
        Some(mut cat) if platform.external.is_empty() && !platform.buckets => {
            // What depends on what: import does not use it.
            cat.deps = Default::default();
            cat
        }
        _ => crate::introspect::introspect_scope(client, &platform.scope(schemas))
            .map_err(read_err("the database's catalog"))?,
    };
    read_rest(client, schemas, platform, cat)
}

/// [`read`] of the database at `url`, its catalog read on several connections inside one
/// snapshot, as diff reads a database ([`crate::introspect::read_parallel`]), and the rest
/// in that snapshot too.
fn read_url(url: &str, schemas: &[String]) -> Result<Source, ImportError> {
    let platform = Platform::read(&mut crate::pg::connect(url)?, schemas)?;
    let scope = platform.scope(schemas);
    let side = crate::introspect::Source {
        cfg: crate::pg::config(url)?,
        url,
        scope: &scope,
        deps: false,
        connections: crate::pg::snapshot::connections(1),
        parallel_from: crate::pg::snapshot::PARALLEL_FROM,
    };
    let (mut client, cat) = crate::introspect::read_parallel(std::slice::from_ref(&side))
        .map_err(|e| match e.error {
            crate::pg::PgError::Query { message, .. } => ImportError::Read {
                what: "the database's catalog".into(),
                message,
            },
            other => ImportError::Pg(other),
        })?
        .pop()
        .ok_or_else(|| ImportError::Read {
            what: "the database's catalog".into(),
            message: "no catalog was read".into(),
        })?;
    let source = read_rest(&mut client, schemas, platform, cat)?;
    client
        .batch_execute("COMMIT")
        .map_err(read_err("the database's catalog"))?;
    Ok(source)
}

/// The rest of [`read`] once the catalog is read: external tables, functions' parts, and
/// what the format cannot declare.
fn read_rest(
    client: &mut postgres::Client,
    schemas: &[String],
    platform: Platform,
    mut cat: Catalog,
) -> Result<Source, ImportError> {
    let Platform {
        supabase, external, ..
    } = platform;
    // Tables of other schemas that foreign keys name are external to the project.
    let mut ext: BTreeSet<Name> = external.iter().cloned().collect();
    for t in cat.tables.values() {
        for c in t
            .constraints
            .values()
            .filter(|c| c.kind == crate::catalog::ConstraintKind::ForeignKey)
        {
            if let Some(rest) = c.definition.split(" REFERENCES ").nth(1) {
                if let Some(((Some(s), n), _)) = expr::leading_qualified(rest) {
                    if !schemas.contains(&s) {
                        ext.insert((s, n));
                    }
                }
            }
        }
    }
    // Triggers and policies on platform tables that `schemac stubs` makes are the
    // platform's, not the project's; there are none today, so all are read as the
    // project's.
    cat.external
        .retain(|_, t| !t.policies.is_empty() || !t.triggers.is_empty());
    let mut functions = BTreeMap::new();
    for r in client
        .query(FUNCTIONS, &[&schemas])
        .map_err(read_err("the functions"))?
    {
        let key: FnKey = (r.get(0), r.get(1), r.get(2));
        let names: Vec<Option<String>> = r.get(3);
        functions.insert(
            key,
            FnParts {
                arg_names: names.into_iter().map(Option::unwrap_or_default).collect(),
                arg_modes: Vec::new(),
                all_arg_types: Vec::new(),
                arg_types: r.get(4),
                arguments: r.get(5),
                result: r.get(6),
                language: r.get(7),
                definer: r.get(8),
                volatility: r.get(9),
                body: r.get(10),
                config: r.get(11),
                kind: r.get(12),
                strict: r.get(13),
                leakproof: r.get(14),
                parallel: r.get(15),
                cost: r.get(16),
                rows: r.get(17),
                retset: r.get(18),
            },
        );
        if r.get::<_, bool>(19) {
            let row = client
                .query_one(
                    "SELECT p.proargmodes::text[],
                            ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proallargtypes) WITH ORDINALITY AS a(t, i) ORDER BY i)
                     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = $1 AND p.proname = $2 AND pg_get_function_identity_arguments(p.oid) = $3",
                    &[&r.get::<_, String>(0), &r.get::<_, String>(1), &r.get::<_, String>(2)],
                )
                .map_err(read_err("a function's argument modes"))?;
            if let Some(f) = functions.get_mut(&(r.get(0), r.get(1), r.get(2))) {
                f.arg_modes = row.get(0);
                f.all_arg_types = row.get(1);
            }
        }
    }
    let mut extras = Vec::new();
    for r in client
        .query(EXTRAS, &[&schemas, &crate::kinds::dependency_catalogs().0])
        .map_err(read_err("the objects the format cannot declare"))?
    {
        let kind: String = r.get(0);
        let schema: String = r.get(1);
        let name: String = r.get(2);
        let def: Option<String> = r.get(3);
        extras.push(Unrepresentable {
            kind,
            name: format!("{schema}.{name}"),
            definition: def.unwrap_or_default(),
            note: "left out: the format cannot declare it".into(),
        });
    }
    // Publications that publish no imported table are not the project's.
    cat.publications
        .retain(|_, p| p.tables.iter().any(|t| schemas.contains(&t.0)));
    Ok(Source {
        schemas: schemas.to_vec(),
        cat,
        functions,
        extras,
        supabase,
        external_tables: ext.into_iter().collect(),
    })
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Import {
    pub project: Project,
    /// The round trip: None when it was not run (with why in `verify_skipped`).
    pub differences: Option<Vec<String>>,
    /// The changes behind `differences` (empty when the round trip did not run).
    pub changes: Vec<Change>,
    pub verify_skipped: Option<String>,
    /// `schemac check` on the imported project, as report lines.
    pub findings: Vec<String>,
    /// How many of the findings are errors (gen refuses such a project).
    pub check_errors: usize,
    pub source: Source,
    pub api_roles: bool,
}

impl Import {
    /// Exit 0 only when the project says exactly what the database holds.
    pub fn exact(&self) -> bool {
        self.project.unrepresentable.is_empty()
            && self.check_errors == 0
            && self.differences.as_ref().is_none_or(|d| d.is_empty())
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where throwaway databases are created for the round trip; None: no round trip.
    pub verify_server: Option<String>,
    /// How paths are shown in findings (the `--out` directory as given).
    pub display: String,
}

/// A staging directory beside `out`, removed when dropped unless kept.
pub struct Staging {
    pub dir: PathBuf,
    keep: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Makes the staging directory for `out`: `.<name>.schemac-import-<pid>` beside it.
pub fn staging(out: &Path) -> Result<Staging, ImportError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".into());
    let dir = parent.join(format!(".{name}.schemac-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| ImportError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(Staging { dir, keep: false })
}

/// Refuses an `out` that holds anything, unless `force`.
pub fn check_out(out: &Path, force: bool) -> Result<(), ImportError> {
    let non_empty = match std::fs::read_dir(out) {
        Ok(mut d) => d.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => out.exists(),
    };
    if non_empty && !force {
        return Err(ImportError::NotEmpty(out.display().to_string()));
    }
    Ok(())
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), ImportError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| ImportError::Write {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| ImportError::Write {
                path: p.display().to_string(),
                message: e.to_string(),
            })?;
        }
        std::fs::write(&path, text).map_err(|e| ImportError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// Moves the staged project to `out` (replacing it with `--force`).
pub fn commit(staging: Staging, out: &Path) -> Result<(), ImportError> {
    let mut staging = staging;
    let werr = |p: &Path, e: std::io::Error| ImportError::Write {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let old = staging.dir.with_extension("old");
    let had = out.exists();
    if had {
        std::fs::rename(out, &old).map_err(|e| werr(out, e))?;
    }
    if let Err(e) = std::fs::rename(&staging.dir, out) {
        if had {
            let _ = std::fs::rename(&old, out);
        }
        return Err(werr(out, e));
    }
    staging.keep = true;
    if had {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Imports the database at `url` into the staging directory (not yet moved to `--out`).
pub fn import_database(
    url: &str,
    schemas: &[String],
    staging: &Staging,
    opts: &Options,
) -> Result<Import, ImportError> {
    let source = read_url(url, schemas)?;
    import_source(source, staging, opts)
}

/// Writes the project of `source` into the staging directory, choosing privileges and short
/// forms by what comes back exactly.
pub fn import_source(
    source: Source,
    staging: &Staging,
    opts: &Options,
) -> Result<Import, ImportError> {
    match opts.verify_server.clone() {
        Some(server) => import_source_with(
            source,
            staging,
            opts,
            Some(&mut |s: &Source, d: &Path| verify(s, d, &server)),
        ),
        None => import_source_with(source, staging, opts, None),
    }
}

/// A round trip: compiles the project in the directory, applies it to an empty database and
/// returns what differs from the source ([`verify`] on a throwaway database, [`verify_on`]
/// on one the caller empties).
pub type RoundTrip<'a> = dyn FnMut(&Source, &Path) -> Result<Vec<Change>, ImportError> + 'a;

/// [`import_source`] with the round trip given (None: no round trip, whatever `opts` says):
/// the conformance runner proves imports on databases it reuses.
pub fn import_source_with(
    source: Source,
    staging: &Staging,
    opts: &Options,
    mut round_trip: Option<&mut RoundTrip<'_>>,
) -> Result<Import, ImportError> {
    let fit = fit_privileges(&source, &staging.dir, &opts.display)?;
    let mut choices = Choices {
        privileges: fit.privileges,
        ..Choices::default()
    };
    let api_roles = choices.privileges.api_roles.is_some();
    // The model of the files in the staging directory, when fitting compiled them last.
    let (mut project, mut compiled) = match fit.compiled {
        Some((model, project)) => (project, Some(model)),
        None => {
            let project = project::Builder::new(&source, &choices).build();
            write_files(&staging.dir, &project.files)?;
            (project, None)
        }
    };
    let mut differences = None;
    let mut changes = Vec::new();
    if let Some(verify) = round_trip.as_mut() {
        let mut diffs = verify(&source, &staging.dir)?;
        // Short forms and templates that did not come back exactly: PostgreSQL's own
        // spelling for those objects, and again.
        let mut longhand = BTreeSet::new();
        for c in &diffs {
            let owner = match &c.object.table {
                Some(t) => format!("{t}\u{0}{}", c.object.name),
                None => c.object.name.clone(),
            };
            longhand.insert((c.object.schema.clone(), owner));
        }
        longhand.retain(|n| !choices.longhand.contains(n));
        if !longhand.is_empty() {
            compiled = None;
            choices.longhand.extend(longhand);
            let again = project::Builder::new(&source, &choices).build();
            write_files(&staging.dir, &again.files)?;
            let diffs_again = verify(&source, &staging.dir)?;
            if diffs_again.len() <= diffs.len() {
                project = again;
                diffs = diffs_again;
            } else {
                write_files(&staging.dir, &project.files)?;
            }
        }
        differences = Some(diffs.iter().map(crate::plan::label).collect());
        changes = diffs;
    }
    let checked = match compiled {
        Some(model) => {
            let diags = crate::check::run(&model);
            Ok((model, diags))
        }
        None => crate::check_project(&staging.dir, &opts.display),
    };
    let (findings, check_errors) = match checked {
        Ok((model, diags)) => {
            // Names PostgreSQL tells apart by case: the project says them as they are, and
            // the format refuses them until one is renamed.
            for d in diags
                .iter()
                .filter(|d| d.code == "SC201" && d.severity == crate::diagnostic::Severity::Error)
            {
                project.unrepresentable.push(Unrepresentable {
                    kind: "names that differ only by case".into(),
                    name: d.message.replace('`', ""),
                    definition: String::new(),
                    note: "written as they are: `schemac check` refuses the project (SC201) until one is renamed".into(),
                });
            }
            (
                diags
                    .iter()
                    .map(|d| report::finding(d, &model.sources))
                    .collect(),
                diags
                    .iter()
                    .filter(|d| d.severity == crate::diagnostic::Severity::Error)
                    .count(),
            )
        }
        Err(fail) => {
            return Err(ImportError::Invalid(
                crate::diagnostic::render_text(&fail.diagnostics, &fail.sources)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
            ))
        }
    };
    Ok(Import {
        project,
        differences,
        verify_skipped: round_trip.is_none().then(|| "--no-verify".to_string()),
        changes,
        findings,
        check_errors,
        source,
        api_roles,
    })
}

/// The roles whose privileges on functions and sequences a round trip compares: every one
/// holding any on either side, and `public`.
fn grantees(cats: &[&Catalog]) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::from(["public".to_string()]);
    for c in cats {
        for privs in c.function_grants.values().chain(c.sequence_grants.values()) {
            out.extend(privs.iter().map(|(g, _)| g.clone()));
        }
    }
    out
}

/// Compiles the project in `dir`, applies it to a throwaway database on `server` and
/// returns what differs from `source`, database to database over the imported schemas.
pub fn verify(source: &Source, dir: &Path, server: &str) -> Result<Vec<Change>, ImportError> {
    let mut shadow = crate::pg::Shadow::create(server)?;
    verify_on(source, dir, &mut shadow.client)
}

/// [`verify`] on the empty database `client` is connected to (the caller empties it
/// afterwards).
pub fn verify_on(
    source: &Source,
    dir: &Path,
    client: &mut postgres::Client,
) -> Result<Vec<Change>, ImportError> {
    let model = crate::compile(dir, "import").map_err(|f| {
        ImportError::Invalid(
            crate::diagnostic::render_text(&f.diagnostics, &f.sources)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        )
    })?;
    let migration = crate::render_fresh(&model)?;
    if source.supabase {
        client
            .batch_execute(crate::render::STUBS)
            .map_err(|e| crate::pg::PgError::Query {
                what: "creating the Supabase stubs in the round-trip database".into(),
                message: crate::pg::reason(&e),
            })?;
    }
    crate::pg::apply_in_batches(client, &migration.objects, 200)?;
    let buckets = !source.cat.buckets.is_empty();
    let sc = scope(
        &source.schemas,
        &source
            .external_tables
            .iter()
            .filter(|(s, n)| project::PLATFORM_TABLES.contains(&(s.as_str(), n.as_str())))
            .cloned()
            .collect::<Vec<_>>(),
        buckets || source.supabase && source.external_tables.iter().any(|t| t.1 == "buckets"),
    );
    let mut back = crate::introspect::introspect_scope(client, &sc)
        .map_err(read_err("the round-trip database"))?;
    back.external
        .retain(|_, t| !t.policies.is_empty() || !t.triggers.is_empty());
    back.publications
        .retain(|_, p| p.tables.iter().any(|t| source.schemas.contains(&t.0)));
    let mut want = source.cat.clone();
    want.managed_grantees = grantees(&[&source.cat, &back]);
    // Functions the project cannot declare are already reported; so are the kinds below.
    let opts = crate::diff::Options {
        declared_grantees_only: false,
        whole_database: true,
    };
    let mut changes = crate::diff::diff(&want, &back, opts);
    changes.sort_by_key(crate::plan::label);
    Ok(changes)
}

/// Chooses how privileges are written: with `api_roles` (what the policies allow, plus the
/// grants that differ from that) when that says exactly what the database holds, or says
/// more of it than listing every grant does; else every table grant explicitly.
fn fit_privileges(source: &Source, dir: &Path, display: &str) -> Result<Fit, ImportError> {
    let cat = &source.cat;
    let imported = |k: &project::FnKey| source.functions.contains_key(k);
    let mut grants = project::explicit_grants(cat);
    grants.extend(project::function_grants(cat, &imported, &|g| g != "public"));
    let plain = Privileges {
        api_roles: None,
        grants,
        ..Privileges::default()
    };
    // Without api_roles, functions stay executable by PUBLIC (the grants to other roles
    // are written); sequences get their grants.
    let plain_misses = source
        .functions
        .keys()
        .filter(|k| {
            cat.function_grants
                .get(*k)
                .is_some_and(|g| !g.contains(&("public".to_string(), "EXECUTE".to_string())))
        })
        .count();
    if !source.supabase || plain_misses == 0 {
        return Ok(Fit {
            privileges: plain,
            compiled: None,
        });
    }
    let api: Vec<String> = project::API_ROLES.iter().map(|r| r.to_string()).collect();
    let is_api = |r: &str| api.iter().any(|a| a == r);
    // First: the policies alone, with the grants of other roles and on views.
    let mut privs = Privileges {
        api_roles: Some(api.clone()),
        ..Privileges::default()
    };
    let mut other: BTreeMap<(Name, String), BTreeSet<String>> = BTreeMap::new();
    for (s, n, g, p) in &cat.grants {
        let rel = (s.clone(), n.clone());
        if !is_api(g) || !cat.tables.contains_key(&rel) {
            other.entry((rel, g.clone())).or_default().insert(p.clone());
        }
    }
    privs.grants = api_mode_grants(cat, other.clone(), &is_api, &imported);
    let (model, _) = compile_with(source, &privs, dir, display)?;
    // Table privileges that differ from the derived ones become explicit grants; a role
    // the policies would grant something the database does not give leaves the table's
    // API roles.
    let mut derived: BTreeMap<(Name, String), BTreeSet<String>> = BTreeMap::new();
    for g in model.grants.iter().filter(|g| g.derived.is_some()) {
        for (role, _) in &g.to {
            let e = derived
                .entry(((g.on.schema.clone(), g.on.name.clone()), role.clone()))
                .or_default();
            for p in &g.privileges {
                if *p == crate::model::Privilege::All {
                    for x in [
                        "SELECT",
                        "INSERT",
                        "UPDATE",
                        "DELETE",
                        "TRUNCATE",
                        "REFERENCES",
                        "TRIGGER",
                    ] {
                        e.insert(x.to_string());
                    }
                } else {
                    e.insert(p.as_str().to_string());
                }
            }
        }
    }
    let mut explicit = other;
    let mut held: BTreeMap<(&str, &str, &str), BTreeSet<String>> = BTreeMap::new();
    for (s, n, g, p) in &cat.grants {
        held.entry((s, n, g)).or_default().insert(p.clone());
    }
    for rel in cat.tables.keys() {
        let mut keep: Vec<String> = Vec::new();
        let mut dropped = false;
        for role in &api {
            let actual: BTreeSet<String> = held
                .get(&(rel.0.as_str(), rel.1.as_str(), role.as_str()))
                .cloned()
                .unwrap_or_default();
            let want = derived
                .get(&(rel.clone(), role.clone()))
                .cloned()
                .unwrap_or_default();
            if actual == want {
                keep.push(role.clone());
                continue;
            }
            if actual.is_empty() {
                dropped = true;
                continue;
            }
            keep.push(role.clone());
            explicit.insert((rel.clone(), role.clone()), actual);
        }
        if dropped {
            privs.table_api_roles.insert(rel.clone(), keep);
        }
    }
    // Sequence privileges of an API role that differ from the USAGE the policies derive
    // become explicit grants (an explicit entry replaces the derived one).
    let derived_usage: BTreeMap<Name, BTreeSet<String>> = model
        .api
        .iter()
        .flat_map(|a| &a.sequences)
        .map(|q| {
            (
                (q.name.schema.clone(), q.name.name.clone()),
                q.usage.iter().cloned().collect(),
            )
        })
        .collect();
    for (seq, held) in &cat.sequence_grants {
        for role in &api {
            let actual: BTreeSet<String> = held
                .iter()
                .filter(|(g, _)| g == role)
                .map(|(_, p)| p.clone())
                .collect();
            let derived = derived_usage.get(seq).is_some_and(|u| u.contains(role));
            let want: BTreeSet<String> = if derived {
                BTreeSet::from(["USAGE".to_string()])
            } else {
                BTreeSet::new()
            };
            if !actual.is_empty() && actual != want {
                explicit.insert((seq.clone(), role.clone()), actual);
            }
        }
    }
    privs.grants = api_mode_grants(cat, explicit, &is_api, &imported);
    // Functions: what the database lets each API role execute beyond what the project's
    // queries need is `api_roles` (or `api: true` for all of them).
    let derived_exec: BTreeMap<Name, BTreeSet<String>> = model
        .api
        .as_ref()
        .map(|a| {
            a.functions
                .iter()
                .filter_map(|g| {
                    model.functions.get(g.function).map(|f| {
                        (
                            (f.name.schema.clone(), f.name.name.clone()),
                            g.execute.keys().cloned().collect(),
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    for key in source.functions.keys() {
        let have: BTreeSet<String> = cat
            .function_grants
            .get(key)
            .map(|g| g.iter().map(|(r, _)| r.clone()).collect())
            .unwrap_or_default();
        let want = derived_exec
            .get(&(key.0.clone(), key.1.clone()))
            .cloned()
            .unwrap_or_default();
        let extra: Vec<String> = have
            .difference(&want)
            .filter(|r| is_api(r))
            .cloned()
            .collect();
        if extra.is_empty() {
            continue;
        }
        let api_have: Vec<String> = have.iter().filter(|r| is_api(r)).cloned().collect();
        let fa = if api_have.len() == api.len() {
            FnApi::All
        } else {
            FnApi::Roles(api_have)
        };
        privs.functions.insert(key.clone(), fa);
    }
    let (model, project) = compile_with(source, &privs, dir, display)?;
    let misses = api_misses(source, &model);
    Ok(if misses <= plain_misses {
        Fit {
            privileges: privs,
            compiled: Some((model, project)),
        }
    } else {
        Fit {
            privileges: plain,
            compiled: None,
        }
    })
}

/// How [`fit_privileges`] writes privileges, and, when it compiled that project last (it is
/// what the directory holds), its model and files.
struct Fit {
    privileges: Privileges,
    compiled: Option<(crate::model::Model, Project)>,
}

/// The `grants:` entries of a project with `api_roles`: `per` (table and view privileges),
/// the sequence privileges of the roles other than the API roles (theirs follow the
/// policies), and every column privilege.
fn api_mode_grants(
    cat: &Catalog,
    per: BTreeMap<(Name, String), BTreeSet<String>>,
    is_api: &dyn Fn(&str) -> bool,
    imported: &dyn Fn(&project::FnKey) -> bool,
) -> Vec<project::GrantEntry> {
    let mut out = project::group_grants(cat, per);
    let other = |g: &str| !is_api(g) && g != "public";
    out.extend(project::sequence_grants(cat, &other));
    out.extend(project::column_grants(cat));
    out.extend(project::function_grants(cat, imported, &other));
    out
}

/// Writes the project with `privs` into `dir` and compiles it.
fn compile_with(
    source: &Source,
    privs: &Privileges,
    dir: &Path,
    display: &str,
) -> Result<(crate::model::Model, Project), ImportError> {
    let choices = Choices {
        privileges: privs.clone(),
        ..Choices::default()
    };
    let p = project::Builder::new(source, &choices).build();
    write_files(dir, &p.files)?;
    let model = crate::compile(dir, display).map_err(|f| {
        ImportError::Invalid(
            crate::diagnostic::render_text(&f.diagnostics, &f.sources)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        )
    })?;
    Ok((model, p))
}

/// How many functions and sequences hold other privileges than a project with `api_roles`
/// gives them.
fn api_misses(source: &Source, model: &crate::model::Model) -> usize {
    let Some(api) = &model.api else {
        return usize::MAX;
    };
    let cat = &source.cat;
    let mut misses = 0;
    for g in &api.functions {
        let Some(f) = model.functions.get(g.function) else {
            continue;
        };
        let key = cat
            .function_grants
            .keys()
            .find(|(s, n, _)| *s == f.name.schema && *n == f.name.name);
        let have: BTreeSet<String> = key
            .and_then(|k| cat.function_grants.get(k))
            .map(|g| g.iter().map(|(r, _)| r.clone()).collect())
            .unwrap_or_default();
        // The roles the project's queries need, and those of explicit entries on it.
        let want: BTreeSet<String> = g
            .execute
            .keys()
            .cloned()
            .chain(
                model
                    .function_privileges
                    .iter()
                    .filter(|e| e.function == f.name)
                    .flat_map(|e| e.to.iter().map(|(r, _)| r.clone())),
            )
            .collect();
        misses += usize::from(have != want);
    }
    for s in &api.sequences {
        let have: BTreeSet<String> = cat
            .sequence_grants
            .get(&(s.name.schema.clone(), s.name.name.clone()))
            .map(|g| g.iter().map(|(r, _)| r.clone()).collect())
            .unwrap_or_default();
        // The roles the policies give USAGE, and those of explicit entries on it.
        let want: BTreeSet<String> = s
            .usage
            .iter()
            .cloned()
            .chain(
                model
                    .grants
                    .iter()
                    .filter(|g| g.derived.is_none() && g.on == s.name)
                    .flat_map(|g| g.to.iter().map(|(r, _)| r.clone())),
            )
            .collect();
        misses += usize::from(have != want);
    }
    misses
}
