//! What diff does with a project's `sql:` blocks.
//!
//! A block is SQL schemac does not model: diff never guesses what it made, and never runs it
//! unless asked (`--trust-raw-sql`, which runs the blocks in the shadow database, so that
//! what they make is in the desired catalog and compared like the rest). Without that, the
//! objects a block may have made must not look like drift to drop: [`hide`] leaves out of
//! the database's catalog every object the project does not have (so that the plan would
//! drop it) whose name the text of a block mentions anywhere
//! ([`crate::sql::raw::words`]): its statements, strings, dollar quotes and comments. A
//! table, view, function, type or sequence so named is not compared at all; on a table both
//! sides have, a column, constraint, index, policy or trigger so named is not either.
//!
//! This errs on the side of keeping things: an undeclared object that merely shares a name
//! with a word of a block is not reported either. It misses an object whose name a block
//! builds at run time (`format('%s_%s', …)`, `EXECUTE`): such an object would be dropped
//! by `apply --allow-destructive` (a table, a column) or by apply (an index, a function…);
//! docs/format.md says to name every object a block makes in its text, or to make it in a
//! schema the project does not manage.

use crate::catalog::{Catalog, Name};
use std::collections::BTreeSet;

/// Every word of every block of the project ([`crate::sql::raw::words`]).
pub fn words(model: &crate::model::Model) -> BTreeSet<String> {
    model
        .raw_sql
        .values()
        .flat_map(|b| crate::sql::raw::words(&b.body))
        .collect()
}

/// Leaves out of `actual` what `desired` does not hold and a block may have made: objects
/// named like one of `words` (see the module docs).
pub fn hide(actual: &mut Catalog, desired: &Catalog, words: &BTreeSet<String>) {
    if words.is_empty() {
        return;
    }
    let named = |n: &str| words.contains(n);
    let absent_named = |have: bool, n: &str| !have && named(n);
    let mut gone: BTreeSet<Name> = BTreeSet::new();
    hide_relations(
        &mut actual.tables,
        |k| desired.tables.contains_key(k),
        words,
        &mut gone,
    );
    for (k, t) in actual.tables.iter_mut() {
        let Some(d) = desired.tables.get(k) else {
            continue;
        };
        t.columns
            .retain(|c| !absent_named(d.column(&c.name).is_some(), &c.name));
        hide_children(&mut t.constraints, &d.constraints, words);
        hide_children(&mut t.constraint_comments, &d.constraints, words);
        hide_children(&mut t.indexes, &d.indexes, words);
        hide_children(&mut t.index_comments, &d.indexes, words);
        hide_children(&mut t.policies, &d.policies, words);
        hide_children(&mut t.triggers, &d.triggers, words);
        hide_children(&mut t.trigger_comments, &d.triggers, words);
    }
    hide_relations(
        &mut actual.views,
        |k| desired.views.contains_key(k),
        words,
        &mut gone,
    );
    for (k, v) in actual.views.iter_mut() {
        let Some(d) = desired.views.get(k) else {
            continue;
        };
        hide_children(&mut v.triggers, &d.triggers, words);
        hide_children(&mut v.trigger_comments, &d.triggers, words);
    }
    hide_relations(
        &mut actual.materialized_views,
        |k| desired.materialized_views.contains_key(k),
        words,
        &mut gone,
    );
    for (k, m) in actual.materialized_views.iter_mut() {
        if let Some(d) = desired.materialized_views.get(k) {
            hide_children(&mut m.indexes, &d.indexes, words);
        }
    }
    actual
        .enums
        .retain(|k, _| !absent_named(desired.enums.contains_key(k), &k.1));
    actual
        .enum_comments
        .retain(|k, _| !absent_named(desired.enums.contains_key(k), &k.1));
    actual
        .domains
        .retain(|k, _| !absent_named(desired.domains.contains_key(k), &k.1));
    actual
        .functions
        .retain(|k, _| !absent_named(desired.functions.contains_key(k), &k.1));
    actual
        .function_grants
        .retain(|k, _| !absent_named(desired.functions.contains_key(k), &k.1));
    crate::kinds::hide_absent(&mut actual.kinds, &desired.kinds, &|_, k| named(&k.1));
    actual
        .sequence_grants
        .retain(|k, _| !absent_named(desired.kinds.sequences.contains_key(k), &k.1));
    actual
        .grants
        .retain(|(s, r, _, _)| !gone.contains(&(s.clone(), r.clone())));
    // Owners are compared only where the project declares one: nothing to leave out.
}

/// Leaves out of `children` (by name: a table's constraints, a view's triggers…) those
/// `declared` lacks and a block names.
fn hide_children<V, W>(
    children: &mut std::collections::BTreeMap<String, V>,
    declared: &std::collections::BTreeMap<String, W>,
    words: &BTreeSet<String>,
) {
    children.retain(|n, _| declared.contains_key(n) || !words.contains(n));
}

/// Leaves out of `relations` those `desired_has` lacks and a block names, and lists them in
/// `gone` (their grants go too).
fn hide_relations<V>(
    relations: &mut std::collections::BTreeMap<Name, V>,
    desired_has: impl Fn(&Name) -> bool,
    words: &BTreeSet<String>,
    gone: &mut BTreeSet<Name>,
) {
    relations.retain(|k, _| {
        let hide = !desired_has(k) && words.contains(&k.1);
        if hide {
            gone.insert(k.clone());
        }
        !hide
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Function, Table, View};

    #[test]
    fn only_undeclared_objects_a_block_names_are_left_out() {
        let p = |n: &str| ("public".to_string(), n.to_string());
        let f = |n: &str| ("public".to_string(), n.to_string(), String::new());
        let func = Function {
            definition: String::new(),
            comment: None,
        };
        let view = View {
            definition: String::new(),
            options: String::new(),
            comment: None,
            columns: Vec::new(),
            ..Default::default()
        };
        let mut desired = Catalog::default();
        desired.tables.insert(p("measurements"), Table::default());
        desired.functions.insert(f("declared"), func.clone());
        let mut actual = desired.clone();
        actual.functions.insert(f("sum_sq_step"), func.clone());
        actual.functions.insert(f("stale"), func.clone());
        actual.views.insert(p("stats"), view);
        actual.tables.insert(p("legacy"), Table::default());
        let mut t = Table::default();
        t.indexes.insert("by_value".into(), "CREATE INDEX …".into());
        actual.tables.insert(p("measurements"), t);
        let words = crate::sql::raw::words(
            "CREATE OR REPLACE FUNCTION sum_sq_step() …; CREATE VIEW Stats AS SELECT 1; \
             CREATE INDEX IF NOT EXISTS by_value ON measurements (value); SELECT declared()",
        );
        hide(&mut actual, &desired, &words);
        let functions: Vec<&str> = actual.functions.keys().map(|k| k.1.as_str()).collect();
        assert_eq!(functions, ["declared", "stale"]);
        assert!(actual.views.is_empty());
        assert!(actual.tables.contains_key(&p("legacy")));
        assert!(actual.tables[&p("measurements")].indexes.is_empty());
    }
}
