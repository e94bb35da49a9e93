//! SC112 rename-conflict: a `renamed_from:` that cannot be one rename. The old name is still
//! (or again) the current name of another table, view or column of the project, or two
//! objects claim the same old name. diff and gen rename only while the database has the old
//! name and lacks the new one; with such a declaration the database's old object would be
//! both kept and renamed, so the project is refused before anything runs.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC112",
    name: "rename-conflict",
    severity: Severity::Error,
    summary: "a renamed_from names a table or column the project still has, or one claimed twice",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // Old table name → the tables that claim it.
    let mut claims: BTreeMap<QualName, Vec<(&QualName, Loc)>> = BTreeMap::new();
    for t in m.tables.values() {
        let Some((old, loc)) = &t.renamed_from else {
            continue;
        };
        if *old == t.name.name {
            continue;
        }
        let was = QualName::new(&t.name.schema, old);
        claims.entry(was.clone()).or_default().push((&t.name, *loc));
        let current = m
            .tables
            .get(&was)
            .map(|o| (o.loc, "table"))
            .or_else(|| m.views.get(&was).map(|v| (v.loc, "view")));
        if let Some((other, kind)) = current {
            out.push(
                rule.diag(format!(
                    "table `{}` is renamed from `{was}`, which is still a {kind} of the project",
                    t.name
                ))
                .label(*loc, "the old name")
                .label(other, format!("the {kind} that has that name now"))
                .hint(format!(
                    "a rename needs the old name gone from the project: remove `renamed_from` if `{was}` is a different {kind}, or rename that {kind} too"
                )),
            );
        }
    }
    for (was, tables) in &claims {
        if let [(first, _), rest @ ..] = tables.as_slice() {
            for (t, loc) in rest {
                out.push(
                    rule.diag(format!(
                        "tables `{first}` and `{t}` are both renamed from `{was}`"
                    ))
                    .label(*loc, "the old name, claimed again")
                    .label(tables[0].1, "claimed first here")
                    .hint("one table of the database can become only one table: keep `renamed_from` on one of them"),
                );
            }
        }
    }
    for t in m.tables.values() {
        let mut cols: BTreeMap<&str, Vec<(&str, Loc)>> = BTreeMap::new();
        for c in t.columns.values() {
            let Some((old, loc)) = &c.renamed_from else {
                continue;
            };
            if *old == c.name {
                continue;
            }
            cols.entry(old.as_str()).or_default().push((&c.name, *loc));
            if let Some(other) = t.columns.get(old) {
                out.push(
                    rule.diag(format!(
                        "column `{}` of `{}` is renamed from `{old}`, which is still a column of the table",
                        c.name, t.name
                    ))
                    .label(*loc, "the old name")
                    .label(other.loc, "the column that has that name now")
                    .hint(format!(
                        "a rename needs the old name gone from the table: remove `renamed_from` if `{old}` is a different column, or rename that column too"
                    )),
                );
            }
        }
        for (old, claimed) in &cols {
            if let [(first, first_loc), rest @ ..] = claimed.as_slice() {
                for (c, loc) in rest {
                    out.push(
                        rule.diag(format!(
                            "columns `{first}` and `{c}` of `{}` are both renamed from `{old}`",
                            t.name
                        ))
                        .label(*loc, "the old name, claimed again")
                        .label(*first_loc, "claimed first here")
                        .hint("one column can become only one column: keep `renamed_from` on one of them"),
                    );
                }
            }
        }
    }
}
