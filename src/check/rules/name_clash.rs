//! SC111 name-clash: two objects of one schema whose names PostgreSQL keeps in one
//! namespace. Tables, views, materialized views, sequences and composite types are
//! relations (`pg_class`); tables, views, materialized views and composite types also
//! define a type of their name, as enums and domains do (`pg_type`). PostgreSQL refuses the
//! second CREATE — at deploy time. (A sequence and an enum or domain may share a name.)

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC111",
    name: "name-clash",
    severity: Severity::Error,
    summary: "a table, view, type, domain or sequence shares a name with another in one schema",
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
    for v in m.materialized_views.values() {
        seen.entry(&v.name)
            .or_default()
            .push(("materialized view", v.loc));
    }
    for t in m.composite_types.values() {
        seen.entry(&t.name)
            .or_default()
            .push(("composite type", t.loc));
    }
    for d in m.domains.values() {
        seen.entry(&d.name).or_default().push(("domain", d.loc));
    }
    for s in m.sequences.values() {
        seen.entry(&s.name).or_default().push(("sequence", s.loc));
    }
    for (name, objs) in seen {
        // A sequence has no type, enums and domains no relation: only those may pair.
        let relation = |k: &str| !matches!(k, "enum" | "domain");
        let typed = |k: &str| k != "sequence";
        let clash = objs.iter().enumerate().any(|(i, (a, _))| {
            objs[i + 1..]
                .iter()
                .any(|(b, _)| (relation(a) && relation(b)) || (typed(a) && typed(b)))
        });
        if !clash {
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
        out.push(d.hint(
            "tables, views, sequences and types share namespaces per schema; rename one of them",
        ));
    }
}
