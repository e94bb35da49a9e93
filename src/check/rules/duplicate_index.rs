//! SC104 duplicate-index: index names are relation names, unique across a whole schema
//! (shared with tables, views, and the indexes behind primary keys and unique constraints).
//! Two tables that both declare `idx_user_id` would make the second CREATE INDEX a no-op
//! under IF NOT EXISTS — a silently missing index.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::Model;
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    code: "SC104",
    name: "duplicate-index",
    severity: Severity::Error,
    summary: "an index name is used twice in one schema (index names are schema-wide)",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // (schema, name) -> (what, location)
    let mut seen: HashMap<(String, String), (String, Loc)> = HashMap::new();
    for t in m.tables.values() {
        seen.insert(
            (t.name.schema.clone(), t.name.name.clone()),
            (format!("table `{}`", t.name), t.loc),
        );
    }
    for v in m.views.values() {
        seen.entry((v.name.schema.clone(), v.name.name.clone()))
            .or_insert((format!("view `{}`", v.name), v.loc));
    }
    for t in m.tables.values() {
        let rels = t
            .primary_key
            .iter()
            .chain(&t.uniques)
            .map(|k| (k.name.as_str(), k.loc, "the index of constraint"))
            .chain(t.indexes.iter().map(|i| (i.name.as_str(), i.loc, "index")));
        for (name, loc, what) in rels {
            let key = (t.name.schema.clone(), name.to_string());
            match seen.get(&key) {
                Some((other, first)) => out.push(
                    rule.diag(format!(
                        "{what} `{name}` on `{}` has the same name as {other}",
                        t.name
                    ))
                    .label(loc, "this name")
                    .label(*first, "is already used here")
                    .hint(
                        "index names are unique per schema; name the index explicitly (`name: …`)",
                    ),
                ),
                None => {
                    seen.insert(key, (format!("{what} `{name}` on `{}`", t.name), loc));
                }
            }
        }
    }
}
