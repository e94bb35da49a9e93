//! SC111 name-clash: a table, view and enum (or other type) with the same name in one
//! schema. Tables and views share one namespace, and every table also defines a row type of
//! its own name, so PostgreSQL refuses the second CREATE — at deploy time.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC111",
    name: "name-clash",
    severity: Severity::Error,
    summary: "a table, view and enum share a name in one schema",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&QualName, Vec<(&str, Loc)>> = BTreeMap::new();
    for t in m.tables.values() {
        seen.entry(&t.name).or_default().push(("table", t.loc));
    }
    for v in m.views.values() {
        seen.entry(&v.name).or_default().push(("view", v.loc));
    }
    for e in m.enums.values() {
        seen.entry(&e.name).or_default().push(("enum", e.loc));
    }
    for (name, objs) in seen {
        if objs.len() < 2 {
            continue;
        }
        let kinds: Vec<String> = objs
            .iter()
            .map(|(k, _)| format!("{} {k}", if k.starts_with('e') { "an" } else { "a" }))
            .collect();
        let mut d = rule.diag(format!("`{name}` names {}", kinds.join(" and ")));
        for (k, l) in &objs {
            d = d.label(*l, format!("the {k}"));
        }
        out.push(
            d.hint("tables, views and types share one namespace per schema; rename one of them"),
        );
    }
}
