//! The command line: the only module that knows clap, anyhow and stdout.
//!
//! Exit codes follow diff(1), so scripts and CI can rely on them: 0 clean, 1 findings
//! (check errors, or warnings with `--deny-warnings`), 2 the project could not be loaded or
//! the command failed.

mod signals;

use clap::{Parser, Subcommand, ValueEnum};
use schemac::diagnostic::{self, Diagnostic, Severity, SourceMap};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "schemac",
    version,
    about = "Compile declarative YAML into one PostgreSQL/Supabase migration, and check it",
    long_about = "schemac reads a project of YAML files (tables, columns, constraints, indexes, \
functions, triggers, views, enums, grants, RLS policies and Supabase objects), checks it for \
duplicates, naming collisions, unknown references and RLS mistakes, compiles it into one \
re-runnable migration, and compares it with a live database.\n\n\
Exit codes (like diff(1)): 0 clean; 1 findings (check errors, a stale file with gen --check, \
drift with diff; a leak or over-restriction with test-rls); 2 error (the project could not be loaded, a database could not be reached).",
    after_help = "Docs: README.md and docs/format.md in the schemac repository."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a project and report problems (exit 1 on errors)
    Check {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 1 on warnings too
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile a project into the master migration (refuses when check finds errors)
    ///
    /// The migration is re-runnable: it creates what is missing (declared roles too), and
    /// renames the tables and columns declared with `renamed_from` while the database still
    /// has their old names.
    Gen {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// Write here instead of the project's `output`
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the migration instead of writing it
        #[arg(long, conflicts_with = "check")]
        stdout: bool,
        /// Exit 1 with a diff when the file on disk differs from what gen would write
        #[arg(long)]
        check: bool,
        /// Directory whose *.sql.j2 files replace the embedded templates of the same name
        #[arg(long)]
        templates: Option<PathBuf>,
        /// First apply the migration twice to a throwaway database (on --dev-url) and write
        /// nothing if it fails: the first failure is shown with its YAML position (exit 1)
        #[arg(long, conflicts_with = "check")]
        prove: bool,
        /// The server for --prove's throwaway database
        #[arg(long, env = "DATABASE_URL", hide_env_values = true, requires = "prove")]
        dev_url: Option<String>,
    },
    /// Compare a project with a database (or two databases) and report drift (exit 1)
    ///
    /// Renames are never guessed: tables and columns declared with `renamed_from` are
    /// renamed first (with their default-named constraints and indexes) when the database
    /// has the old name and not the new one; the rest is compared on the renamed database,
    /// which diff reads inside a transaction it rolls back.
    Diff {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// The database to compare with the project
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        db: Option<String>,
        /// Where to create the temporary shadow database (default: the --db server)
        #[arg(long)]
        dev_url: Option<String>,
        /// Compare two databases instead: the one to change …
        #[arg(long, requires = "to", conflicts_with = "db")]
        from: Option<String>,
        /// … and the one it should become
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Schemas to compare with --from/--to (default: public)
        #[arg(long = "schema")]
        schemas: Vec<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print the SQL that reconciles the database instead of the report
        #[arg(long)]
        sql: bool,
        /// Include destructive changes (DROP TABLE/COLUMN/TYPE, narrowing types) in --sql
        #[arg(long)]
        allow_destructive: bool,
        /// Replay the --sql plan on a throwaway copy of the database (built from its catalog
        /// on the --dev-url server) and say whether it applies and converges (exit 2 if not)
        #[arg(long, requires = "sql")]
        prove: bool,
        /// Build the shadow database even when the database provably matches the project
        /// (by default a matching database is recognised from its catalog alone)
        #[arg(long, conflicts_with = "from")]
        always_shadow: bool,
        /// Say on stderr whether a shadow database was built, and why
        #[arg(long, short)]
        verbose: bool,
        /// Directory of template overrides, as for gen: the project is compiled with them
        /// into the shadow database (always built then)
        #[arg(long, conflicts_with = "from")]
        templates: Option<PathBuf>,
        /// Run the project's `sql:` blocks in the shadow database (which is then always
        /// built), so that what they make is compared too. The shadow lives on the --db
        /// server (or --dev-url): without this flag blocks never run there, and objects they
        /// may have made are left out of the comparison (see SECURITY.md)
        #[arg(long, conflicts_with = "from")]
        trust_raw_sql: bool,
        /// Drop the shadow databases that killed or crashed runs left on the --dev-url (else
        /// --db) server, and report them; shadows in use by a running diff are kept
        #[arg(long, conflicts_with_all = ["from", "to", "sql", "always_shadow", "allow_destructive"])]
        cleanup: bool,
    },
    /// Bring a database to the project: plan what differs, apply it under a deploy lock in
    /// one transaction, and check that nothing is left (exit 1 if something is)
    Apply {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// The database to change
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        db: Option<String>,
        /// Where to create the temporary shadow database (default: the --db server)
        #[arg(long)]
        dev_url: Option<String>,
        /// Also apply destructive changes (DROP TABLE/COLUMN/TYPE, narrowing types)
        #[arg(long)]
        allow_destructive: bool,
        /// Directory of template overrides, as for gen
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Run the project's `sql:` blocks in the shadow database too, as `diff
        /// --trust-raw-sql` does (apply re-runs them on the database either way)
        #[arg(long)]
        trust_raw_sql: bool,
        /// Plan and prove, print the plan's SQL, and apply nothing
        #[arg(long)]
        dry_run: bool,
        /// Apply this file (gen's master migration, as reviewed) instead of a plan, under the
        /// same deploy lock and timeouts; then report what still differs
        #[arg(long, value_name = "FILE", conflicts_with_all = ["dry_run", "allow_destructive", "templates"])]
        from_file: Option<PathBuf>,
    },
    /// Print the RLS access matrix: for each table, role and command, allowed or denied,
    /// and why (no privilege, RLS off, bypasses RLS, no policy, or the policies that allow it)
    Rls {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// Output format: text for terminals, markdown for pull requests and docs, json for
        /// tools (see README: "Output formats")
        #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
        format: MatrixFormat,
    },
    /// Prove the RLS access matrix on a throwaway database: write rows for two users (and
    /// two tenants), run every role × command as anon, user A, user B and service_role, and
    /// report each leak or over-restriction (exit 1 on any)
    TestRls {
        /// Project directory (holding schemac.yaml)
        #[arg(default_value = "schema")]
        dir: PathBuf,
        /// A database on the server where the throwaway database is created (nothing in
        /// it is read or changed)
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        db: Option<String>,
        /// Where to create the throwaway database; wins over --db
        #[arg(long)]
        dev_url: Option<String>,
    },
    /// Bring an existing database (or a folder of migrations) into a new project: write
    /// schemac.yaml and definition files, and a Markdown report (exit 1 when something
    /// could not be said exactly)
    ///
    /// The project is written into a temporary folder beside --out and renamed at the end,
    /// so a failed import writes nothing. With a server at hand, the project is proven by a
    /// round trip: gen, applied to a throwaway database, compared with the source database
    /// to database ("round trip: exact", or each difference).
    Import {
        /// The database to import (or, with --migrations, a server for the throwaway
        /// databases)
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        db: Option<String>,
        /// Import a folder of *.sql migrations instead: applied in file-name order to a
        /// throwaway database (after `schemac stubs` when they use Supabase's schemas)
        #[arg(long, value_name = "DIR")]
        migrations: Option<PathBuf>,
        /// Where throwaway databases are created (default: the --db server)
        #[arg(long)]
        dev_url: Option<String>,
        /// Schemas to import (default: public)
        #[arg(long = "schema")]
        schemas: Vec<String>,
        /// The project folder to write; must be empty or missing unless --force
        #[arg(long)]
        out: PathBuf,
        /// Replace what --out holds
        #[arg(long)]
        force: bool,
        /// Write the Markdown report here (default: stdout)
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Skip the round trip
        #[arg(long)]
        no_verify: bool,
    },
    /// Print SQL that creates Supabase's auth and storage schemas, auth.uid()/role()/jwt(), roles and the realtime publication on plain PostgreSQL. Like Supabase today, the API roles get no privilege on what is created in `public`
    Stubs {
        /// Also give anon, authenticated and service_role every privilege on new tables, sequences and functions in `public`, as Supabase projects had before 2026
        #[arg(long)]
        legacy_grants: bool,
    },
    /// List every check with its code, name and severity
    Rules,
    /// Print the JSON Schema of the YAML format (for editor completion)
    SchemaJson {
        /// The schema of schemac.yaml instead of definition files
        #[arg(long)]
        config: bool,
    },
}

/// Output formats of `schemac rls`.
#[derive(Clone, Copy, ValueEnum)]
enum MatrixFormat {
    /// A grid per table, for terminals
    Text,
    /// Markdown tables, for pull request descriptions and docs
    Markdown,
    /// Stable JSON (see README: "Output formats")
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Human-readable, with file:line:col, snippets and hints
    Text,
    /// Stable JSON (see README: "Output formats")
    Json,
    /// GitHub Actions workflow annotations
    Github,
}

/// Runs the CLI and returns the process exit code.
///
/// A reader that closes stdout early (`schemac gen --stdout | head`) ends the run quietly
/// with exit 0, as in ripgrep: it has read all it wanted, and "Broken pipe" with exit 2 would
/// fail scripts that did nothing wrong.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = run(cli);
    // A signal being handled decides the outcome (see signals.rs).
    signals::settle();
    let code = match result {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => return 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 2;
        }
    };
    // Output still buffered is written here, where a failure can be reported: at exit, std
    // would drop it silently.
    match std::io::stdout().flush() {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            2
        }
    }
}

/// Whether `e` is a write to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn render(diags: &[Diagnostic], sources: &SourceMap, format: Format) -> String {
    match format {
        Format::Text => {
            let mut s = diagnostic::render_text(diags, sources);
            let sum = diagnostic::summarize(diags);
            if sum.errors + sum.warnings > 0 {
                s.push_str(&format!(
                    "{} error{}, {} warning{}\n",
                    sum.errors,
                    if sum.errors == 1 { "" } else { "s" },
                    sum.warnings,
                    if sum.warnings == 1 { "" } else { "s" }
                ));
            }
            s
        }
        Format::Json => diagnostic::render_json(diags, sources),
        Format::Github => diagnostic::render_github(diags, sources),
    }
}

fn display_of(dir: &std::path::Path) -> String {
    dir.to_string_lossy().trim_end_matches('/').to_string()
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Check {
            dir,
            format,
            deny_warnings,
        } => {
            let shown = display_of(&dir);
            match schemac::check_project(&dir, &shown) {
                Err(fail) => {
                    // Load errors: always on stderr in text, on stdout for machine formats.
                    let text = render(&fail.diagnostics, &fail.sources, format);
                    match format {
                        Format::Text => eprint!("{text}"),
                        _ => write!(stdout, "{text}")?,
                    }
                    Ok(2)
                }
                Ok((model, diags)) => {
                    let text = render(&diags, &model.sources, format);
                    write!(stdout, "{text}")?;
                    let sum = diagnostic::summarize(&diags);
                    if matches!(format, Format::Text) && diags.is_empty() {
                        writeln!(
                            stdout,
                            "{}: {} tables, {} functions, {} policies — no problems found",
                            shown,
                            model.tables.len(),
                            model.functions.len(),
                            model
                                .tables
                                .values()
                                .map(|t| t.policies.len())
                                .sum::<usize>()
                        )?;
                    }
                    let failed = sum.errors > 0 || (deny_warnings && sum.warnings > 0);
                    Ok(i32::from(failed))
                }
            }
        }
        Command::Gen {
            dir,
            out,
            stdout: to_stdout,
            check,
            templates,
            prove,
            dev_url,
        } => {
            let prove = match (prove, dev_url) {
                (false, _) => None,
                (true, Some(url)) => Some(url),
                (true, None) => {
                    eprintln!("error: --prove needs --dev-url URL (or DATABASE_URL)");
                    return Ok(2);
                }
            };
            gen(&dir, out, to_stdout, check, templates.as_deref(), prove)
        }
        Command::Apply {
            dir,
            db,
            dev_url,
            allow_destructive,
            templates,
            trust_raw_sql,
            dry_run,
            from_file,
        } => {
            signals::install();
            let Some(db) = db else {
                eprintln!("error: pass --db URL (or set DATABASE_URL)");
                return Ok(2);
            };
            let shown = display_of(&dir);
            let Some(model) = usable_model(&dir, &shown, "apply") else {
                return Ok(2);
            };
            if let Some(file) = from_file {
                return apply_file_cmd(&model, &db, dev_url.as_deref(), &file, &shown);
            }
            let opts = schemac::apply::ApplyOptions {
                allow_destructive,
                dry_run,
                templates: templates.as_deref(),
                trust_raw_sql,
            };
            apply_cmd(&model, &db, dev_url.as_deref(), opts, &shown)
        }
        Command::Diff {
            dir,
            db,
            dev_url,
            from,
            to,
            schemas,
            format,
            sql,
            allow_destructive,
            prove,
            always_shadow,
            verbose,
            cleanup,
            templates,
            trust_raw_sql,
        } => {
            signals::install();
            // Every URL is checked before anything runs; messages never quote them.
            let urls = [
                (
                    "--db (or DATABASE_URL)",
                    db.as_deref().filter(|_| from.is_none()),
                ),
                ("--dev-url", dev_url.as_deref()),
                ("--from", from.as_deref()),
                ("--to", to.as_deref()),
            ];
            for (flag, url) in urls {
                if let Some(Err(e)) = url.map(schemac::pg::config) {
                    eprintln!("error: {flag}: {e}");
                    return Ok(2);
                }
            }
            if cleanup {
                let Some(url) = dev_url.as_deref().or(db.as_deref()) else {
                    eprintln!("error: --cleanup needs --db URL (or DATABASE_URL) or --dev-url URL");
                    return Ok(2);
                };
                let report = schemac::pg::shadow::cleanup(url)?;
                let out = match format {
                    Format::Text => report.text(),
                    Format::Json => report.json(),
                    Format::Github => report.github(),
                };
                write!(stdout, "{out}")?;
                return Ok(if report.has_failures() { 2 } else { 0 });
            }
            // The database a plan is for, and the catalogs it was made from (for --prove).
            let proving: Option<(String, schemac::Sides)>;
            // The project's sql blocks: reported as unmanaged, re-run by --sql.
            let mut unmanaged: Vec<String> = Vec::new();
            let mut raw_sql: Vec<(String, String)> = Vec::new();
            let (changes, actual, desired, timeouts) = match (from, to) {
                (Some(from), Some(to)) => {
                    let schemas = if schemas.is_empty() {
                        vec!["public".to_string()]
                    } else {
                        schemas
                    };
                    let shown = (schemac::pg::redact(&from), schemac::pg::redact(&to));
                    // Only a proof needs the catalogs (and so every text deparsed).
                    let c = if prove {
                        let (c, sides) = schemac::diff_databases_with(&from, &to, &schemas)?;
                        proving = Some((from, sides));
                        c
                    } else {
                        proving = None;
                        schemac::diff_databases(&from, &to, &schemas)?
                    };
                    (c, shown.0, shown.1, None)
                }
                _ => {
                    let Some(db) = db else {
                        eprintln!(
                            "error: pass --db URL (or set DATABASE_URL), or --from URL --to URL"
                        );
                        return Ok(2);
                    };
                    let shown = display_of(&dir);
                    let Some(model) = usable_model(&dir, &shown, "diff") else {
                        return Ok(2);
                    };
                    let how = schemac::DiffOptions {
                        always_shadow,
                        templates: templates.as_deref(),
                        trust_raw_sql,
                    };
                    let mut d = schemac::diff_project_with(&model, &db, dev_url.as_deref(), how)?;
                    proving = d.sides.take().map(|s| (db.clone(), s));
                    unmanaged = std::mem::take(&mut d.unmanaged);
                    if sql {
                        raw_sql = schemac::raw_sql_blocks(&model, templates.as_deref())?;
                    }
                    if verbose {
                        match &d.shadow_reason {
                            None => eprintln!(
                                "diff: the database's catalog matches the project's; no shadow database was needed"
                            ),
                            Some(why) => eprintln!("diff: built a shadow database ({why})"),
                        }
                    }
                    (
                        d.changes,
                        schemac::pg::redact(&db),
                        format!("project {shown}"),
                        Some((
                            model.config.lock_timeout.clone(),
                            model.config.statement_timeout.clone(),
                        )),
                    )
                }
            };
            let timeouts = timeouts.as_ref().map(|(l, s)| (l.as_str(), s.as_str()));
            let mut proven = true;
            let note = match proving.filter(|_| prove && !changes.is_empty()) {
                Some((db_url, sides)) => {
                    let p = schemac::plan::plan(&changes, allow_destructive);
                    let target = schemac::apply::Target {
                        db_url: &db_url,
                        server_url: dev_url.as_deref().unwrap_or(&db_url),
                        timeouts,
                    };
                    let proof = schemac::apply::prove(target, &sides, &p)?;
                    proven = proof.proven();
                    Some(proof.comment(&actual))
                }
                None => None,
            };
            let out = if sql {
                schemac::plan::sql_with(
                    &changes,
                    &schemac::plan::SqlOptions {
                        allow_destructive,
                        target: &desired,
                        timeouts,
                        note: note.as_deref(),
                        raw_sql: &raw_sql,
                    },
                )
            } else {
                match format {
                    Format::Text => {
                        let mut t = schemac::plan::text(&changes, &actual, &desired);
                        t.push_str(&schemac::plan::unmanaged_text(&unmanaged));
                        t
                    }
                    Format::Json => schemac::plan::json_with(&changes, &unmanaged),
                    Format::Github => {
                        let mut t = schemac::plan::github(&changes);
                        t.push_str(&schemac::plan::unmanaged_github(&unmanaged));
                        t
                    }
                }
            };
            write!(stdout, "{out}")?;
            if !proven {
                eprintln!("diff: the plan is NOT proven: see the head of the output");
                return Ok(2);
            }
            Ok(i32::from(!changes.is_empty()))
        }
        Command::Rls { dir, format } => {
            let shown = display_of(&dir);
            let Some(model) = usable_model(&dir, &shown, "rls") else {
                return Ok(2);
            };
            let matrix = schemac::rls::matrix(&model);
            let out = match format {
                MatrixFormat::Text => schemac::rls::text(&matrix, &model.sources),
                MatrixFormat::Markdown => schemac::rls::markdown(&matrix, &model.sources),
                MatrixFormat::Json => schemac::rls::json(&matrix, &model.sources),
            };
            write!(stdout, "{out}")?;
            Ok(0)
        }
        Command::TestRls { dir, db, dev_url } => {
            signals::install();
            for (flag, url) in [
                ("--db (or DATABASE_URL)", db.as_deref()),
                ("--dev-url", dev_url.as_deref()),
            ] {
                if let Some(Err(e)) = url.map(schemac::pg::config) {
                    eprintln!("error: {flag}: {e}");
                    return Ok(2);
                }
            }
            let Some(server) = dev_url.or(db) else {
                eprintln!("error: pass --dev-url URL or --db URL (or set DATABASE_URL): test-rls creates a throwaway database there");
                return Ok(2);
            };
            let shown = display_of(&dir);
            let Some(model) = usable_model(&dir, &shown, "test-rls") else {
                return Ok(2);
            };
            let report = schemac::rls_test::test_rls(&model, &server)?;
            write!(stdout, "{}", report.text(&model.sources, &shown))?;
            Ok(i32::from(!report.failures.is_empty()))
        }
        Command::Import {
            db,
            migrations,
            dev_url,
            schemas,
            out,
            force,
            report,
            no_verify,
        } => {
            signals::install();
            import_cmd(ImportArgs {
                db,
                migrations,
                dev_url,
                schemas,
                out,
                force,
                report,
                no_verify,
            })
        }
        Command::Stubs { legacy_grants } => {
            write!(stdout, "{}", schemac::render::STUBS)?;
            if legacy_grants {
                write!(stdout, "{}", schemac::render::STUBS_LEGACY_GRANTS)?;
            }
            Ok(0)
        }
        Command::Rules => {
            for (code, name, summary) in schemac::check::rules::LOAD_ERRORS {
                writeln!(
                    stdout,
                    "{code}  {name:<30} {:<8} {summary} (load error, exit 2)",
                    "error"
                )?;
            }
            for r in schemac::check::rules::ALL {
                let sev = match r.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                writeln!(
                    stdout,
                    "{}  {:<30} {:<8} {}",
                    r.code, r.name, sev, r.summary
                )?;
            }
            Ok(0)
        }
        Command::SchemaJson { config } => {
            let schema = if config {
                schemars::schema_for!(schemac::load::raw::RawConfig)
            } else {
                schemars::schema_for!(schemac::load::raw::RawFile)
            };
            writeln!(stdout, "{}", serde_json::to_string_pretty(&schema)?)?;
            Ok(0)
        }
    }
}

/// `schemac import`'s arguments.
struct ImportArgs {
    db: Option<String>,
    migrations: Option<PathBuf>,
    dev_url: Option<String>,
    schemas: Vec<String>,
    out: PathBuf,
    force: bool,
    report: Option<PathBuf>,
    no_verify: bool,
}

/// `schemac import`: the project into --out, the report to --report (or stdout), a summary
/// on stderr. Exit 0 when the project says exactly what the database holds, 1 when
/// something is not representable or the round trip differs, 2 on error (nothing written).
fn import_cmd(a: ImportArgs) -> anyhow::Result<i32> {
    use schemac::import;
    for (flag, url) in [
        ("--db (or DATABASE_URL)", a.db.as_deref()),
        ("--dev-url", a.dev_url.as_deref()),
    ] {
        if let Some(Err(e)) = url.map(schemac::pg::config) {
            eprintln!("error: {flag}: {e}");
            return Ok(2);
        }
    }
    let schemas = if a.schemas.is_empty() {
        vec!["public".to_string()]
    } else {
        a.schemas.clone()
    };
    if let Err(e) = import::check_out(&a.out, a.force) {
        eprintln!("error: --out {e}");
        return Ok(2);
    }
    let server = a.dev_url.clone().or(a.db.clone());
    let shown_out = display_of(&a.out);
    let opts = import::Options {
        verify_server: server.clone().filter(|_| !a.no_verify),
        display: shown_out.clone(),
    };
    let staging = import::staging(&a.out)?;
    let (result, title, history) = match &a.migrations {
        Some(dir) => {
            let Some(server) = server else {
                eprintln!("error: --migrations needs a server for its throwaway database: pass --dev-url URL or --db URL (or set DATABASE_URL)");
                return Ok(2);
            };
            let r = import::migrations::import_migrations(dir, &server, &schemas, &staging, &opts);
            let title = format!("migrations {}", display_of(dir));
            match r {
                Ok((i, h)) => (Ok(i), title, Some(h)),
                Err(e) => (Err(e), title, None),
            }
        }
        None => {
            let Some(db) = a.db.clone() else {
                eprintln!("error: pass --db URL (or set DATABASE_URL), or --migrations DIR");
                return Ok(2);
            };
            let title = schemac::pg::redact(&db);
            (
                import::import_database(&db, &schemas, &staging, &opts),
                title,
                None,
            )
        }
    };
    let i = match result {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("import: nothing written");
            return Ok(2);
        }
    };
    let md = import::report::markdown(&i, &title, history.as_ref().map(|h| h.markdown.as_str()));
    if let Some(path) = &a.report {
        write_atomically(path, md.as_bytes())?;
    }
    import::commit(staging, &a.out)?;
    if a.report.is_none() {
        write!(std::io::stdout().lock(), "{md}")?;
    }
    eprint!("{}", import::report::summary(&i, &shown_out));
    if let Some(h) = &history {
        eprint!("{}", h.summary);
    }
    Ok(i32::from(!i.exact()))
}

/// Why a project cannot be compiled (the diagnostics are already on stderr).
enum Unusable {
    Load,
    Errors,
}

/// Loads and checks a project for gen and diff, printing load errors or check errors.
/// `schemac apply`: progress on stderr when it is a terminal, the outcome on stdout.
fn apply_cmd(
    model: &schemac::model::Model,
    db: &str,
    dev_url: Option<&str>,
    opts: schemac::apply::ApplyOptions,
    shown: &str,
) -> anyhow::Result<i32> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |label: &str| {
        if tty {
            eprintln!("applying {label}");
        }
    };
    let shown_db = schemac::pg::redact(db);
    let r = match schemac::apply::apply(model, db, dev_url, opts, &mut progress) {
        Ok(r) => r,
        Err(schemac::apply::ApplyError::NotProven { proof }) => {
            eprint!(
                "apply: nothing was applied: the plan is not proven\n{}",
                proof.comment(&shown_db)
            );
            return Ok(2);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(p @ schemac::apply::Proof::NoCopy { .. }) = &r.proof {
        eprint!(
            "apply: warning: the plan could not be proven, and ran in its transaction alone\n{}",
            p.comment(&shown_db)
        );
    }
    let mut out = std::io::stdout().lock();
    if opts.dry_run {
        let note = r.proof.as_ref().map(|p| p.comment(&shown_db));
        let target = format!("project {shown}");
        let sql = schemac::plan::sql_with(
            &r.changes,
            &schemac::plan::SqlOptions {
                allow_destructive: opts.allow_destructive,
                target: &target,
                timeouts: Some((&model.config.lock_timeout, &model.config.statement_timeout)),
                note: note.as_deref(),
                raw_sql: &schemac::raw_sql_blocks(model, opts.templates)?,
            },
        );
        write!(out, "{sql}")?;
        return Ok(i32::from(!r.withheld.is_empty()));
    }
    if r.applied.is_empty() && r.raw_sql.is_empty() {
        writeln!(
            out,
            "Nothing to apply: {shown_db} already matches project {shown}."
        )?;
    } else if r.applied.is_empty() {
        writeln!(
            out,
            "Nothing to change: {shown_db} already matches project {shown}."
        )?;
    } else {
        writeln!(
            out,
            "Applied {} change{} to {shown_db}:",
            r.applied.len(),
            if r.applied.len() == 1 { "" } else { "s" }
        )?;
        for l in &r.applied {
            writeln!(out, "{l}")?;
        }
    }
    if !r.raw_sql.is_empty() {
        writeln!(
            out,
            "Re-ran {} sql block{} (unmanaged): {}",
            r.raw_sql.len(),
            if r.raw_sql.len() == 1 { "" } else { "s" },
            r.raw_sql.join(", ")
        )?;
    }
    if !r.withheld.is_empty() {
        writeln!(
            out,
            "\nWithheld (destructive; re-run with --allow-destructive to apply them):"
        )?;
        for l in &r.withheld {
            writeln!(out, "{l}")?;
        }
    }
    if r.left.is_empty() {
        if !r.applied.is_empty() {
            writeln!(out, "\nThe database now matches project {shown}.")?;
        }
        Ok(0)
    } else {
        writeln!(
            out,
            "\n{} change{} still differ{} (see `schemac diff`).",
            r.left.len(),
            if r.left.len() == 1 { "" } else { "s" },
            if r.left.len() == 1 { "s" } else { "" }
        )?;
        Ok(1)
    }
}

/// `schemac apply --from-file`: the file under the deploy lock, then what still differs.
fn apply_file_cmd(
    model: &schemac::model::Model,
    db: &str,
    dev_url: Option<&str>,
    file: &std::path::Path,
    shown: &str,
) -> anyhow::Result<i32> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let shown_file = file.display().to_string();
    let shown_db = schemac::pg::redact(db);
    let r = schemac::apply::apply_file(model, db, dev_url, &text, &shown_file)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Applied {shown_file} ({} statement{}) to {shown_db}.",
        r.statements,
        if r.statements == 1 { "" } else { "s" }
    )?;
    if r.left.is_empty() {
        writeln!(out, "The database now matches project {shown}.")?;
        return Ok(0);
    }
    writeln!(
        out,
        "\n{} change{} still differ{} from project {shown} (gen's file does not realign \
         everything; `schemac apply` or `schemac diff --sql` does):",
        r.left.len(),
        if r.left.len() == 1 { "" } else { "s" },
        if r.left.len() == 1 { "s" } else { "" }
    )?;
    for c in &r.left {
        writeln!(out, "{}", schemac::plan::label(c))?;
    }
    Ok(1)
}

/// The model of a project a database command (`verb`) works from; None (exit 2) when it
/// does not load or has errors, which are shown on stderr.
fn usable_model(dir: &std::path::Path, shown: &str, verb: &str) -> Option<schemac::model::Model> {
    match checked_model(dir, shown, false) {
        Ok(m) => Some(m),
        Err(Unusable::Load) => None,
        Err(Unusable::Errors) => {
            eprintln!("{verb}: the project has errors; fix them first");
            None
        }
    }
}

/// The project's model, or nothing when it has errors (shown on stderr). With
/// `show_warnings`, its warnings are shown on stderr too.
fn checked_model(
    dir: &std::path::Path,
    shown: &str,
    show_warnings: bool,
) -> Result<schemac::model::Model, Unusable> {
    let (model, diags) = match schemac::check_project(dir, shown) {
        Ok(x) => x,
        Err(fail) => {
            eprint!("{}", render(&fail.diagnostics, &fail.sources, Format::Text));
            return Err(Unusable::Load);
        }
    };
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        if show_warnings && !warnings.is_empty() {
            eprint!("{}", render(&warnings, &model.sources, Format::Text));
        }
        Ok(model)
    } else {
        eprint!("{}", render(&errors, &model.sources, Format::Text));
        Err(Unusable::Errors)
    }
}

fn gen(
    dir: &std::path::Path,
    out: Option<PathBuf>,
    to_stdout: bool,
    check: bool,
    templates: Option<&std::path::Path>,
    prove: Option<String>,
) -> anyhow::Result<i32> {
    let shown = display_of(dir);
    let model = match checked_model(dir, &shown, true) {
        Ok(m) => m,
        Err(Unusable::Load) => return Ok(2),
        Err(Unusable::Errors) => {
            eprintln!("gen: nothing written, the project has errors (run `schemac check {shown}` for details)");
            return Ok(1);
        }
    };
    let sql = schemac::generate(&model, templates)?;
    if let Some(url) = prove {
        signals::install();
        if let Err(e) = schemac::pg::config(&url) {
            eprintln!("error: --dev-url (or DATABASE_URL): {e}");
            return Ok(2);
        }
        let supabase = model.config.target == schemac::model::Target::Supabase;
        match schemac::apply::prove_migration(&url, &sql, supabase)? {
            None => eprintln!(
                "gen: proven: the migration applies to a new database and again over itself (on {})",
                schemac::pg::redact(&url)
            ),
            Some(f) => {
                let at = f
                    .declared_at
                    .map(|m| format!("\n  declared at: {shown}/{m}"))
                    .unwrap_or_default();
                let when = if f.run == 1 {
                    "on a new database"
                } else {
                    "over its own earlier output"
                };
                eprintln!(
                    "gen: NOT proven: the migration fails {when} at line {}: {}\n  statement: {}{at}\nnothing written",
                    f.line, f.message, f.statement
                );
                return Ok(1);
            }
        }
    }
    if to_stdout {
        std::io::stdout().lock().write_all(sql.as_bytes())?;
        return Ok(0);
    }
    let path = normalize(&out.unwrap_or_else(|| model.config.output.clone()));
    if check {
        let current = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("{}: missing; run `schemac gen {shown}`", path.display());
                return Ok(1);
            }
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        };
        if current == sql {
            return Ok(0);
        }
        let diff = similar::TextDiff::from_lines(&current, &sql);
        let udiff = diff
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{} (on disk)", path.display()),
                &format!("{} (generated)", path.display()),
            )
            .to_string();
        let mut o = std::io::stdout().lock();
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            for line in udiff.lines() {
                let colour = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => "\x1b[32m",
                    Some('-') if !line.starts_with("---") => "\x1b[31m",
                    Some('@') => "\x1b[36m",
                    _ => "",
                };
                if colour.is_empty() {
                    writeln!(o, "{line}")?;
                } else {
                    writeln!(o, "{colour}{line}\x1b[0m")?;
                }
            }
        } else {
            write!(o, "{udiff}")?;
        }
        eprintln!(
            "{} is out of date; run `schemac gen {shown}`",
            path.display()
        );
        return Ok(1);
    }
    write_atomically(&path, sql.as_bytes())?;
    eprintln!("wrote {} ({} bytes)", path.display(), sql.len());
    Ok(0)
}

/// Writes via a temporary file in the same directory and a rename, so readers never see a
/// partial file and a failure leaves the old file untouched.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.schemac-{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot replace {}", path.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes `.` and `dir/..` pairs lexically, so `schema/../supabase/x.sql` is shown (and
/// written) as `supabase/x.sql`.
fn normalize(p: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}
