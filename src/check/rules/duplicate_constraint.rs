//! SC103 duplicate-constraint: two constraints of one table with the same name. PostgreSQL
//! keeps constraint names unique per table, and default names (`goals_user_id_key`) can
//! collide with explicit ones.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Kind, Model};
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    code: "SC103",
    name: "duplicate-constraint",
    severity: Severity::Error,
    summary: "two constraints of one table share a name",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for d in m.duplicates.iter().filter(|d| d.kind == Kind::Constraint) {
        out.push(
            rule.diag(format!("constraint `{}` is defined twice", d.name))
                .label(d.second, "defined again here")
                .label(d.first, "first defined here")
                .hint("give each constraint its own name"),
        );
    }
    // Names seen on the current table, first definition first. A table has a handful of
    // constraints, so a scan of one reused buffer beats hashing; many use a map.
    let mut seen: Vec<(&str, Loc)> = Vec::new();
    let mut many: HashMap<&str, Loc> = HashMap::new();
    for t in m.tables.values() {
        let names = t
            .primary_key
            .iter()
            .chain(&t.uniques)
            .map(|k| (k.name.as_str(), k.loc))
            .chain(t.checks.iter().map(|c| (c.name.as_str(), c.loc)))
            .chain(t.foreign_keys.iter().map(|f| (f.name.as_str(), f.loc)))
            .chain(t.exclusions.iter().map(|x| (x.name.as_str(), x.loc)));
        let small =
            t.uniques.len() + t.checks.len() + t.foreign_keys.len() + t.exclusions.len() < 32;
        seen.clear();
        if !small {
            many.clear();
        }
        for (name, loc) in names {
            let first = if small {
                let first = seen.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
                if first.is_none() {
                    seen.push((name, loc));
                }
                first
            } else {
                let first = many.get(name).copied();
                if first.is_none() {
                    many.insert(name, loc);
                }
                first
            };
            if let Some(first) = first {
                out.push(
                    rule.diag(format!(
                        "constraint `{name}` on `{}` is defined twice",
                        t.name
                    ))
                    .label(loc, "defined again here")
                    .label(first, "first defined here")
                    .hint("remove the repeated constraint, or name one of them explicitly"),
                );
            }
        }
    }
}
