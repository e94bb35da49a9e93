//! The command line: the only module that knows clap, anyhow and stdout.
//!
//! Exit codes follow diff(1), so scripts and CI can rely on them: 0 clean, 1 findings
//! (check errors, or warnings with `--deny-warnings`), 2 the project could not be loaded or
//! the command failed.

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
functions, triggers, views, enums, grants and RLS policies), checks it for duplicates, naming \
collisions, unknown references and RLS mistakes, and compiles it into one re-runnable migration.\n\n\
Exit codes: 0 clean, 1 findings, 2 error (the project could not be loaded).",
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
    /// List every check with its code, name and severity
    Rules,
    /// Print the JSON Schema of the YAML format (for editor completion)
    SchemaJson {
        /// The schema of schemac.yaml instead of definition files
        #[arg(long)]
        config: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Human-readable, with file:line:col, snippets and hints
    Text,
    /// Stable JSON (see README: "JSON output")
    Json,
    /// GitHub Actions workflow annotations
    Github,
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
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
        Command::Rules => {
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
