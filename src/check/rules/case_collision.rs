//! SC201 case-collision: two names that fold to the same snake_case (`userId` / `user_id`,
//! `AuditLog` / `audit_log`). PostgreSQL treats them as different objects, so both exist,
//! and half the code writes to one while the other half reads the other.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::names::{fold_snake, folds_to_itself};
use crate::model::Model;
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC201",
    name: "case-collision",
    severity: Severity::Error,
    summary:
        "two tables, columns of one table, or policies of one table differ only in case/underscores",
    run,
};

/// Reports the names of `names` that fold to the same snake_case; `scope` says where they
/// are (built only when two collide). Names that are all their own fold collide only when
/// equal, which is no finding, so the common case allocates nothing.
fn collide(
    rule: &Rule,
    what: &str,
    scope: impl FnOnce() -> String,
    names: &[(&str, Loc)],
    out: &mut Vec<Diagnostic>,
) {
    if names.len() < 2 || names.iter().all(|(n, _)| folds_to_itself(n)) {
        return;
    }
    let mut groups: BTreeMap<String, Vec<(&str, Loc)>> = BTreeMap::new();
    for &(n, l) in names {
        groups.entry(fold_snake(n)).or_default().push((n, l));
    }
    let mut scope = Some(scope);
    let mut scope_text = String::new();
    for (folded, group) in groups {
        let mut distinct: Vec<(&str, Loc)> = Vec::new();
        for (n, l) in group {
            if !distinct.iter().any(|(d, _)| *d == n) {
                distinct.push((n, l));
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        if let Some(f) = scope.take() {
            scope_text = f();
        }
        let (first, first_loc) = distinct[0];
        for (n, l) in &distinct[1..] {
            out.push(
                rule.diag(format!("{what} `{n}` collides with `{first}`{scope_text}: both fold to `{folded}`"))
                    .label(*l, format!("`{n}`"))
                    .label(first_loc, format!("`{first}`"))
                    .note("PostgreSQL keeps both as different objects, so code using one spelling misses data written with the other")
                    .hint(format!("use one spelling everywhere; `{folded}` follows snake_case")),
            );
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let mut by_schema: BTreeMap<&str, Vec<(&str, Loc)>> = BTreeMap::new();
    for t in m.tables.values() {
        by_schema
            .entry(&t.name.schema)
            .or_default()
            .push((&t.name.name, t.loc));
    }
    for (_, tables) in by_schema {
        collide(rule, "table", String::new, &tables, out);
    }
    // One buffer for every table's names.
    let mut names: Vec<(&str, Loc)> = Vec::new();
    for t in m.tables.values() {
        names.clear();
        names.extend(t.columns.values().map(|c| (c.name.as_str(), c.loc)));
        collide(
            rule,
            "column",
            || format!(" in table `{}`", t.name),
            &names,
            out,
        );
        names.clear();
        names.extend(t.policies.values().map(|p| (p.name.as_str(), p.loc)));
        collide(rule, "policy", || format!(" on `{}`", t.name), &names, out);
    }
}
