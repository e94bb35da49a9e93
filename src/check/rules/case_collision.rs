//! SC201 case-collision: two names that fold to the same snake_case (`userId` / `user_id`,
//! `AuditLog` / `audit_log`). PostgreSQL treats them as different objects, so both exist,
//! and half the code writes to one while the other half reads the other.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::names::fold_snake;
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

fn collide<'a>(
    rule: &Rule,
    what: &str,
    scope: &str,
    names: impl Iterator<Item = (&'a str, Loc)>,
    out: &mut Vec<Diagnostic>,
) {
    let mut groups: BTreeMap<String, Vec<(&str, Loc)>> = BTreeMap::new();
    for (n, l) in names {
        groups.entry(fold_snake(n)).or_default().push((n, l));
    }
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
        let (first, first_loc) = distinct[0];
        for (n, l) in &distinct[1..] {
            out.push(
                rule.diag(format!("{what} `{n}` collides with `{first}`{scope}: both fold to `{folded}`"))
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
        collide(rule, "table", "", tables.into_iter(), out);
    }
    for t in m.tables.values() {
        let scope = format!(" in table `{}`", t.name);
        collide(
            rule,
            "column",
            &scope,
            t.columns.values().map(|c| (c.name.as_str(), c.loc)),
            out,
        );
        collide(
            rule,
            "policy",
            &format!(" on `{}`", t.name),
            t.policies.values().map(|p| (p.name.as_str(), p.loc)),
            out,
        );
    }
}
