//! The drift path without the whole project: a shadow database of only the objects that
//! differ, and of what they need.
//!
//! When the catalog prediction ([`crate::predict`]) finds differences, the changes must still
//! come from PostgreSQL's own canonical forms, which only a shadow database gives. Building
//! the whole project there costs one DDL statement per object (seconds for a thousand
//! tables) even when one column differs. But the prediction already proves every other
//! object equal: it may fail to recognise a match, never invent one, so an object it
//! matched is, in the desired state, exactly what the database holds. Only the objects it
//! did not match need PostgreSQL's word.
//!
//! [`select`] takes the prediction's differences and decides what the shadow holds:
//!
//! - **in full** (as gen makes them, and read back as the desired state): every table with a
//!   difference in it or on it (a column, constraint, index, trigger, policy, grant, comment,
//!   its RLS), every view and external table with a difference, and — following what
//!   `pg_depend` records in the database — everything that depends on a differing object
//!   (a policy on another table reading a retyped column, a view over a table, a foreign
//!   key to a replaced key), since a plan drops and makes those again from the desired
//!   state; save their foreign keys that the prediction matched, to a table whose keys and
//!   indexes it matched too: those are the database's own, taken from it with what
//!   `pg_depend` records of them (making them would add triggers to the referenced table,
//!   which PostgreSQL reads again at each new one: quadratic when every table references
//!   auth.users);
//! - **in part**, of those tables, each whose differences (and dependents) are all columns,
//!   constraints, indexes, triggers, policies or privileges ([`Parts`]): it is made with its
//!   columns and keys, and of its other objects only those (its privileges only when they
//!   differ); its columns and those objects are read back, the rest of it is the
//!   prediction's. At 1 000 tables that each differ in a column, a
//!   policy and a trigger, this made the shadow 3 objects a table instead of 11, and the
//!   whole `diff --sql` about 30% faster;
//! - **as a skeleton** (columns, primary and unique keys, nothing else): every other table
//!   the full objects name — a foreign key's target, a table a policy or view reads, a row
//!   type a function takes. Names are found by reading identifiers in the predicted text, so
//!   a table is taken if any identifier spells its name (more than needed, never less:
//!   a name missed would make the shadow fail, and the caller then builds the whole one);
//! - **always**: every schema, extension, role, enum, function, domain, composite type and
//!   sequence (a sequence without its owner when the owning table is not made), and what
//!   other modules add to the model (they are few, and resolving a call or a type against
//!   all of them keeps PostgreSQL's choice of overload and cast the same as in the whole
//!   project). Materialized views are never made: a difference in one is not placed.
//!
//! [`merge`] then writes the desired catalog: the prediction, with the full objects, the
//! functions and the enums as the shadow reports them. Differences of kinds this module does
//! not place (publications, buckets, schema and default privileges, kinds of
//! [`crate::kinds`], renames) return an error, and the caller builds the whole shadow as
//! before; so does a project or database with partitioned tables, whose partitions are
//! made with their parents, or with inheritance (`INHERITS`), whose children are.

use crate::catalog::{Catalog, Name, ObjKey};
use crate::model::Model;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What a partial shadow holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Tables made whole or in part ([`Selection::parts`]), and read back as the desired
    /// state (of one made in part, what was made).
    pub full: BTreeSet<Name>,
    /// Tables made with their columns and keys only, for the full objects to refer to.
    pub skeleton: BTreeSet<Name>,
    /// Views made, and read back as the desired state.
    pub views: BTreeSet<Name>,
    /// Views made only because a full object reads them.
    pub needed_views: BTreeSet<Name>,
    /// External tables whose triggers and policies are made and read back.
    pub external: BTreeSet<Name>,
    /// Foreign keys of the full tables not made in the shadow (table, constraint): the
    /// prediction matched them, and what they reference is the same on both sides.
    pub matched_foreign_keys: BTreeSet<(Name, String)>,
    /// The full tables made only in part: with their columns and keys (as a skeleton), and
    /// of their other objects only those named here, the ones that differ or depend on what
    /// differs. What is read back of them is their columns and these objects; the rest of
    /// each such table, which the prediction matched, is the prediction's.
    pub parts: BTreeMap<Name, Parts>,
}

/// The objects of a table made in part ([`Selection::parts`]), by name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Parts {
    /// Constraints of any kind (a key is made with the columns anyway).
    pub constraints: BTreeSet<String>,
    pub indexes: BTreeSet<String>,
    pub triggers: BTreeSet<String>,
    pub policies: BTreeSet<String>,
    /// Its privileges (on the table, its columns and its API sequences) are made and read
    /// back.
    pub grants: bool,
}

impl Parts {
    /// Records an object of the table, by the kind diff names it with (a privilege by any
    /// of its kinds); false when the kind is not one a table is made in part for (the
    /// table is made whole then).
    fn add(&mut self, kind: &str, name: &str) -> bool {
        let set = match kind {
            // Every column is made, with the table.
            "column" => return true,
            "constraint" => &mut self.constraints,
            "index" => &mut self.indexes,
            "trigger" => &mut self.triggers,
            "policy" => &mut self.policies,
            "grant" | "column grant" | "sequence grant" => {
                self.grants = true;
                return true;
            }
            _ => return false,
        };
        set.insert(name.to_string());
        true
    }
}

/// Why a partial shadow cannot stand in for the whole one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPartial(pub String);

fn name_of(q: &crate::model::QualName) -> Name {
    (q.schema.clone(), q.name.clone())
}

/// The table or view a comment is about (`table t`, `column t.c`, `view v`), if any.
fn commented(o: &super::Object) -> Option<(&'static str, Name)> {
    for (kind, is_view) in [("table ", false), ("column ", false), ("view ", true)] {
        if let Some(rest) = o.name.strip_prefix(kind) {
            let table = if kind == "column " {
                rest.split_once('.').map_or(rest, |(t, _)| t)
            } else {
                rest
            };
            let k = if is_view { "view" } else { "table" };
            return Some((k, (o.schema.clone(), table.to_string())));
        }
    }
    None
}

/// Whether a change may make the plan drop and make again what depends on its object (a
/// retyped column, a replaced key, view, function or enum…): then those dependents are
/// placed in full too. Changes that leave their object in place, or that nothing can depend
/// on, do not.
fn drags_dependents(c: &super::Change) -> bool {
    use super::ChangeKind::*;
    match c.kind {
        ReplaceFunction => c.sql.iter().any(|s| s.starts_with("DROP FUNCTION")),
        AddColumn
        | AlterColumnNullability
        | AlterColumnDefault
        | DropColumnIdentity
        | AlterColumnIdentity
        | AddIndex
        | AddTrigger
        | ReplaceTrigger
        | DropTrigger
        | EnableRls
        | DisableRls
        | ForceRls
        | NoForceRls
        | AddPolicy
        | ReplacePolicy
        | DropPolicy
        | Grant
        | Revoke
        | SetComment
        | SetOwner
        | SetPersistence
        | AddTable
        | AddView
        | AddEnum
        | AddEnumValue
        | AddSchema
        | AddExtension => false,
        _ => true,
    }
}

/// The identifiers of `text`, as PostgreSQL would fold them (unquoted ones in lower case),
/// added to `out`. Words inside string literals count too: more names than needed, never
/// fewer.
fn identifiers(text: &str, out: &mut HashSet<String>) {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            let mut ident = String::new();
            while let Some((_, d)) = chars.next() {
                if d == '"' {
                    if chars.peek().is_some_and(|&(_, e)| e == '"') {
                        chars.next();
                        ident.push('"');
                        continue;
                    }
                    break;
                }
                ident.push(d);
            }
            out.insert(ident);
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &text[i..end];
            out.insert(word.to_lowercase());
            out.insert(word.to_string());
        }
    }
}

/// Every text of a predicted table: column types and expressions, constraints, indexes,
/// triggers and policies.
fn table_texts(t: &crate::catalog::Table, parts: Option<&Parts>, out: &mut HashSet<String>) {
    for c in &t.columns {
        identifiers(&c.ty, out);
        for e in [&c.default, &c.generated].into_iter().flatten() {
            identifiers(e, out);
        }
    }
    // Of a table made in part, its keys (made with its columns) and the objects made.
    let made = |set: Option<&BTreeSet<String>>, name: &String| set.is_none_or(|s| s.contains(name));
    for (name, c) in &t.constraints {
        let with_columns = c.kind.is_key() || c.kind == crate::catalog::ConstraintKind::Exclusion;
        if with_columns || made(parts.map(|p| &p.constraints), name) {
            identifiers(&c.definition, out);
        }
    }
    for (name, d) in &t.indexes {
        if made(parts.map(|p| &p.indexes), name) {
            identifiers(d, out);
        }
    }
    for (name, d) in &t.triggers {
        if made(parts.map(|p| &p.triggers), name) {
            identifiers(d, out);
        }
    }
    for (name, p) in &t.policies {
        if made(parts.map(|p| &p.policies), name) {
            for e in [&p.using, &p.with_check].into_iter().flatten() {
                identifiers(e, out);
            }
        }
    }
}

/// Decides what a partial shadow holds, from the differences between the prediction and
/// the database (`changes`, from [`super::diff`] of `predicted` against `actual`, with
/// `actual`'s dependencies read).
pub fn select(
    model: &Model,
    predicted: &Catalog,
    actual: &Catalog,
    changes: &[super::Change],
) -> Result<Selection, NotPartial> {
    // A partition is made with its parent, and a partitioned table with its partitions
    // (its indexes and keys are theirs too): the whole shadow makes them.
    let partitioned =
        |t: &crate::catalog::Table| t.partition_by.is_some() || t.partition_of.is_some();
    if model
        .tables
        .values()
        .any(|t| t.partition_by.is_some() || t.partition_of.is_some())
        || actual.tables.values().any(partitioned)
    {
        return Err(NotPartial("partitioned tables".into()));
    }
    // So is an inheritance child, whose columns are partly its parents'.
    if model.tables.values().any(|t| !t.inherits.is_empty())
        || actual.tables.values().any(|t| !t.inherits.is_empty())
    {
        return Err(NotPartial("table inheritance".into()));
    }
    let mut sel = Selection::default();
    let tables: BTreeSet<Name> = model.tables.keys().map(name_of).collect();
    let views: BTreeSet<Name> = model.views.keys().map(name_of).collect();
    let external: BTreeSet<Name> = model.external.keys().map(name_of).collect();
    // A relation of the project (or an external table) named by `key`, placed in full.
    let place = |sel: &mut Selection, kind: &str, name: Name| {
        if kind == "view" {
            if views.contains(&name) {
                sel.views.insert(name);
            }
        } else if tables.contains(&name) {
            sel.full.insert(name);
        } else if external.contains(&name) {
            sel.external.insert(name);
        }
    };
    // The tables placed whole: what differs on them is not only columns, constraints,
    // indexes, triggers, policies and privileges (a comment, their RLS, the table itself).
    let mut whole: BTreeSet<Name> = BTreeSet::new();
    // An object `kind` `name` of relation `rel`: the relation is placed in full, and a
    // table only in part when the object is of a kind [`Parts`] holds.
    let place_object =
        |sel: &mut Selection, whole: &mut BTreeSet<Name>, rel: Name, kind: &str, name: &str| {
            if views.contains(&rel) {
                place(sel, "view", rel);
                return;
            }
            if !tables.contains(&rel) {
                place(sel, "table", rel);
                return;
            }
            if !sel.parts.entry(rel.clone()).or_default().add(kind, name) {
                whole.insert(rel.clone());
            }
            sel.full.insert(rel);
        };
    // The table owning each API sequence (the first one, as the model lists them).
    let mut owners: BTreeMap<(&str, &str), &crate::model::QualName> = BTreeMap::new();
    for s in model.api.iter().flat_map(|a| &a.sequences) {
        owners
            .entry((s.name.schema.as_str(), s.name.name.as_str()))
            .or_insert(&s.table);
    }
    let mut roots: Vec<ObjKey> = Vec::new();
    for c in changes {
        let o = &c.object;
        match o.kind {
            "column" | "constraint" | "index" | "trigger" | "policy" | "grant" | "column grant" => {
                if let Some(t) = &o.table {
                    // A grant's or trigger's relation may be a view.
                    let rel = (o.schema.clone(), t.clone());
                    place_object(&mut sel, &mut whole, rel, o.kind, &o.name);
                }
            }
            "table" | "view" => {
                let rel = (o.schema.clone(), o.name.clone());
                if o.kind == "table" {
                    whole.insert(rel.clone());
                }
                place(&mut sel, o.kind, rel)
            }
            "comment" => {
                if let Some((kind, name)) = commented(o) {
                    whole.insert(name.clone());
                    place(&mut sel, kind, name);
                } else if let Some(t) = &o.table {
                    // A comment on a trigger of a view.
                    let name = (o.schema.clone(), t.clone());
                    if views.contains(&name) {
                        place(&mut sel, "view", name);
                    }
                }
            }
            // A sequence grant names its sequence as its table (`obj(…, Some(sequence), …)`).
            "sequence grant" => match o
                .table
                .as_deref()
                .and_then(|seq| owners.get(&(o.schema.as_str(), seq)))
            {
                Some(t) => place_object(&mut sel, &mut whole, name_of(t), o.kind, &o.name),
                None => {
                    return Err(NotPartial(format!(
                        "the privileges of sequence {}.{} differ",
                        o.schema,
                        o.table.as_deref().unwrap_or_default()
                    )))
                }
            },
            // Made whole in every partial shadow.
            "function" | "function grant" | "enum" | "schema" | "extension" => {}
            other => {
                return Err(NotPartial(format!(
                    "{} differs; a partial shadow does not place {other} changes",
                    o
                )))
            }
        }
        if drags_dependents(c) {
            roots.push(o.key());
        }
    }
    // Everything that depends, as the database records it, on what differs: a plan drops
    // and makes it again from the desired state.
    let mut users: BTreeMap<&ObjKey, Vec<&ObjKey>> = BTreeMap::new();
    for (dep, on) in &actual.deps {
        users.entry(on).or_default().push(dep);
    }
    let mut seen: BTreeSet<&ObjKey> = BTreeSet::new();
    let mut stack: Vec<&ObjKey> = roots.iter().collect();
    while let Some(k) = stack.pop() {
        if !seen.insert(k) {
            continue;
        }
        for u in users.get(k).into_iter().flatten() {
            match (&u.table, u.kind.as_str()) {
                (Some(t), kind) => {
                    let rel = (u.schema.clone(), t.clone());
                    place_object(&mut sel, &mut whole, rel, kind, &u.name);
                }
                (None, "table" | "view") => {
                    let rel = (u.schema.clone(), u.name.clone());
                    if u.kind == "table" {
                        whole.insert(rel.clone());
                    }
                    place(&mut sel, &u.kind, rel)
                }
                _ => {}
            }
            stack.push(u);
        }
    }
    sel.parts.retain(|n, _| !whole.contains(n));
    // Foreign keys the prediction matched, to a table whose keys and indexes match too, are
    // the database's own: they are not made (each foreign key adds triggers to the table it
    // references, and PostgreSQL reads them all again at the next one: ten thousand tables
    // referencing auth.users took minutes), and the database's are taken.
    let same_keys = |n: &Name| match (predicted.tables.get(n), actual.tables.get(n)) {
        (Some(p), Some(l)) => {
            let keys = |t: &'_ crate::catalog::Table| -> Vec<(String, String)> {
                t.constraints
                    .iter()
                    .filter(|(_, c)| c.kind.is_key())
                    .map(|(k, c)| (k.clone(), c.definition.clone()))
                    .collect()
            };
            keys(p) == keys(l) && p.indexes == l.indexes
        }
        _ => false,
    };
    for (q, t) in &model.tables {
        let n = name_of(q);
        // A table made in part makes only the foreign keys that differ.
        if !sel.full.contains(&n) || sel.parts.contains_key(&n) {
            continue;
        }
        let (Some(p), Some(l)) = (predicted.tables.get(&n), actual.tables.get(&n)) else {
            continue;
        };
        for fk in &t.foreign_keys {
            let target = name_of(&fk.ref_table);
            let matched = p.constraints.get(&fk.name).is_some_and(|c| {
                c.kind == crate::catalog::ConstraintKind::ForeignKey
                    && l.constraints.get(&fk.name) == Some(c)
            });
            if matched && (!sel.full.contains(&target) || same_keys(&target)) {
                sel.matched_foreign_keys
                    .insert((n.clone(), fk.name.clone()));
            }
        }
    }
    // What the full objects name: other tables as skeletons, views whole.
    let by_name = |names: &BTreeSet<Name>| -> BTreeMap<String, Vec<Name>> {
        let mut m: BTreeMap<String, Vec<Name>> = BTreeMap::new();
        for n in names {
            m.entry(n.1.clone()).or_default().push(n.clone());
            m.entry(n.1.to_lowercase()).or_default().push(n.clone());
        }
        m
    };
    let tables_by_name = by_name(&tables);
    let views_by_name = by_name(&views);
    // Words not yet looked up (each is looked up once, whatever the rounds).
    let mut words: HashSet<String> = HashSet::new();
    for f in predicted.functions.values() {
        identifiers(&f.definition, &mut words);
    }
    for n in &sel.full {
        if let Some(t) = predicted.tables.get(n) {
            table_texts(t, sel.parts.get(n), &mut words);
        }
    }
    for n in &sel.external {
        if let Some(t) = predicted.external.get(n) {
            table_texts(t, None, &mut words);
        }
    }
    let mut pending_views: Vec<Name> = sel.views.iter().cloned().collect();
    let mut scanned: HashSet<String> = HashSet::new();
    loop {
        for v in pending_views.drain(..) {
            if let Some(pv) = predicted.views.get(&v) {
                identifiers(&pv.definition, &mut words);
            }
        }
        let fresh: Vec<String> = words.drain().filter(|w| !scanned.contains(w)).collect();
        if fresh.is_empty() {
            break;
        }
        for w in fresh {
            for n in tables_by_name.get(&w).into_iter().flatten() {
                if !sel.full.contains(n) && sel.skeleton.insert(n.clone()) {
                    // A skeleton's column types and defaults may name more.
                    if let Some(t) = predicted.tables.get(n) {
                        for c in &t.columns {
                            identifiers(&c.ty, &mut words);
                            for e in [&c.default, &c.generated].into_iter().flatten() {
                                identifiers(e, &mut words);
                            }
                        }
                    }
                }
            }
            for n in views_by_name.get(&w).into_iter().flatten() {
                if !sel.views.contains(n) && sel.needed_views.insert(n.clone()) {
                    pending_views.push(n.clone());
                }
            }
            scanned.insert(w);
        }
    }
    Ok(sel)
}

/// The project cut down to `sel`: the model gen renders into the partial shadow.
pub fn submodel(model: &Model, sel: &Selection) -> Model {
    let mut sub = model.clone();
    sub.tables.retain(|q, _| {
        let n = name_of(q);
        sel.full.contains(&n) || sel.skeleton.contains(&n)
    });
    for (q, t) in sub.tables.iter_mut() {
        // Publications are not made in the shadow.
        t.realtime = None;
        let n = name_of(q);
        let parts = sel.parts.get(&n);
        if sel.full.contains(&n) && parts.is_none() {
            t.foreign_keys.retain(|fk| {
                !sel.matched_foreign_keys
                    .contains(&(n.clone(), fk.name.clone()))
            });
            continue;
        }
        // A skeleton, or a table made in part: its columns and keys, and of a table made
        // in part the objects named.
        let empty = Parts::default();
        let p = parts.unwrap_or(&empty);
        t.comment = None;
        t.checks.retain(|c| p.constraints.contains(&c.name));
        t.foreign_keys.retain(|fk| p.constraints.contains(&fk.name));
        t.indexes.retain(|i| p.indexes.contains(&i.name));
        t.triggers.retain(|name, _| p.triggers.contains(name));
        t.policies.retain(|name, _| p.policies.contains(name));
        t.rls.enable = false;
        t.rls.force = false;
        if parts.is_none() {
            for c in t.columns.values_mut() {
                c.comment = None;
            }
        }
    }
    sub.views.retain(|q, _| {
        let n = name_of(q);
        sel.views.contains(&n) || sel.needed_views.contains(&n)
    });
    sub.external
        .retain(|q, _| sel.external.contains(&name_of(q)));
    // Privileges are made only where they are read back.
    let relations: BTreeSet<Name> = granted_tables(sel).chain(&sel.views).cloned().collect();
    sub.grants.retain(|g| relations.contains(&name_of(&g.on)));
    sub.publications.clear();
    sub.buckets.clear();
    // Materialized views read tables the shadow may not hold; a difference in one is not
    // placed (the whole shadow is built), so the prediction stands for all of them.
    sub.materialized_views.clear();
    // A sequence owned by a column the shadow does not make stands alone there: its options
    // are what the prediction compared, not its owner.
    for s in sub.sequences.values_mut() {
        if s.owned_by.as_ref().is_some_and(|(t, _, _)| {
            !sel.full.contains(&name_of(t)) && !sel.skeleton.contains(&name_of(t))
        }) {
            s.owned_by = None;
        }
    }
    if let Some(api) = &mut sub.api {
        let granted: BTreeSet<&Name> = granted_tables(sel).collect();
        api.tables.retain(|(q, _)| granted.contains(&name_of(q)));
        api.sequences
            .retain(|s| granted.contains(&name_of(&s.table)));
    }
    sub
}

/// The full tables whose privileges are made and read back: those made whole, and those
/// made in part whose privileges differ.
fn granted_tables(sel: &Selection) -> impl Iterator<Item = &Name> {
    sel.full
        .iter()
        .filter(|n| sel.parts.get(*n).is_none_or(|p| p.grants))
}

/// Moves the objects `names` of a table made in part from the shadow's `made` into the
/// desired `into`: each as the shadow made it, or gone when the shadow lacks it and the
/// prediction does too. An error when the shadow lacks one the prediction has: it was to
/// make it.
fn take_parts<V>(
    into: &mut BTreeMap<String, V>,
    made: &mut BTreeMap<String, V>,
    names: &BTreeSet<String>,
    what: &str,
    table: &Name,
) -> Result<(), NotPartial> {
    for name in names {
        match made.remove(name) {
            Some(v) => {
                into.insert(name.clone(), v);
            }
            None if into.contains_key(name) => {
                return Err(NotPartial(format!(
                    "the partial shadow lacks {what} {name} on {}.{}",
                    table.0, table.1
                )))
            }
            None => {}
        }
    }
    Ok(())
}

/// The desired catalog: `predicted` (reconciled with the database), with what `sel` made
/// whole, the functions and the enums as the partial `shadow` reports them, and the matched
/// foreign keys as the database (`actual`) has them, with what it records they depend on.
/// An error when the shadow lacks something it was to make.
pub fn merge(
    mut predicted: Catalog,
    mut shadow: Catalog,
    sel: &Selection,
    model: &Model,
    actual: &Catalog,
) -> Result<Catalog, NotPartial> {
    let missing = |what: &str, n: &Name| {
        NotPartial(format!("the partial shadow lacks {what} {}.{}", n.0, n.1))
    };
    for n in &sel.full {
        let mut t = shadow.tables.remove(n).ok_or_else(|| missing("table", n))?;
        if let Some(p) = sel.parts.get(n) {
            // Made in part: its columns and the objects made are the shadow's, the rest the
            // prediction's.
            let mut d = predicted
                .tables
                .remove(n)
                .ok_or_else(|| missing("a prediction of table", n))?;
            d.columns = t.columns;
            take_parts(
                &mut d.constraints,
                &mut t.constraints,
                &p.constraints,
                "constraint",
                n,
            )?;
            take_parts(&mut d.indexes, &mut t.indexes, &p.indexes, "index", n)?;
            take_parts(&mut d.triggers, &mut t.triggers, &p.triggers, "trigger", n)?;
            take_parts(&mut d.policies, &mut t.policies, &p.policies, "policy", n)?;
            predicted.tables.insert(n.clone(), d);
            continue;
        }
        let own = sel
            .matched_foreign_keys
            .range((n.clone(), String::new())..)
            .take_while(|(t, _)| t == n);
        for (_, fk) in own {
            if let Some(c) = actual.tables.get(n).and_then(|l| l.constraints.get(fk)) {
                t.constraints.insert(fk.clone(), c.clone());
            }
        }
        predicted.tables.insert(n.clone(), t);
    }
    for n in &sel.views {
        let v = shadow.views.remove(n).ok_or_else(|| missing("view", n))?;
        predicted.views.insert(n.clone(), v);
    }
    for n in &sel.external {
        if let Some(t) = shadow.external.remove(n) {
            predicted.external.insert(n.clone(), t);
        }
    }
    let relations: BTreeSet<&Name> = granted_tables(sel).chain(&sel.views).collect();
    let on = |g: &(String, String, String, String)| relations.contains(&(g.0.clone(), g.1.clone()));
    predicted.grants.retain(|g| !on(g));
    predicted
        .grants
        .extend(shadow.grants.iter().filter(|g| on(g)).cloned());
    let sequences: BTreeSet<Name> = model
        .api
        .iter()
        .flat_map(|a| &a.sequences)
        .filter(|s| relations.contains(&name_of(&s.table)))
        .map(|s| name_of(&s.name))
        .collect();
    predicted
        .sequence_grants
        .retain(|k, _| !sequences.contains(k));
    for (k, v) in shadow.sequence_grants {
        if sequences.contains(&k) {
            predicted.sequence_grants.insert(k, v);
        }
    }
    let on5 = |g: &(String, String, String, String, String)| {
        let k = (g.0.clone(), g.1.clone());
        relations.contains(&k) || sequences.contains(&k)
    };
    predicted.column_grants.retain(|g| !on5(g));
    predicted
        .column_grants
        .extend(shadow.column_grants.iter().filter(|g| on5(g)).cloned());
    predicted.grant_options.retain(|g| !on5(g));
    predicted
        .grant_options
        .extend(shadow.grant_options.iter().filter(|g| on5(g)).cloned());
    predicted.functions = shadow.functions;
    predicted.function_grants = shadow.function_grants;
    predicted.enums = shadow.enums;
    predicted.enum_comments = shadow.enum_comments;
    predicted.deps = shadow.deps;
    if !sel.matched_foreign_keys.is_empty() {
        let keys: BTreeSet<ObjKey> = sel
            .matched_foreign_keys
            .iter()
            .map(|((s, t), name)| ObjKey {
                kind: "constraint".into(),
                schema: s.clone(),
                table: Some(t.clone()),
                name: name.clone(),
            })
            .collect();
        let matched = |k: &ObjKey| keys.contains(k);
        predicted.deps.extend(
            actual
                .deps
                .iter()
                .filter(|(u, on)| matched(u) || matched(on))
                .cloned(),
        );
    }
    Ok(predicted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_fold_unquoted_words_and_keep_quoted_ones() {
        let mut w = HashSet::new();
        identifiers(
            r#"EXISTS (SELECT 1 FROM Members m WHERE m."Team Id" = team_id AND x = 'lit_eral')"#,
            &mut w,
        );
        for word in [
            "members", "Members", "Team Id", "team_id", "lit_eral", "exists",
        ] {
            assert!(w.contains(word), "{word} missing from {w:?}");
        }
        assert!(!w.contains("team id"));
        let mut w = HashSet::new();
        identifiers(r#""a""b""#, &mut w);
        assert!(w.contains("a\"b"), "{w:?}");
    }

    #[test]
    fn which_kinds_make_a_table_in_part() {
        let mut p = Parts::default();
        for (kind, name) in [
            ("column", "title"),
            ("constraint", "t_check"),
            ("index", "t_idx"),
            ("trigger", "t_touch"),
            ("policy", "t_owner"),
        ] {
            assert!(p.add(kind, name), "{kind}");
        }
        assert_eq!(p.constraints, BTreeSet::from(["t_check".to_string()]));
        assert_eq!(p.indexes, BTreeSet::from(["t_idx".to_string()]));
        assert_eq!(p.triggers, BTreeSet::from(["t_touch".to_string()]));
        assert_eq!(p.policies, BTreeSet::from(["t_owner".to_string()]));
        assert!(!p.grants);
        for kind in ["grant", "column grant", "sequence grant"] {
            let mut p = Parts::default();
            assert!(p.add(kind, "x") && p.grants, "{kind}");
        }
        for kind in ["comment", "table", "view", "function"] {
            assert!(!p.add(kind, "x"), "{kind}");
        }
    }

    #[test]
    fn the_objects_made_in_part_replace_the_prediction_and_a_missing_one_is_an_error() {
        let t: Name = ("public".into(), "t".into());
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let names = |n: &[&str]| -> BTreeSet<String> { n.iter().map(|s| s.to_string()).collect() };
        // made: taken from the shadow; gone: in neither, so gone; kept: not made, the
        // prediction's stays.
        let mut into = map(&[("made", "predicted"), ("kept", "predicted")]);
        let mut shadow = map(&[("made", "canonical")]);
        take_parts(
            &mut into,
            &mut shadow,
            &names(&["made", "gone"]),
            "index",
            &t,
        )
        .expect("every object the prediction has was made");
        assert_eq!(into, map(&[("kept", "predicted"), ("made", "canonical")]));
        // The prediction has it, the shadow lacks it: it was to be made.
        let mut into = map(&[("lost", "predicted")]);
        let err = take_parts(
            &mut into,
            &mut BTreeMap::new(),
            &names(&["lost"]),
            "policy",
            &t,
        )
        .expect_err("a missing object");
        assert_eq!(
            err,
            NotPartial("the partial shadow lacks policy lost on public.t".into())
        );
    }

    #[test]
    fn comments_name_their_relation() {
        let o = |name: &str| super::super::Object {
            kind: "comment",
            schema: "public".into(),
            table: None,
            name: name.into(),
        };
        assert_eq!(
            commented(&o("column notes.body")),
            Some(("table", ("public".into(), "notes".into())))
        );
        assert_eq!(
            commented(&o("view v")),
            Some(("view", ("public".into(), "v".into())))
        );
        assert_eq!(commented(&o("function f(integer)")), None);
    }
}
