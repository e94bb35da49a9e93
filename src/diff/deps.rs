//! Objects that must be dropped and recreated because something they depend on changes.
//!
//! PostgreSQL refuses to drop a primary key that foreign keys use, to drop a view other
//! views read, and to change the type of a column a view reads. Each change is computed
//! object by object, so this pass, run over the finished list, adds what those changes
//! drag along: the dependent foreign keys are dropped first and added back after the key,
//! the dependent views are dropped first and created again (with their grants and comment)
//! after what they read (also when a table is made again for a new partition key), and a
//! table that becomes a view is dropped before views are made.
//! Functions, policies and triggers (and views the view pass does not reach) that depend on
//! a replaced function, materialized view, enum, view, column or kind are found from what
//! `pg_depend` records on the actual side ([`Catalog::deps`]), dropped at the start of that
//! change and made again from the desired side by a change of their own
//! ([`Hazard::Rebuilt`]), which the plan orders after what it uses.

use super::{q, view_sql, Change, ChangeKind, Ctx, Hazard, Phase};
use crate::catalog::{Catalog, Name, ObjKey};
use crate::model::names::{quote_ident, quote_literal, quote_role};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub(super) fn rebuild_dependents(cx: &mut Ctx, opts: super::Options) {
    foreign_keys_of_replaced_keys(cx);
    views_of_changed_relations(cx);
    tables_replaced_by_views(cx);
    recorded_dependents(cx, opts);
}

/// The object a change drops and makes again (or converts in place, for an enum recreated
/// or a column whose type changes), whose dependents PostgreSQL would refuse to keep.
fn replaced_root(c: &Change) -> Option<ObjKey> {
    let drops = |stmt: &str| c.sql.iter().any(|s| s.starts_with(stmt));
    let replaced = match c.kind {
        ChangeKind::ReplaceFunction => drops("DROP FUNCTION "),
        ChangeKind::ReplaceView => drops("DROP VIEW "),
        ChangeKind::Kind(k) => k.verb == crate::kinds::Verb::Replace,
        ChangeKind::DropMaterializedView
        | ChangeKind::RemoveEnumValue
        | ChangeKind::AlterColumnType
        // Its dependents that stay (on a new function of the same name) are rebuilt.
        | ChangeKind::DropFunction => true,
        _ => false,
    };
    replaced.then(|| c.object.key())
}

/// Functions, policies and triggers (and views, where the view pass above does not see them)
/// that depend, as `pg_depend` on the actual side records it, on an object a change
/// replaces: PostgreSQL refuses the change while they exist. Each is dropped at the start of
/// that change and made again from the desired catalog afterwards (a separate change with
/// the [`Hazard::Rebuilt`] hazard, which the plan orders after what it depends on).
///
/// A trigger or policy on a table outside the compared schemas (auth.users, storage.objects
/// in a database ↔ database diff) has no definition on the desired side to make it again.
/// When the desired side has it too, it is left alone (PostgreSQL then refuses the change,
/// and the plan's transaction leaves the database as it was); when the desired side is a
/// whole database that no longer has it ([`super::Options::whole_database`]), it is dropped
/// first and the change carries [`Hazard::DropsOutsideScope`].
fn recorded_dependents(cx: &mut Ctx, opts: super::Options) {
    let (d, a) = (cx.desired, cx.actual);
    let in_scope = |u: &ObjKey| match &u.table {
        Some(t) => {
            let key = (u.schema.clone(), t.clone());
            a.tables.contains_key(&key)
                || a.external.contains_key(&key)
                || a.views.contains_key(&key)
        }
        None => true,
    };
    let desired_has: BTreeSet<&ObjKey> = d.deps.iter().map(|(dep, _)| dep).collect();
    if a.deps.is_empty() {
        return;
    }
    let mut users: BTreeMap<&ObjKey, Vec<&ObjKey>> = BTreeMap::new();
    for (dep, on) in &a.deps {
        users.entry(on).or_default().push(dep);
    }
    let key_of = |c: &Change| c.object.key();
    // Objects some change already drops on its own (dropped for good, or dropped and made
    // again); a change that alters one in place (CREATE OR REPLACE) is instead turned into
    // its rebuild below.
    let own: BTreeSet<ObjKey> = cx
        .out
        .iter()
        .filter(|c| c.kind.sign() == '-' || replaced_root(c).is_some())
        .map(key_of)
        .collect();
    let altered: BTreeMap<ObjKey, usize> = cx
        .out
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind.sign() == '~' && replaced_root(c).is_none())
        .map(|(i, c)| (key_of(c), i))
        .collect();
    // Members of a table dropped whole go with it; so do the triggers of a view dropped (for
    // good, or made again with them: `view_extras`).
    let dropped_tables: BTreeSet<Name> = cx
        .out
        .iter()
        .filter(|c| {
            c.kind == ChangeKind::DropTable
                || c.kind == ChangeKind::DropView
                || c.kind == ChangeKind::ReplaceView
                    && c.sql.iter().any(|s| s.starts_with("DROP VIEW "))
        })
        .map(|c| (c.object.schema.clone(), c.object.name.clone()))
        .collect();
    let mut rebuilt_in_place = Vec::new();
    let mut done: BTreeSet<ObjKey> = BTreeSet::new();
    let mut extra = Vec::new();
    for i in 0..cx.out.len() {
        let Some(root) = replaced_root(&cx.out[i]) else {
            continue;
        };
        // The view pass handles views under replaced views and retyped columns.
        let views_seen = matches!(
            cx.out[i].kind,
            ChangeKind::ReplaceView | ChangeKind::AlterColumnType
        );
        // Dependents, transitively, nearest first.
        let mut found: Vec<ObjKey> = Vec::new();
        let mut seen: BTreeSet<&ObjKey> = BTreeSet::from([&root]);
        // Taken from the back, added at the front (breadth first).
        let mut frontier = VecDeque::from([&root]);
        while let Some(k) = frontier.pop_back() {
            for u in users.get(k).into_iter().flatten() {
                if seen.insert(u) {
                    frontier.push_front(u);
                    let rebuildable = match u.kind.as_str() {
                        "function" | "policy" | "trigger" => true,
                        "view" | "materialized view" => !views_seen,
                        _ => false,
                    };
                    // Inside the schemas, a dependent with no change of its own is rebuilt
                    // (a policy calling a function whose parameter was renamed: the old
                    // function goes, the policy is made again on the new one).
                    let take = (in_scope(u) || opts.whole_database && !desired_has.contains(*u))
                        && !u.table.as_ref().is_some_and(|t| {
                            dropped_tables.contains(&(u.schema.clone(), t.clone()))
                        });
                    if take && rebuildable && !own.contains(u) && !done.contains(*u) {
                        found.push((*u).clone());
                    }
                }
            }
        }
        if found.is_empty() {
            continue;
        }
        let mut drops = Vec::new();
        if found.iter().any(|u| !in_scope(u)) {
            cx.out[i].hazards.push(Hazard::DropsOutsideScope);
        }
        for u in found.iter().rev() {
            done.insert(u.clone());
            if let Some(sql) = drop_sql(a, u) {
                drops.push(sql);
            }
            if let Some(c) = recreate(d, a, u) {
                match altered.get(u) {
                    Some(&j) => rebuilt_in_place.push((j, c)),
                    None => extra.push(c),
                }
            }
        }
        let c = &mut cx.out[i];
        drops.append(&mut c.sql);
        c.sql = drops;
    }
    // A dependent that had its own in-place change is now made again by it.
    for (j, c) in rebuilt_in_place {
        let own = &mut cx.out[j];
        own.sql = c.sql;
        own.hazards.push(Hazard::Rebuilt);
    }
    cx.out.extend(extra);
}

/// `DROP … IF EXISTS` for a dependent of the actual side.
fn drop_sql(a: &Catalog, u: &ObjKey) -> Option<String> {
    let (s, n) = (&u.schema, &u.name);
    Some(match (u.kind.as_str(), &u.table) {
        ("function", _) => {
            let (name, args) = n.split_once('(')?;
            format!("DROP FUNCTION IF EXISTS {}({args};", q(s, name))
        }
        ("policy", Some(t)) => format!("DROP POLICY IF EXISTS {} ON {};", quote_ident(n), q(s, t)),
        ("trigger", Some(t)) => {
            format!("DROP TRIGGER IF EXISTS {} ON {};", quote_ident(n), q(s, t))
        }
        ("view", _) => format!("DROP VIEW IF EXISTS {};", q(s, n)),
        ("materialized view", _) if a.materialized_views.contains_key(&(s.clone(), n.clone())) => {
            format!("DROP MATERIALIZED VIEW IF EXISTS {};", q(s, n))
        }
        _ => return None,
    })
}

/// The change that makes a dropped dependent again as the desired side has it; None when
/// the desired side does not have it (then another change drops it for good).
fn recreate(d: &Catalog, a: &Catalog, u: &ObjKey) -> Option<Change> {
    let (s, n) = (&u.schema, &u.name);
    let sn = (s.clone(), n.clone());
    let (kind, from, to, sql) = match (u.kind.as_str(), &u.table) {
        ("function", _) => {
            let (name, args) = n.split_once('(')?;
            let args = args.strip_suffix(')')?;
            let key = (s.clone(), name.to_string(), args.to_string());
            let want = d.functions.get(&key)?;
            let mut sql = vec![format!("{};", want.definition.trim_end())];
            if let Some(c) = &want.comment {
                sql.push(format!(
                    "COMMENT ON FUNCTION {}({args}) IS {};",
                    q(s, name),
                    quote_literal(c)
                ));
            }
            let from = a.functions.get(&key).map(|f| f.definition.clone());
            (
                ChangeKind::ReplaceFunction,
                from,
                want.definition.clone(),
                sql,
            )
        }
        ("policy", Some(t)) => {
            let want = d.tables.get(&(s.clone(), t.clone()))?.policies.get(n)?;
            (
                ChangeKind::ReplacePolicy,
                None,
                super::policy_sql(s, t, n, want),
                super::create_policy(s, t, n, want),
            )
        }
        ("trigger", Some(t)) => {
            let (want, comments, create) = match d.tables.get(&(s.clone(), t.clone())) {
                Some(table) => {
                    let want = table.triggers.get(n)?;
                    (want, &table.trigger_comments, want.clone())
                }
                None => {
                    let view = d.views.get(&(s.clone(), t.clone()))?;
                    let want = view.triggers.get(n)?;
                    (want, &view.trigger_comments, super::or_replace(want))
                }
            };
            (
                ChangeKind::ReplaceTrigger,
                None,
                want.clone(),
                super::with_comment(format!("{create};"), "trigger", (s, t), n, comments),
            )
        }
        ("view", _) => {
            let want = d.views.get(&sn)?;
            let mut sql = vec![view_sql(s, n, want)];
            sql.extend(view_extras(d, &sn));
            (
                ChangeKind::ReplaceView,
                None,
                want.definition.trim().to_string(),
                sql,
            )
        }
        ("materialized view", _) => {
            let want = d.materialized_views.get(&sn)?;
            let mut c = super::matviews::create(d, &sn, want);
            c.hazards.push(Hazard::Rebuilt);
            return Some(c);
        }
        _ => return None,
    };
    Some(Change {
        kind,
        object: super::obj(
            match u.kind.as_str() {
                "function" => "function",
                "policy" => "policy",
                "trigger" => "trigger",
                _ => "view",
            },
            s,
            u.table.as_deref(),
            n,
        ),
        from,
        to: Some(to),
        destructive: false,
        hazards: vec![Hazard::Rebuilt],
        sql,
        phase: Phase::Views,
        order: 0,
    })
}

/// A table dropped for a view of the same name goes before the views are created.
fn tables_replaced_by_views(cx: &mut Ctx) {
    let new_views: BTreeSet<Name> = cx
        .out
        .iter()
        .filter(|c| c.kind == ChangeKind::AddView)
        .map(|c| (c.object.schema.clone(), c.object.name.clone()))
        .collect();
    for c in cx
        .out
        .iter_mut()
        .filter(|c| c.kind == ChangeKind::DropTable)
    {
        if new_views.contains(&(c.object.schema.clone(), c.object.name.clone())) {
            c.phase = Phase::Indexes;
        }
    }
}

/// Foreign keys that use a primary key or unique constraint being dropped or replaced:
/// PostgreSQL refuses to drop the key while they exist. Which foreign keys use which key is
/// what `pg_depend` records (a foreign key depends on the key's index).
fn foreign_keys_of_replaced_keys(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    let key_changes = |c: &Change| {
        matches!(
            c.kind,
            ChangeKind::ReplaceConstraint | ChangeKind::DropConstraint
        )
    };
    if !cx.out.iter().any(key_changes) {
        return;
    }
    let mut extra = Vec::new();
    // Looked up once per key, not by scanning every dependency, change or added change: what
    // uses each object, the first change of each constraint, the constraints added here.
    let mut users: BTreeMap<&ObjKey, Vec<&ObjKey>> = BTreeMap::new();
    for (u, on) in &a.deps {
        users.entry(on).or_default().push(u);
    }
    type Constraint = (String, String, String);
    let mut changed: BTreeMap<Constraint, usize> = BTreeMap::new();
    // (A VALIDATE CONSTRAINT neither drops nor adds: the foreign key is added back.)
    for (i, c) in cx.out.iter().enumerate() {
        if c.kind == ChangeKind::ValidateConstraint {
            continue;
        }
        if let ("constraint", Some(t)) = (c.object.kind, &c.object.table) {
            let k = (c.object.schema.clone(), t.clone(), c.object.name.clone());
            changed.entry(k).or_insert(i);
        }
    }
    let mut added: BTreeSet<Constraint> = BTreeSet::new();
    for i in 0..cx.out.len() {
        let c = &cx.out[i];
        if !key_changes(c) {
            continue;
        }
        let (s, Some(t)) = (c.object.schema.clone(), c.object.table.clone()) else {
            continue;
        };
        let is_key = a
            .tables
            .get(&(s.clone(), t.clone()))
            .and_then(|tab| tab.constraints.get(&c.object.name))
            .is_some_and(|k| k.kind.is_key());
        if !is_key {
            continue;
        }
        let this = ObjKey {
            kind: "constraint".into(),
            schema: s.clone(),
            table: Some(t.clone()),
            name: c.object.name.clone(),
        };
        let mut drops = Vec::new();
        for u in users.get(&this).into_iter().flatten() {
            let (fs, Some(ft), fname) = (&u.schema, &u.table, &u.name) else {
                continue;
            };
            let Some(fk) = a
                .tables
                .get(&(fs.clone(), ft.clone()))
                .and_then(|tab| tab.constraints.get(fname))
                .filter(|k| {
                    u.kind == "constraint" && k.kind == crate::catalog::ConstraintKind::ForeignKey
                })
            else {
                continue;
            };
            drops.push(format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};",
                q(fs, ft),
                quote_ident(fname)
            ));
            // Added back after the key, unless the diff already adds or replaces it.
            let want_table = d.tables.get(&(fs.clone(), ft.clone()));
            let wanted = want_table.and_then(|w| Some((w, w.constraints.get(fname)?)));
            let handled = (fs.clone(), ft.clone(), fname.clone());
            if let Some((want_table, w)) = wanted {
                if let Some(&j) = changed.get(&handled) {
                    for sql in &mut cx.out[j].sql {
                        *sql = sql.replace(" DROP CONSTRAINT ", " DROP CONSTRAINT IF EXISTS ");
                    }
                } else if added.insert(handled) {
                    extra.push(Change {
                        kind: ChangeKind::ReplaceConstraint,
                        object: super::obj("constraint", fs, Some(ft), fname),
                        from: Some(fk.definition.clone()),
                        to: Some(w.definition.clone()),
                        destructive: false,
                        hazards: vec![Hazard::Lock],
                        sql: super::add_constraint_sql(
                            (fs, ft),
                            fname,
                            w,
                            &want_table.constraint_comments,
                        ),
                        phase: Phase::ForeignKeys,
                        order: 0,
                    });
                }
            }
        }
        if !drops.is_empty() {
            let c = &mut cx.out[i];
            drops.append(&mut c.sql);
            c.sql = drops;
        }
    }
    cx.out.extend(extra);
}

/// Relations each view of `cat` reads (unqualified names taken in the view's schema).
pub(super) fn view_reads(cat: &Catalog) -> BTreeMap<Name, Vec<Name>> {
    reads(cat.views.iter().map(|(k, v)| (k, v.definition.as_str())))
}

/// Relations each view and materialized view of `cat` reads.
fn all_reads(cat: &Catalog) -> BTreeMap<Name, Vec<Name>> {
    reads(
        cat.views
            .iter()
            .map(|(k, v)| (k, v.definition.as_str()))
            .chain(
                cat.materialized_views
                    .iter()
                    .map(|(k, v)| (k, v.definition.as_str())),
            ),
    )
}

fn reads<'a>(defs: impl Iterator<Item = (&'a Name, &'a str)>) -> BTreeMap<Name, Vec<Name>> {
    defs.map(|(k, definition)| {
        let refs = crate::sql::parse::relations(definition)
            .into_iter()
            .map(|r| match r.split_once('.') {
                Some((s, n)) => (
                    s.trim_matches('"').to_string(),
                    n.trim_matches('"').to_string(),
                ),
                None => (k.0.clone(), r.trim_matches('"').to_string()),
            })
            .collect();
        (k.clone(), refs)
    })
    .collect()
}

/// The views that read each relation (each once, in order), from what each view reads.
fn readers(reads: &BTreeMap<Name, Vec<Name>>) -> BTreeMap<&Name, Vec<&Name>> {
    let mut out: BTreeMap<&Name, Vec<&Name>> = BTreeMap::new();
    for (v, refs) in reads {
        for r in refs {
            let of = out.entry(r).or_default();
            if of.last() != Some(&v) {
                of.push(v);
            }
        }
    }
    out
}

/// Views of `actual` that read `rel`, directly or through other views, deepest first
/// (`readers` from [`readers`], `views`: how many views there are).
fn dependent_views(readers: &BTreeMap<&Name, Vec<&Name>>, views: usize, rel: &Name) -> Vec<Name> {
    let mut depth: BTreeMap<Name, usize> = BTreeMap::new();
    let mut frontier = vec![(rel.clone(), 0)];
    while let Some((r, dep)) = frontier.pop() {
        for &v in readers.get(&r).into_iter().flatten() {
            if v != rel && depth.get(v).is_none_or(|d| *d < dep + 1) {
                // Bounded by the number of views: a deeper path replaces a shallower one.
                if dep < views {
                    depth.insert(v.clone(), dep + 1);
                    frontier.push((v.clone(), dep + 1));
                }
            }
        }
    }
    let mut out: Vec<(usize, Name)> = depth.into_iter().map(|(v, d)| (d, v)).collect();
    out.sort_by(|a, b| b.cmp(a));
    out.into_iter().map(|(_, v)| v).collect()
}

fn views_of_changed_relations(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    if a.views.is_empty() && a.materialized_views.is_empty() {
        return;
    }
    let reads = all_reads(a);
    let readers = readers(&reads);
    let mut rebuild: BTreeSet<Name> = BTreeSet::new();
    let rank = super::view_order(d);
    let mut recreate: BTreeSet<Name> = BTreeSet::new();
    for c in cx.out.iter_mut() {
        let (rel, below) = match (c.kind, c.object.table.as_ref()) {
            // A view replaced in place (CREATE OR REPLACE) keeps its readers.
            (ChangeKind::ReplaceView, _) if c.sql.iter().any(|s| s.starts_with("DROP VIEW ")) => {
                let rel = (c.object.schema.clone(), c.object.name.clone());
                let r = rank.get(&rel).copied();
                (rel, r)
            }
            (ChangeKind::AlterColumnType, Some(t)) => ((c.object.schema.clone(), t.clone()), None),
            // Only possible when a view takes the table's name (see below).
            (ChangeKind::DropTable, None) => {
                ((c.object.schema.clone(), c.object.name.clone()), None)
            }
            // A table made again (its partition key changes): its readers go first.
            (ChangeKind::ReplaceTable, None) => {
                ((c.object.schema.clone(), c.object.name.clone()), None)
            }
            _ => continue,
        };
        let mut drops = Vec::new();
        for v in dependent_views(&readers, reads.len(), &rel) {
            // A view created before this one no longer reads it: it is replaced on its own.
            if let (Some(mine), Some(theirs)) = (below, rank.get(&v)) {
                if *theirs <= mine {
                    continue;
                }
            }
            if a.materialized_views.contains_key(&v) {
                drops.push(format!(
                    "DROP MATERIALIZED VIEW IF EXISTS {};",
                    q(&v.0, &v.1)
                ));
                rebuild.insert(v);
                continue;
            }
            drops.push(format!("DROP VIEW IF EXISTS {};", q(&v.0, &v.1)));
            if d.views.contains_key(&v) {
                recreate.insert(v);
            }
        }
        if !drops.is_empty() {
            drops.append(&mut c.sql);
            c.sql = drops;
        }
    }
    for c in cx.out.iter_mut() {
        let key = (c.object.schema.clone(), c.object.name.clone());
        match c.kind {
            ChangeKind::ReplaceView => {
                recreate.remove(&key);
            }
            ChangeKind::AddMaterializedView => {
                rebuild.remove(&key);
            }
            _ => {}
        }
    }
    for v in rebuild {
        if let Some(want) = d.materialized_views.get(&v) {
            let mut c = super::matviews::create(d, &v, want);
            c.hazards.push(Hazard::Rebuilt);
            cx.out.push(c);
        }
    }
    for v in recreate {
        let (s, n) = &v;
        let Some(want) = d.views.get(&v) else {
            continue;
        };
        let mut sql = vec![
            format!("DROP VIEW IF EXISTS {};", q(s, n)),
            view_sql(s, n, want),
        ];
        sql.extend(view_extras(d, &v));
        cx.out.push(Change {
            kind: ChangeKind::ReplaceView,
            object: super::obj("view", s, None, n),
            from: a.views.get(&v).map(|h| h.definition.trim().to_string()),
            to: Some(want.definition.trim().to_string()),
            destructive: false,
            hazards: vec![Hazard::Rebuilt],
            sql,
            phase: Phase::Views,
            order: 0,
        });
    }
    // A replaced view may already be gone (dropped for a view it reads); once created again
    // it needs its grants and comment back.
    for i in 0..cx.out.len() {
        if cx.out[i].kind != ChangeKind::ReplaceView {
            continue;
        }
        let v = (
            cx.out[i].object.schema.clone(),
            cx.out[i].object.name.clone(),
        );
        let extras = view_extras(d, &v);
        let c = &mut cx.out[i];
        for sql in &mut c.sql {
            if sql.starts_with("DROP VIEW ") && !sql.starts_with("DROP VIEW IF EXISTS ") {
                *sql = sql.replacen("DROP VIEW ", "DROP VIEW IF EXISTS ", 1);
            }
        }
        for e in extras {
            if !c.sql.contains(&e) {
                c.sql.push(e);
            }
        }
    }
}

/// Grants, comment and triggers of a view as the desired catalog has them (the triggers
/// with `CREATE OR REPLACE`: a view replaced in place keeps its own).
fn view_extras(d: &Catalog, v: &Name) -> Vec<String> {
    let comment = d.views.get(v).and_then(|w| w.comment.clone());
    let mut out = grants_and_comment(d, v, "VIEW", &comment);
    if let Some(w) = d.views.get(v) {
        out.extend(super::view_trigger_sql(w, (&v.0, &v.1)));
    }
    out
}

/// The desired grants on relation `v` and its comment (`noun`: `VIEW`, `MATERIALIZED VIEW`).
pub(super) fn grants_and_comment(
    d: &Catalog,
    v: &Name,
    noun: &str,
    comment: &Option<String>,
) -> Vec<String> {
    let (s, n) = v;
    // The grants are sorted by relation: those of `v` are one range.
    let mut out: Vec<String> = d
        .grants
        .range((s.clone(), n.clone(), String::new(), String::new())..)
        .take_while(|(gs, gn, _, _)| gs == s && gn == n)
        .map(|(_, _, g, p)| {
            let key = (s.clone(), n.clone(), String::new(), g.clone(), p.clone());
            let with = if d.grant_options.contains(&key) {
                " WITH GRANT OPTION"
            } else {
                ""
            };
            format!("GRANT {p} ON TABLE {} TO {}{with};", q(s, n), quote_role(g))
        })
        .collect();
    out.extend(
        d.column_grants
            .range(
                (
                    s.clone(),
                    n.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                )..,
            )
            .take_while(|(gs, gn, _, _, _)| gs == s && gn == n)
            .map(|k @ (_, _, c, g, p)| {
                let with = if d.grant_options.contains(k) {
                    " WITH GRANT OPTION"
                } else {
                    ""
                };
                format!(
                    "GRANT {p} ({}) ON TABLE {} TO {}{with};",
                    quote_ident(c),
                    q(s, n),
                    quote_role(g)
                )
            }),
    );
    if let Some(c) = comment {
        out.push(format!(
            "COMMENT ON {noun} {} IS {};",
            q(s, n),
            quote_literal(c)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::catalog::{Catalog, Constraint, ObjKey, Table, View};
    use crate::diff::{diff, Options};

    fn table(constraints: &[(&str, &str, &str)]) -> Table {
        Table {
            constraints: constraints
                .iter()
                .map(|(n, k, d)| {
                    (
                        n.to_string(),
                        Constraint {
                            kind: crate::catalog::ConstraintKind::from_contype(k)
                                .expect("a contype"),
                            definition: d.to_string(),
                        },
                    )
                })
                .collect(),
            ..Table::default()
        }
    }

    fn sql_of(want: &Catalog, have: &Catalog) -> Vec<String> {
        diff(want, have, Options::default())
            .into_iter()
            .flat_map(|c| c.sql)
            .collect()
    }

    /// Index of the first statement that contains `s`.
    fn position(sql: &[String], s: &str) -> usize {
        sql.iter()
            .position(|x| x.contains(s))
            .unwrap_or_else(|| panic!("{s} missing from {sql:#?}"))
    }

    fn key(n: &str) -> (String, String) {
        ("public".into(), n.into())
    }

    #[test]
    fn foreign_keys_are_dropped_before_their_key_and_added_back_after() {
        let fk = (
            "prices_item_fk",
            "f",
            "FOREIGN KEY (item_id) REFERENCES items(id)",
        );
        let mut have = Catalog::default();
        have.tables.insert(
            key("items"),
            table(&[("items_pkey", "p", "PRIMARY KEY (id)")]),
        );
        have.tables.insert(key("prices"), table(&[fk]));
        // What pg_depend records: the foreign key uses the key (through its index).
        let constraint = |t: &str, n: &str| ObjKey {
            kind: "constraint".into(),
            schema: "public".into(),
            table: Some(t.into()),
            name: n.into(),
        };
        have.deps.insert((
            constraint("prices", "prices_item_fk"),
            constraint("items", "items_pkey"),
        ));
        let mut want = have.clone();
        want.tables.insert(
            key("items"),
            table(&[("items_pkey", "p", "PRIMARY KEY (id, version)")]),
        );
        let sql = sql_of(&want, &have);
        let at = |s: &str| position(&sql, s);
        assert!(at("DROP CONSTRAINT IF EXISTS prices_item_fk") < at("DROP CONSTRAINT items_pkey"));
        assert!(at("ADD CONSTRAINT items_pkey") < at("ADD CONSTRAINT prices_item_fk"));
    }

    #[test]
    fn views_reading_a_replaced_view_are_dropped_first_and_created_again() {
        let view = |d: &str| View {
            definition: d.to_string(),
            options: String::new(),
            comment: None,
            columns: Vec::new(),
            ..View::default()
        };
        let mut have = Catalog::default();
        have.views.insert(key("a"), view(" SELECT 1 AS x;"));
        have.views.insert(key("b"), view(" SELECT a.x FROM a;"));
        let mut want = have.clone();
        want.views.insert(key("a"), view(" SELECT 1 AS x, 2 AS y;"));
        let sql = sql_of(&want, &have);
        let at = |s: &str| position(&sql, s);
        assert!(at("DROP VIEW IF EXISTS public.b") < at("DROP VIEW IF EXISTS public.a"));
        assert!(at("CREATE OR REPLACE VIEW public.a") < at("CREATE OR REPLACE VIEW public.b"));
    }

    #[test]
    fn a_view_made_again_gets_its_triggers_back_and_a_changed_one_is_replaced_in_place() {
        let trig = |events: &str| {
            format!("CREATE TRIGGER w INSTEAD OF {events} ON public.a FOR EACH ROW EXECUTE FUNCTION f()")
        };
        let view = |d: &str, columns: &[&str], events: &str| View {
            definition: d.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            triggers: [("w".to_string(), trig(events))].into(),
            trigger_comments: [("w".to_string(), "writes".to_string())].into(),
            ..View::default()
        };
        let mut have = Catalog::default();
        have.views.insert(
            key("a"),
            view(
                " SELECT 1 AS x, 2 AS y;",
                &["x integer", "y integer"],
                "INSERT",
            ),
        );
        // A column goes: the view is dropped and made again, with its trigger and comment.
        let mut want = have.clone();
        want.views
            .insert(key("a"), view(" SELECT 1 AS x;", &["x integer"], "INSERT"));
        let sql = sql_of(&want, &have);
        let at = |s: &str| position(&sql, s);
        assert!(at("DROP VIEW IF EXISTS public.a") < at("CREATE OR REPLACE VIEW public.a"));
        assert!(at("CREATE OR REPLACE VIEW public.a") < at("CREATE OR REPLACE TRIGGER w"));
        assert!(at("CREATE OR REPLACE TRIGGER w") < at("COMMENT ON TRIGGER w ON public.a"));
        assert!(
            !sql.iter().any(|s| s.starts_with("DROP TRIGGER")),
            "{sql:#?}"
        );
        // The trigger alone changes: replaced in place, not dropped.
        let mut want = have.clone();
        want.views.insert(
            key("a"),
            view(
                " SELECT 1 AS x, 2 AS y;",
                &["x integer", "y integer"],
                "INSERT OR UPDATE",
            ),
        );
        let sql = sql_of(&want, &have);
        assert_eq!(
            sql,
            vec![
                format!("CREATE OR REPLACE {};", &trig("INSERT OR UPDATE")[7..]),
                "COMMENT ON TRIGGER w ON public.a IS 'writes';".to_string(),
            ],
        );
        // Gone from the desired view: dropped.
        let mut want = have.clone();
        if let Some(v) = want.views.get_mut(&key("a")) {
            v.triggers.clear();
            v.trigger_comments.clear();
        }
        assert_eq!(
            sql_of(&want, &have),
            vec!["DROP TRIGGER IF EXISTS w ON public.a;".to_string()]
        );
    }
}
