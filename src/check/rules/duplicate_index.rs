//! SC104 duplicate-index: index names are relation names, unique across a whole schema
//! (shared with tables, views, and the indexes behind primary keys and unique constraints).
//! Two tables that both declare `idx_user_id` would make the second CREATE INDEX a no-op
//! under IF NOT EXISTS — a silently missing index.

use super::FastMap;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};
use std::collections::hash_map::Entry;
use std::fmt;

pub const RULE: Rule = Rule {
    code: "SC104",
    name: "duplicate-index",
    severity: Severity::Error,
    summary: "an index name is used twice in one schema (index names are schema-wide)",
    run,
};

/// What already holds a relation name, described only when another one clashes with it.
#[derive(Clone, Copy)]
enum Holder<'a> {
    Table(&'a QualName),
    View(&'a QualName),
    Index {
        what: &'static str,
        name: &'a str,
        table: &'a QualName,
    },
}

impl fmt::Display for Holder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Holder::Table(q) => write!(f, "table `{q}`"),
            Holder::View(q) => write!(f, "view `{q}`"),
            Holder::Index { what, name, table } => write!(f, "{what} `{name}` on `{table}`"),
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // (schema, name) -> index of the holder in `holders`: the map stays small (it is probed
    // for every relation name of the project), what holds a name is read only on a clash.
    let keys: usize = m
        .tables
        .values()
        .map(|t| 2 + t.uniques.len() + t.exclusions.len() + t.indexes.len())
        .sum();
    let mut seen: FastMap<(&str, &str), usize> =
        FastMap::with_capacity_and_hasher(keys + m.views.len(), Default::default());
    let mut holders: Vec<(Holder, Loc)> = Vec::with_capacity(keys + m.views.len());
    for t in m.tables.values() {
        seen.insert(
            (t.name.schema.as_str(), t.name.name.as_str()),
            holders.len(),
        );
        holders.push((Holder::Table(&t.name), t.loc));
    }
    for v in m.views.values() {
        if let Entry::Vacant(e) = seen.entry((v.name.schema.as_str(), v.name.name.as_str())) {
            e.insert(holders.len());
            holders.push((Holder::View(&v.name), v.loc));
        }
    }
    for t in m.tables.values() {
        let rels = t
            .primary_key
            .iter()
            .chain(&t.uniques)
            .map(|k| (k.name.as_str(), k.loc))
            .chain(t.exclusions.iter().map(|x| (x.name.as_str(), x.loc)))
            .map(|(n, l)| (n, l, "the index of constraint"))
            .chain(t.indexes.iter().map(|i| (i.name.as_str(), i.loc, "index")));
        for (name, loc, what) in rels {
            match seen.entry((t.name.schema.as_str(), name)) {
                Entry::Occupied(e) => {
                    let (other, first) = &holders[*e.get()];
                    out.push(
                        rule.diag(format!(
                            "{what} `{name}` on `{}` has the same name as {other}",
                            t.name
                        ))
                        .label(loc, "this name")
                        .label(*first, "is already used here")
                        .hint(
                            "index names are unique per schema; name the index explicitly (`name: …`)",
                        ),
                    );
                }
                Entry::Vacant(e) => {
                    e.insert(holders.len());
                    holders.push((
                        Holder::Index {
                            what,
                            name,
                            table: &t.name,
                        },
                        loc,
                    ));
                }
            }
        }
    }
}
