//! The order a plan's changes run in, from the dependencies PostgreSQL records.
//!
//! diff lists changes in a fixed order by kind (schemas, types, functions, tables, views…),
//! which is right when nothing depends across kinds the other way. Real schemas do: a
//! function returns a table's rows, a column's default calls a function, a generated column
//! reads a column added in the same plan, a policy reads another table. PostgreSQL records
//! each of these in `pg_depend` ([`crate::catalog::Catalog::deps`]), on both sides:
//!
//! - what the **desired** side records orders creates and alters: what an object uses is
//!   made or changed first;
//! - what the **actual** side records orders drops: an object goes before what it uses, and
//!   a change to an object comes after the drop of anything that uses it.
//!
//! Declared renames go before everything else (the other changes are those of the renamed
//! database). Every object also depends on the table it belongs to, comments and grants come after the
//! change to their object, and changes to one object keep diff's order. Within those constraints the changes keep diff's order: the
//! sort is Kahn's algorithm that always takes the earliest ready change in diff's order, so a
//! plan with no cross-kind dependency is exactly diff's. A cycle (an object replaced on one
//! side of a dependency that turns around on the other) is broken at its earliest change.

use crate::catalog::{Catalog, ObjKey};
use crate::diff::{Change, ChangeKind, Hazard};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// What a change does to its object, for ordering.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verb {
    Create,
    Drop,
    Alter,
}

fn verb(c: &Change) -> Verb {
    // A dependent rebuilt for another change was dropped by that change's SQL: what is left
    // is to make it again.
    if c.hazards.contains(&Hazard::Rebuilt) {
        return Verb::Create;
    }
    // Removing an enum value converts the type in place: the type stays.
    if c.kind == ChangeKind::RemoveEnumValue {
        return Verb::Alter;
    }
    match c.kind.sign() {
        '+' => Verb::Create,
        '-' => Verb::Drop,
        _ => Verb::Alter,
    }
}

/// Object kinds a comment names (`o_comment` in diff), longest first.
const COMMENTED: [&str; 12] = [
    "materialized view",
    "constraint",
    "function",
    "trigger",
    "column",
    "domain",
    "policy",
    "index",
    "table",
    "view",
    "enum",
    "type",
];

/// Object kinds an owner change names (`owners` in diff), longest first.
const OWNED: [&str; 8] = [
    "materialized view",
    "composite type",
    "function",
    "sequence",
    "domain",
    "table",
    "view",
    "enum",
];

/// The object a change is about, and for comments, owners and grants the objects it must
/// follow.
fn keys(c: &Change) -> (ObjKey, Vec<ObjKey>) {
    let o = &c.object;
    let key = |kind: &str, table: Option<&str>, name: &str| ObjKey {
        kind: kind.to_string(),
        schema: o.schema.clone(),
        table: table.map(str::to_string),
        name: name.to_string(),
    };
    let own = o.key();
    let mut after = Vec::new();
    match o.kind {
        "comment" => {
            for k in COMMENTED {
                if let Some(rest) = o.name.strip_prefix(k).and_then(|r| r.strip_prefix(' ')) {
                    // A column's comment names it `table.column`.
                    match (k, rest.split_once('.')) {
                        ("column", Some((t, c))) => after.push(key(k, Some(t), c)),
                        _ => after.push(key(k, o.table.as_deref(), rest)),
                    }
                    break;
                }
            }
        }
        "owner" => {
            let declared = crate::kinds::DECLARED.iter().map(|(_, noun)| *noun);
            for k in OWNED.into_iter().chain(declared) {
                if let Some(rest) = o.name.strip_prefix(k).and_then(|r| r.strip_prefix(' ')) {
                    after.push(key(k, None, rest));
                    break;
                }
            }
        }
        "grant" | "column grant" => {
            if let Some(t) = &o.table {
                for k in ["table", "view", "materialized view"] {
                    after.push(key(k, None, t));
                }
            }
        }
        "sequence grant" => {
            if let Some(s) = &o.table {
                after.push(key("sequence", None, s));
            }
        }
        "function grant" => {
            if let Some(f) = &o.table {
                after.push(key("function", None, f));
            }
        }
        // A trigger on a view follows the view (table_key names a table).
        "trigger" => {
            if let Some(t) = &o.table {
                after.push(key("view", None, t));
            }
        }
        _ => {}
    }
    after.extend(own.table_key());
    (own, after)
}

/// A name as PostgreSQL scopes it: relation names (tables, views, indexes, and the indexes
/// of constraints) share one namespace per schema; other names are per kind and table.
type NameKey<'a> = (bool, &'a str, &'a str, Option<&'a str>, &'a str);

/// `changes` (in diff's order) ordered so that every statement runs after what it needs.
pub fn order(changes: Vec<Change>, desired: &Catalog, actual: &Catalog) -> Vec<Change> {
    if changes.len() < 2 || (desired.deps.is_empty() && actual.deps.is_empty()) {
        return changes;
    }
    let n = changes.len();
    let mut by_key: BTreeMap<ObjKey, Vec<usize>> = BTreeMap::new();
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (i, c) in changes.iter().enumerate() {
        by_key.entry(keys(c).0).or_default().push(i);
    }
    // A name is freed before it is taken again: a drop comes before a create of the same
    // name, also across the kinds that share the relation namespace (a table that becomes a
    // view, a constraint's index that moves to another table).
    let mut names: BTreeMap<NameKey, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        let o = &c.object;
        let relation = matches!(
            o.kind,
            "table" | "view" | "materialized view" | "index" | "constraint"
        ) || crate::kinds::is_relation(o.kind);
        let key = if relation {
            (true, "", o.schema.as_str(), None, o.name.as_str())
        } else if o.kind == "function" {
            // A function whose parameters are renamed has a new identity but the same
            // signature: the old one must go first. Overloads only lose some freedom.
            let base = o.name.split_once('(').map_or(o.name.as_str(), |(b, _)| b);
            (false, o.kind, o.schema.as_str(), None, base)
        } else {
            (
                false,
                o.kind,
                o.schema.as_str(),
                o.table.as_deref(),
                o.name.as_str(),
            )
        };
        names.entry(key).or_default().push(i);
    }
    // Changes that cannot run without an earlier one (i before j): j is withheld with i.
    let mut needs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for ids in names.values() {
        for &i in ids {
            for &j in ids {
                if verb(&changes[i]) == Verb::Drop && verb(&changes[j]) != Verb::Drop {
                    edges.insert((i, j));
                    needs.insert((i, j));
                }
            }
        }
    }
    // Changes to one object keep diff's order (a table is made before its RLS is enabled),
    // save a drop after a create, which the name rule above puts first.
    for ids in by_key.values() {
        for (x, &i) in ids.iter().enumerate() {
            for &j in &ids[x + 1..] {
                if !(verb(&changes[j]) == Verb::Drop && verb(&changes[i]) != Verb::Drop) {
                    edges.insert((i, j));
                }
            }
        }
    }
    // Declared renames run first: every other change was computed on the database as they
    // leave it (`crate::diff_project_with`), so anything may use a new name.
    // They keep their own order (a table's rename before those of its members).
    let renames: Vec<usize> = (0..n).filter(|&i| is_rename(changes[i].kind)).collect();
    for w in renames.windows(2) {
        edges.insert((w[0], w[1]));
    }
    for &i in &renames {
        for j in (0..n).filter(|&j| !is_rename(changes[j].kind)) {
            edges.insert((i, j));
        }
    }
    // A member of a table with no change of its own (the column of a table created or
    // dropped whole) stands for its table.
    let at = |k: &ObjKey| -> &[usize] {
        if let Some(v) = by_key.get(k) {
            return v;
        }
        k.table_key()
            .and_then(|t| by_key.get(&t))
            .map_or(&[], Vec::as_slice)
    };
    // A member, comment or grant is dropped before its object, made after it (a member
    // whose table has no change of its own follows nothing).
    for (i, c) in changes.iter().enumerate() {
        let (own, after) = keys(c);
        for k in after.iter().filter(|k| **k != own) {
            for &j in at(k) {
                if i == j {
                    continue;
                }
                if verb(c) == Verb::Drop && verb(&changes[j]) == Verb::Drop {
                    edges.insert((i, j));
                } else {
                    edges.insert((j, i));
                }
            }
        }
    }
    // Desired dependencies: what A uses is created or changed before A.
    for (a, b) in &desired.deps {
        for &ia in at(a) {
            for &ib in at(b) {
                if ia != ib && verb(&changes[ia]) != Verb::Drop && verb(&changes[ib]) != Verb::Drop
                {
                    edges.insert((ib, ia));
                }
            }
        }
    }
    // Actual dependencies: A goes, or is replaced, before what it uses changes or goes.
    for (a, b) in &actual.deps {
        for &ia in at(a) {
            for &ib in at(b) {
                // A rebuilt dependent's drop is part of the change that needed it.
                if changes[ia].hazards.contains(&Hazard::Rebuilt) {
                    continue;
                }
                let (va, vb) = (verb(&changes[ia]), verb(&changes[ib]));
                let replaced = replaces(changes[ia].kind) && vb == Verb::Alter;
                if ia != ib && (va == Verb::Drop || vb == Verb::Drop || replaced) {
                    edges.insert((ia, ib));
                    // What a dropped object used is dropped only once the object is.
                    if va == Verb::Drop && vb == Verb::Drop {
                        needs.insert((ia, ib));
                    }
                }
            }
        }
    }
    let mut changes = changes;
    withhold_with(&mut changes, &needs);
    topo(changes, &edges, n)
}

/// Marks destructive every change that needs a destructive one to run first (`needs`: i
/// before j), and what needs those in turn: a plan without `--allow-destructive` withholds
/// them together rather than run a drop that fails (a collation whose column stays).
fn withhold_with(changes: &mut [Change], needs: &BTreeSet<(usize, usize)>) {
    let mut more = true;
    while more {
        more = false;
        for &(i, j) in needs {
            if changes[i].destructive && !changes[j].destructive {
                changes[j].destructive = true;
                changes[j].hazards.push(Hazard::AfterDestructive);
                more = true;
            }
        }
    }
}

/// A declared rename ([`crate::diff::renames`]).
fn is_rename(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::RenameTable
            | ChangeKind::RenameColumn
            | ChangeKind::RenameConstraint
            | ChangeKind::RenameIndex
    )
}

/// Changes whose SQL drops the old object before making the new one, and so must come before
/// a change to what the old object used. (A replaced view is not one: the change to what it
/// reads drops it itself, and the new view must come after.)
fn replaces(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::ReplaceConstraint
            | ChangeKind::ReplaceIndex
            | ChangeKind::ReplaceTrigger
            | ChangeKind::ReplacePolicy
    )
}

/// Kahn's algorithm, taking the earliest ready change in diff's order; a cycle is broken at
/// its earliest change.
fn topo(changes: Vec<Change>, edges: &BTreeSet<(usize, usize)>, n: usize) -> Vec<Change> {
    let mut preds = vec![0usize; n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        preds[b] += 1;
        succs[a].push(b);
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| preds[i] == 0).map(Reverse).collect();
    let mut done = vec![false; n];
    let mut seq = Vec::with_capacity(n);
    // Every change before `first` is placed (a cycle is broken from there, not from 0).
    let mut first = 0;
    while seq.len() < n {
        let i = match ready.pop() {
            Some(Reverse(i)) if !done[i] => i,
            Some(_) => continue,
            // A cycle: take the earliest change not yet placed.
            None => {
                while first < n && done[first] {
                    first += 1;
                }
                if first == n {
                    break;
                }
                first
            }
        };
        done[i] = true;
        seq.push(i);
        for &j in &succs[i] {
            preds[j] = preds[j].saturating_sub(1);
            if preds[j] == 0 && !done[j] {
                ready.push(Reverse(j));
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    seq.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Object;

    fn change(kind: ChangeKind, obj: &'static str, table: Option<&str>, name: &str) -> Change {
        Change {
            kind,
            object: Object {
                kind: obj,
                schema: "public".into(),
                table: table.map(str::to_string),
                name: name.into(),
            },
            from: None,
            to: None,
            destructive: false,
            hazards: vec![],
            sql: vec![format!("{kind:?} {name}")],
            phase: crate::diff::Phase::Renames,
            order: 0,
        }
    }

    fn key(kind: &str, table: Option<&str>, name: &str) -> ObjKey {
        ObjKey {
            kind: kind.into(),
            schema: "public".into(),
            table: table.map(str::to_string),
            name: name.into(),
        }
    }

    fn names(cs: &[Change]) -> Vec<String> {
        cs.iter().map(|c| c.sql[0].clone()).collect()
    }

    #[test]
    fn without_dependencies_diffs_order_stands() {
        let cs = vec![
            change(ChangeKind::AddFunction, "function", None, "f()"),
            change(ChangeKind::AddTable, "table", None, "t"),
        ];
        let want = names(&cs);
        let mut d = Catalog::default();
        d.deps
            .insert((key("view", None, "v"), key("table", None, "t")));
        assert_eq!(names(&order(cs, &d, &Catalog::default())), want);
    }

    #[test]
    fn creates_follow_what_they_use_and_drops_precede_it() {
        let mut d = Catalog::default();
        d.deps
            .insert((key("function", None, "f()"), key("table", None, "t")));
        let cs = vec![
            change(ChangeKind::AddFunction, "function", None, "f()"),
            change(ChangeKind::AddTable, "table", None, "t"),
        ];
        assert_eq!(
            names(&order(cs, &d, &Catalog::default())),
            ["AddTable t", "AddFunction f()"]
        );
        // The actual side: a column default of t calls g(); t goes before g().
        let mut a = Catalog::default();
        a.deps.insert((
            key("column", Some("t"), "code"),
            key("function", None, "g()"),
        ));
        let cs = vec![
            change(ChangeKind::DropFunction, "function", None, "g()"),
            change(ChangeKind::DropTable, "table", None, "t"),
        ];
        assert_eq!(
            names(&order(cs, &Catalog::default(), &a)),
            ["DropTable t", "DropFunction g()"]
        );
    }

    #[test]
    fn a_name_is_freed_before_it_is_taken_again() {
        let mut a = Catalog::default();
        a.deps
            .insert((key("view", None, "x"), key("table", None, "y")));
        let cs = vec![
            change(ChangeKind::AddView, "view", None, "data"),
            change(ChangeKind::DropTable, "table", None, "data"),
        ];
        assert_eq!(
            names(&order(cs, &Catalog::default(), &a)),
            ["DropTable data", "AddView data"]
        );
    }

    #[test]
    fn declared_renames_go_first_in_their_own_order() {
        let mut d = Catalog::default();
        d.deps.insert((
            key("view", None, "v"),
            key("column", Some("tasks"), "owner_id"),
        ));
        let cs = vec![
            change(ChangeKind::AddColumn, "column", Some("tasks"), "created_at"),
            change(ChangeKind::RenameTable, "table", None, "tasks"),
            change(
                ChangeKind::RenameColumn,
                "column",
                Some("tasks"),
                "owner_id",
            ),
            change(
                ChangeKind::RenameIndex,
                "index",
                Some("notes"),
                "notes_task_id_idx",
            ),
            change(ChangeKind::ReplaceView, "view", None, "v"),
        ];
        assert_eq!(
            names(&order(cs, &d, &Catalog::default())),
            [
                "RenameTable tasks",
                "RenameColumn owner_id",
                "RenameIndex notes_task_id_idx",
                "AddColumn created_at",
                "ReplaceView v"
            ]
        );
    }

    #[test]
    fn a_cycle_loses_no_change() {
        let mut d = Catalog::default();
        d.deps
            .insert((key("function", None, "f()"), key("function", None, "g()")));
        d.deps
            .insert((key("function", None, "g()"), key("function", None, "f()")));
        let cs = vec![
            change(ChangeKind::AddFunction, "function", None, "f()"),
            change(ChangeKind::AddFunction, "function", None, "g()"),
            change(ChangeKind::AddTable, "table", None, "t"),
        ];
        // What is ready goes first; the cycle is then broken at its earliest change.
        assert_eq!(
            names(&order(cs, &d, &Catalog::default())),
            ["AddTable t", "AddFunction f()", "AddFunction g()"]
        );
    }
}
