//! The import report: Markdown for the pull request that adopts schemac, and a summary for
//! the terminal.
//!
//! The report is where an import is honest: what the project says exactly, what it could
//! not say (with each object's definition), what was folded into templates, whether the
//! round trip came back exact, and what `schemac check` finds in the result. It holds no
//! timings, database names or passwords, so the same database gives the same report.

use super::Import;
use crate::diagnostic::{Diagnostic, Severity, SourceMap};

/// One finding as a report line: `SC203 near-duplicate-table (warning): message — file:line`.
pub fn finding(d: &Diagnostic, sources: &SourceMap) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let at = d
        .labels
        .first()
        .map(|l| {
            format!(
                " — `{}:{}:{}`",
                sources.get(l.loc.file).display,
                l.loc.line,
                l.loc.col
            )
        })
        .unwrap_or_default();
    format!("{} {} ({sev}): {}{at}", d.code, d.name, d.message)
}

/// Counts of what was imported.
fn counts(i: &Import) -> String {
    let cat = &i.source.cat;
    let policies: usize = cat
        .tables
        .values()
        .chain(cat.external.values())
        .map(|t| t.policies.len())
        .sum();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    [
        plural(cat.tables.len(), "table", "tables"),
        plural(cat.views.len(), "view", "views"),
        plural(i.source.functions.len(), "function", "functions"),
        plural(cat.enums.len(), "enum", "enums"),
        plural(policies, "policy", "policies"),
    ]
    .join(", ")
}

/// The round trip's verdict, one line.
pub fn verdict(i: &Import) -> String {
    match (&i.differences, &i.verify_skipped) {
        (Some(d), _) if d.is_empty() => "round trip: exact".to_string(),
        (Some(d), _) => format!(
            "round trip: {} difference{}",
            d.len(),
            if d.len() == 1 { "" } else { "s" }
        ),
        (None, Some(why)) => format!("round trip: not run ({why})"),
        (None, None) => "round trip: not run".to_string(),
    }
}

/// The report's sections after the history (which only a migrations import has).
pub fn markdown(i: &Import, title: &str, history: Option<&str>) -> String {
    let mut out = format!("# Import report: {title}\n\n");
    out.push_str(&format!(
        "Schemas: {}. Target: {}. Imported {}.\n\n",
        i.source
            .schemas
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if i.source.supabase {
            "supabase"
        } else {
            "postgres"
        },
        counts(i)
    ));
    if i.api_roles {
        out.push_str(
            "Privileges: written as `api_roles` (the policies decide what the API roles get), with explicit grants where the database differs.\n\n",
        );
    }
    if let Some(h) = history {
        out.push_str(h);
    }
    out.push_str("## Round trip\n\n");
    out.push_str(&verdict(i));
    out.push('\n');
    if let Some(d) = &i.differences {
        if !d.is_empty() {
            out.push_str("\nWhat the imported project makes differs from the database in:\n\n");
            for l in d {
                out.push_str(&format!("- `{}`\n", l.trim()));
            }
        }
    }
    out.push('\n');
    let un = &i.project.unrepresentable;
    out.push_str(&format!("## Not representable ({})\n\n", un.len()));
    if un.is_empty() {
        out.push_str("Nothing: the project says everything the imported schemas hold.\n\n");
    }
    for u in un {
        out.push_str(&format!("- **{}** `{}`: {}\n", u.kind, u.name, u.note));
        if !u.definition.is_empty() {
            out.push_str("  ```sql\n");
            for line in u.definition.lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
            out.push_str("  ```\n");
        }
    }
    if !un.is_empty() {
        out.push('\n');
    }
    let t = &i.project.templated;
    out.push_str(&format!("## Folded into templates ({})\n\n", t.len()));
    if t.is_empty() {
        out.push_str("No policy is what a built-in template makes.\n\n");
    } else {
        for l in t {
            out.push_str(&format!("- {l}\n"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} default{} and condition{} written without what PostgreSQL adds when it prints them (casts on literals, `AS uid`, outer parentheses).\n\n",
        i.project.shortened,
        if i.project.shortened == 1 { "" } else { "s" },
        if i.project.shortened == 1 { "" } else { "s" },
    ));
    let twice = spelled_two_ways(i);
    out.push_str(&format!("## Names spelled two ways ({})\n\n", twice.len()));
    if twice.is_empty() {
        out.push_str("None.\n\n");
    } else {
        for l in &twice {
            out.push_str(&format!("- {l}\n"));
        }
        out.push('\n');
    }
    out.push_str(&format!("## schemac check ({})\n\n", i.findings.len()));
    if i.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        for f in &i.findings {
            out.push_str(&format!("- {f}\n"));
        }
    }
    out
}

/// Column and table names that fold to the same snake_case name but are spelled
/// differently (`userId` in one table, `user_id` in another): each with where it is used.
/// `schemac check` reports such pairs within one table (SC201); across tables they are
/// what a migration history written by several hands leaves.
fn spelled_two_ways(i: &Import) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_fold: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for ((s, n), t) in &i.source.cat.tables {
        by_fold
            .entry(crate::model::names::fold_snake(n))
            .or_default()
            .entry(format!("table `{n}`"))
            .or_default()
            .insert(s.clone());
        for c in &t.columns {
            by_fold
                .entry(crate::model::names::fold_snake(&c.name))
                .or_default()
                .entry(format!("column `{}`", c.name))
                .or_default()
                .insert(format!("{s}.{n}"));
        }
    }
    by_fold
        .into_values()
        .filter(|spellings| {
            spellings
                .keys()
                .map(|k| k.split('`').nth(1).unwrap_or(""))
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .map(|spellings| {
            spellings
                .into_iter()
                .map(|(name, places)| {
                    format!(
                        "{name} ({})",
                        places.into_iter().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join(" next to ")
        })
        .collect()
}

/// A few lines for stderr.
pub fn summary(i: &Import, out: &str) -> String {
    let mut s = format!(
        "import: wrote {} ({} file{}): {}\n",
        out,
        i.project.files.len(),
        if i.project.files.len() == 1 { "" } else { "s" },
        counts(i)
    );
    s.push_str(&format!("import: {}\n", verdict(i)));
    if !i.project.unrepresentable.is_empty() {
        s.push_str(&format!(
            "import: {} object{} not representable (see the report)\n",
            i.project.unrepresentable.len(),
            if i.project.unrepresentable.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    if !i.findings.is_empty() {
        s.push_str(&format!(
            "import: schemac check: {} finding{}\n",
            i.findings.len(),
            if i.findings.len() == 1 { "" } else { "s" }
        ));
    }
    s
}
