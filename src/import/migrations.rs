//! `schemac import --migrations DIR`: a folder of hand-written migrations replayed, and
//! what its history did.
//!
//! A `supabase/migrations/` folder holds the schema's story, not the schema: a table made,
//! dropped and made again with other columns, a column renamed, a policy replaced three
//! times. Reading the SQL would mean re-implementing PostgreSQL, so the files are run, in
//! file-name order, on a throwaway database (created and always dropped by
//! [`crate::pg::Shadow`]), statement by statement, and the catalog is read after each file.
//! Comparing consecutive catalogs says which file last defined each object, which objects
//! were made more than once and how the versions differ, what was dropped, and which
//! policies were replaced; the statements themselves say what was renamed (a rename and a
//! drop-and-add look the same in a catalog). The final database is then imported like any
//! other ([`super::import_source`]).
//!
//! A failing statement stops the import (exit 2) with the file, the line and PostgreSQL's
//! message; a `CREATE EXTENSION` the server cannot install is reported and skipped.

use super::{Import, ImportError, Options, Staging};
use crate::catalog::{Catalog, Name, Table};
use crate::sql::lexer::{statements, tokenize, Kind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Supabase stopped granting the API roles anything on new tables in `public` for projects
/// created from this day: migrations written before it rely on the old defaults.
const GRANTS_CHANGED: &str = "20260530";

/// What the history says, for the report.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The report's history section.
    pub markdown: String,
    /// Lines for stderr.
    pub summary: String,
}

/// An object a migration history makes: its kind and name (`table public.users`).
type Obj = (&'static str, String);

#[derive(Debug, Default)]
struct Story {
    /// Every version of each object, in order; a `None` text where it was dropped.
    versions: BTreeMap<Obj, Vec<(String, Option<String>)>>,
    renames: Vec<String>,
    skipped_extensions: Vec<String>,
    /// `CREATE TABLE` statements that made a table, per table: the file, and the table as
    /// that file left it.
    created: BTreeMap<String, Vec<(String, Option<Table>)>>,
}

/// The table a `CREATE TABLE` statement makes (`schema.name`, names folded as PostgreSQL
/// folds them), and whether it says `IF NOT EXISTS`.
fn created_table(stmt: &str) -> Option<(Name, bool)> {
    let tokens = tokenize(stmt).ok()?;
    let words: Vec<(Kind, &str)> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
        .map(|t| (t.kind, &stmt[t.start..t.end]))
        .collect();
    let is = |i: usize, w: &str| words.get(i).is_some_and(|(_, x)| x.eq_ignore_ascii_case(w));
    if !is(0, "create") {
        return None;
    }
    let mut i = 1;
    while is(i, "unlogged")
        || is(i, "temporary")
        || is(i, "temp")
        || is(i, "global")
        || is(i, "local")
    {
        i += 1;
    }
    if !is(i, "table") {
        return None;
    }
    i += 1;
    let if_not_exists = is(i, "if") && is(i + 1, "not") && is(i + 2, "exists");
    if if_not_exists {
        i += 3;
    }
    let part = |(k, w): (Kind, &str)| match k {
        Kind::QuotedIdent => Some(w[1..w.len() - 1].replace("\"\"", "\"")),
        Kind::Word => Some(w.to_lowercase()),
        _ => None,
    };
    let first = part(*words.get(i)?)?;
    if words
        .get(i + 1)
        .is_some_and(|(k, _)| *k == Kind::Punct(b'.'))
    {
        Some(((first, part(*words.get(i + 2)?)?), if_not_exists))
    } else {
        Some((("public".into(), first), if_not_exists))
    }
}

/// The objects of a catalog that the history follows, with their definitions.
fn objects(cat: &Catalog) -> BTreeMap<Obj, String> {
    let mut out = BTreeMap::new();
    for ((s, n), t) in cat.tables.iter().chain(cat.external.iter()) {
        if !t.columns.is_empty() || cat.tables.contains_key(&(s.clone(), n.clone())) {
            out.insert(("table", format!("{s}.{n}")), table_text(t));
        }
        for (p, pol) in &t.policies {
            let mut text = format!("FOR {} TO {}", pol.command_sql(), pol.roles.join(", "));
            if let Some(u) = &pol.using {
                text.push_str(&format!(" USING ({u})"));
            }
            if let Some(w) = &pol.with_check {
                text.push_str(&format!(" WITH CHECK ({w})"));
            }
            out.insert(("policy", format!("{s}.{n}: {p}")), text);
        }
        for (tr, def) in &t.triggers {
            out.insert(("trigger", format!("{s}.{n}: {tr}")), def.clone());
        }
    }
    for ((s, n), v) in &cat.views {
        out.insert(
            ("view", format!("{s}.{n}")),
            v.definition.trim().to_string(),
        );
        for (tr, def) in &v.triggers {
            out.insert(("trigger", format!("{s}.{n}: {tr}")), def.clone());
        }
    }
    for ((s, n, a), f) in &cat.functions {
        out.insert(("function", format!("{s}.{n}({a})")), f.definition.clone());
    }
    for ((s, n), labels) in &cat.enums {
        out.insert(("enum", format!("{s}.{n}")), labels.join(", "));
    }
    out
}

fn table_text(t: &Table) -> String {
    t.columns
        .iter()
        .map(column_text)
        .collect::<Vec<_>>()
        .join(", ")
}

fn column_text(c: &crate::catalog::Column) -> String {
    let mut s = format!("{} {}", c.name, c.ty);
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    s
}

/// What differs between two versions of a table's columns: `+ col type`, `- col`, `~ col`.
fn column_changes(old: &Table, new: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for c in &old.columns {
        match new.column(&c.name) {
            None => out.push(format!("`- {}`", column_text(c))),
            Some(n) if column_text(n) != column_text(c) => {
                out.push(format!("`{}` → `{}`", column_text(c), column_text(n)))
            }
            _ => {}
        }
    }
    for c in &new.columns {
        if old.column(&c.name).is_none() {
            out.push(format!("`+ {}`", column_text(c)));
        }
    }
    out
}

/// `ALTER TABLE … RENAME [COLUMN] a TO b` and `ALTER … RENAME TO` in one statement, as a
/// sentence; None for any other statement.
fn rename_in(stmt: &str) -> Option<String> {
    let tokens = tokenize(stmt).ok()?;
    let words: Vec<&str> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
        .map(|t| &stmt[t.start..t.end])
        .collect();
    let up = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    if up(0).as_deref() != Some("ALTER") {
        return None;
    }
    let kind = up(1)?.to_lowercase();
    let rename = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("RENAME"))?;
    let to = words.iter().rposition(|w| w.eq_ignore_ascii_case("TO"))?;
    let mut start = 2;
    while matches!(up(start).as_deref(), Some("IF" | "EXISTS" | "ONLY")) {
        start += 1;
    }
    let target = words[start..rename].concat();
    let new = words.get(to + 1..)?.concat();
    let mut between: Vec<&str> = words[rename + 1..to].to_vec();
    if between
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("COLUMN"))
    {
        between.remove(0);
    }
    if between
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("CONSTRAINT"))
    {
        return Some(format!(
            "constraint `{}` of `{target}` renamed to `{new}`",
            between[1..].concat()
        ));
    }
    if between.is_empty() {
        Some(format!("{kind} `{target}` renamed to `{new}`"))
    } else {
        Some(format!(
            "column `{target}.{}` renamed to `{new}`",
            between.concat()
        ))
    }
}

/// Whether a statement is `CREATE EXTENSION`.
fn is_create_extension(stmt: &str) -> bool {
    let mut words = stmt.split_whitespace();
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("create"))
        && words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("extension"))
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Replays the folder on a throwaway database, imports the result into `staging`, and
/// returns the import with the history's report section.
pub fn import_migrations(
    dir: &Path,
    server: &str,
    schemas: &[String],
    staging: &Staging,
    opts: &Options,
) -> Result<(Import, History), ImportError> {
    let mut files: Vec<(String, String)> = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ImportError::Migration(format!("cannot read {}: {e}", dir.display())))?;
    for e in entries {
        let e =
            e.map_err(|e| ImportError::Migration(format!("cannot read {}: {e}", dir.display())))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") || !e.path().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).map_err(|err| {
            ImportError::Migration(format!("cannot read {}: {err}", e.path().display()))
        })?;
        files.push((name, text));
    }
    files.sort();
    if files.is_empty() {
        return Err(ImportError::Migration(format!(
            "{} holds no *.sql file",
            dir.display()
        )));
    }
    let shown = |f: &str| format!("{}/{f}", dir.display().to_string().trim_end_matches('/'));
    let supabase = files.iter().any(|(_, t)| {
        let l = t.to_ascii_lowercase();
        l.contains("auth.") || l.contains("storage.") || l.contains("authenticated")
    });
    let dated: Vec<&str> = files
        .iter()
        .filter(|(n, _)| n.len() >= 8 && n[..8].bytes().all(|b| b.is_ascii_digit()))
        .map(|(n, _)| &n[..8])
        .collect();
    let legacy = supabase && !dated.is_empty() && dated.iter().all(|d| *d < GRANTS_CHANGED);
    let mut shadow = crate::pg::Shadow::create(server)?;
    let client = &mut shadow.client;
    if supabase {
        client.batch_execute(crate::render::STUBS).map_err(|e| {
            ImportError::Migration(format!(
                "creating the Supabase stubs: {}",
                crate::pg::reason(&e)
            ))
        })?;
        if legacy {
            client
                .batch_execute(crate::render::STUBS_LEGACY_GRANTS)
                .map_err(|e| {
                    ImportError::Migration(format!(
                        "creating the Supabase stubs: {}",
                        crate::pg::reason(&e)
                    ))
                })?;
        }
    }
    let ext: Vec<Name> = if supabase {
        vec![("storage".into(), "objects".into())]
    } else {
        Vec::new()
    };
    let sc = super::scope(schemas, &ext, false);
    let read = |client: &mut postgres::Client| {
        let mut c =
            crate::introspect::introspect_scope(client, &sc).map_err(|e| ImportError::Read {
                what: "the replayed database".into(),
                message: crate::pg::reason(&e),
            })?;
        c.kinds = Default::default();
        Ok::<Catalog, ImportError>(c)
    };
    let mut story = Story::default();
    let mut before = objects(&read(client)?);
    for (name, text) in &files {
        let ranges = statements(text).map_err(|e| {
            ImportError::Migration(format!(
                "{}:{}: {}",
                shown(name),
                line_of(text, e.offset),
                e.message
            ))
        })?;
        let mut made: Vec<Name> = Vec::new();
        for r in ranges {
            let stmt = &text[r.clone()];
            if let Some((table, if_not_exists)) = created_table(stmt) {
                let q = format!(
                    "{}.{}",
                    crate::sql::quote::quote_ident(&table.0),
                    crate::sql::quote::quote_ident(&table.1)
                );
                let existed = if_not_exists
                    && client
                        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&q])
                        .map(|r| r.get::<_, bool>(0))
                        .unwrap_or(false);
                if !existed {
                    made.push(table);
                }
            }
            if let Err(e) = client.batch_execute(stmt) {
                let db = e.as_db_error();
                if is_create_extension(stmt)
                    && db.is_some_and(|d| matches!(d.code().code(), "0A000" | "58P01" | "42704"))
                {
                    let _ = client.batch_execute("ROLLBACK");
                    story.skipped_extensions.push(format!(
                        "`{}` ({}:{}): {}",
                        stmt.split_whitespace()
                            .last()
                            .unwrap_or("")
                            .trim_matches('"'),
                        name,
                        line_of(text, r.start + (stmt.len() - stmt.trim_start().len())),
                        crate::pg::reason(&e)
                    ));
                    continue;
                }
                let offset = match db.and_then(|d| d.position()) {
                    Some(postgres::error::ErrorPosition::Original(p)) => stmt
                        .char_indices()
                        .nth((*p as usize).saturating_sub(1))
                        .map_or(0, |(i, _)| i),
                    _ => stmt.len() - stmt.trim_start().len(),
                };
                return Err(ImportError::Migration(format!(
                    "{}:{}: {}",
                    shown(name),
                    line_of(text, r.start + offset),
                    crate::pg::reason(&e)
                )));
            }
            if let Some(r) = rename_in(stmt) {
                story.renames.push(format!("{r} in `{name}`"));
            }
        }
        let cat = read(client)?;
        for t in made {
            story
                .created
                .entry(format!("{}.{}", t.0, t.1))
                .or_default()
                .push((name.clone(), cat.tables.get(&t).cloned()));
        }
        let after = objects(&cat);
        for (obj, text) in &after {
            if before.get(obj) != Some(text) {
                story
                    .versions
                    .entry(obj.clone())
                    .or_default()
                    .push((name.clone(), Some(text.clone())));
            }
        }
        for obj in before.keys() {
            if !after.contains_key(obj) {
                story
                    .versions
                    .entry(obj.clone())
                    .or_default()
                    .push((name.clone(), None));
            }
        }
        before = after;
    }
    let source = super::read(client, schemas)?;
    drop(shadow);
    let import = super::import_source(source, staging, opts)?;
    let history = history(&files, &story, &before, supabase, legacy, dated.is_empty());
    Ok((import, history))
}

/// The history's report section and stderr summary.
fn history(
    files: &[(String, String)],
    story: &Story,
    end: &BTreeMap<Obj, String>,
    supabase: bool,
    legacy: bool,
    undated: bool,
) -> History {
    let mut md = format!("## Migration history ({} files)\n\n", files.len());
    md.push_str("Replayed statement by statement on a throwaway database, in file-name order");
    if supabase {
        md.push_str(", after `schemac stubs`");
        if legacy {
            md.push_str(&format!(
                " with `--legacy-grants` (every file is dated before {GRANTS_CHANGED}, when Supabase stopped granting the API roles privileges on new tables)"
            ));
        } else if undated {
            md.push_str(" (without `--legacy-grants`: the file names carry no dates)");
        } else {
            md.push_str(&format!(
                " (without `--legacy-grants`: a file is dated {GRANTS_CHANGED} or later)"
            ));
        }
    }
    md.push_str(".\n\n");
    if !story.skipped_extensions.is_empty() {
        md.push_str("Extensions the server cannot install, skipped:\n\n");
        for e in &story.skipped_extensions {
            md.push_str(&format!("- {e}\n"));
        }
        md.push('\n');
    }
    // Made more than once: created, then created again after a drop or with another
    // definition under CREATE OR REPLACE.
    let mut twice = Vec::new();
    let mut dropped = Vec::new();
    let mut replaced = Vec::new();
    for (obj @ (kind, name), versions) in &story.versions {
        let creations: Vec<&(String, Option<String>)> = versions
            .iter()
            .enumerate()
            .filter(|(i, (_, t))| t.is_some() && (*i == 0 || versions[i - 1].1.is_none()))
            .map(|(_, v)| v)
            .collect();
        let drops: Vec<&String> = versions
            .iter()
            .filter(|(_, t)| t.is_none())
            .map(|(f, _)| f)
            .collect();
        if *kind == "policy" && versions.iter().filter(|(_, t)| t.is_some()).count() > 1 {
            let list: Vec<String> = versions
                .iter()
                .filter_map(|(f, t)| t.as_ref().map(|t| format!("`{f}`: `{t}`")))
                .collect();
            replaced.push(format!("- `{name}`:\n  - {}\n", list.join("\n  - ")));
            if !end.contains_key(obj) {
                dropped.push(format!(
                    "- policy `{name}` (dropped in `{}`)\n",
                    drops.last().map_or("", |f| f.as_str())
                ));
            }
            continue;
        }
        if *kind == "table" {
            if let Some(made) = story.created.get(name).filter(|m| m.len() > 1) {
                let files: Vec<String> = made.iter().map(|(f, _)| format!("`{f}`")).collect();
                let mut line = format!(
                    "- table `{name}`: created in {}",
                    files.join(", then again in ")
                );
                let tables: Vec<&Table> = made.iter().filter_map(|(_, t)| t.as_ref()).collect();
                for w in tables.windows(2) {
                    let ch = column_changes(w[0], w[1]);
                    if !ch.is_empty() {
                        line.push_str(&format!("; columns: {}", ch.join(", ")));
                    }
                }
                twice.push(format!("{line}\n"));
            }
        } else if creations.len() > 1 {
            let files: Vec<String> = creations.iter().map(|(f, _)| format!("`{f}`")).collect();
            twice.push(format!(
                "- {kind} `{name}`: created in {}\n",
                files.join(", then again in ")
            ));
        } else if *kind != "table" && versions.iter().filter(|(_, t)| t.is_some()).count() > 1 {
            let files: Vec<String> = versions
                .iter()
                .filter(|(_, t)| t.is_some())
                .map(|(f, _)| format!("`{f}`"))
                .collect();
            twice.push(format!(
                "- {kind} `{name}`: defined in {}\n",
                files.join(", then ")
            ));
        }
        if !end.contains_key(obj) {
            let made = creations
                .first()
                .map_or(String::new(), |(f, _)| format!(" (created in `{f}`)"));
            dropped.push(format!(
                "- {kind} `{name}` dropped in `{}`{made}\n",
                drops.last().map_or("", |f| f.as_str())
            ));
        }
    }
    let section = |md: &mut String, title: &str, items: &[String], none: &str| {
        md.push_str(&format!("### {title} ({})\n\n", items.len()));
        if items.is_empty() {
            md.push_str(none);
            md.push_str("\n\n");
        } else {
            for i in items {
                md.push_str(i);
            }
            md.push('\n');
        }
    };
    section(&mut md, "Created more than once", &twice, "None.");
    let renames: Vec<String> = story.renames.iter().map(|r| format!("- {r}\n")).collect();
    section(&mut md, "Renamed", &renames, "None.");
    section(&mut md, "Dropped", &dropped, "None.");
    section(&mut md, "Policies replaced", &replaced, "None.");
    // Which file last defined each object that is left.
    let mut last: BTreeMap<&Obj, &str> = BTreeMap::new();
    for (obj, versions) in &story.versions {
        if end.contains_key(obj) {
            if let Some((f, _)) = versions.iter().rev().find(|(_, t)| t.is_some()) {
                last.insert(obj, f);
            }
        }
    }
    // Tables also count a change to their columns as a definition.
    md.push_str(&format!("### Last defined in ({})\n\n", last.len()));
    md.push_str("| object | file |\n|---|---|\n");
    for ((kind, name), f) in &last {
        md.push_str(&format!(
            "| {kind} `{}` | `{f}` |\n",
            name.replace('|', "\\|")
        ));
    }
    md.push('\n');
    let kept: BTreeSet<&str> = last.values().copied().collect();
    let summary = format!(
        "import: history of {} files: {} made more than once, {} renamed, {} dropped, {} policies replaced; {} files define what is left\n",
        files.len(),
        twice.len(),
        story.renames.len(),
        dropped.len(),
        replaced.len(),
        kept.len()
    );
    History {
        markdown: md,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_are_read_from_statements() {
        assert_eq!(
            rename_in("ALTER TABLE public.users RENAME COLUMN \"userId\" TO user_id").as_deref(),
            Some("column `public.users.\"userId\"` renamed to `user_id`")
        );
        assert_eq!(
            rename_in("alter table if exists audit_log rename to audit_logs").as_deref(),
            Some("table `audit_log` renamed to `audit_logs`")
        );
        assert_eq!(rename_in("ALTER TABLE t ADD COLUMN x int"), None);
        assert!(is_create_extension(
            "create  extension if not exists vector"
        ));
    }
}
