//! Materialized views: their data is derived, so a changed one is dropped (before anything
//! it reads changes) and created again (after everything it reads exists), with its indexes,
//! grants and comment. Only changed indexes or comments are altered in place.
//!
//! Projects declare them under `materialized_views:` (gen writes them through its template,
//! `materialized_view.sql.j2`); this is the plan's side.

use super::{comment_on, obj, q, Change, ChangeKind, Ctx, Phase};
use crate::catalog::{Catalog, MaterializedView, Name};

/// Created after every view (whose order is its rank).
pub(super) const CREATE_ORDER: u32 = 1_000_000;

/// The change that creates `key` as `d` has it: the view, its indexes, grants and comment.
pub(super) fn create(d: &Catalog, key: &Name, mv: &MaterializedView) -> Change {
    let (s, n) = key;
    let mut sql = vec![format!(
        "CREATE MATERIALIZED VIEW {} AS\n{};",
        q(s, n),
        mv.definition.trim().trim_end_matches(';')
    )];
    sql.extend(mv.indexes.values().map(|i| format!("{i};")));
    sql.extend(super::deps::grants_and_comment(
        d,
        key,
        "MATERIALIZED VIEW",
        &mv.comment,
    ));
    Change {
        kind: ChangeKind::AddMaterializedView,
        object: obj("materialized view", s, None, n),
        from: None,
        to: Some(mv.definition.trim().to_string()),
        destructive: false,
        hazards: vec![],
        sql,
        phase: Phase::Views,
        order: CREATE_ORDER,
    }
}

/// The change that drops `key` (its indexes go with it).
pub(super) fn drop(key: &Name, mv: &MaterializedView) -> Change {
    let (s, n) = key;
    Change {
        kind: ChangeKind::DropMaterializedView,
        object: obj("materialized view", s, None, n),
        from: Some(mv.definition.trim().to_string()),
        to: None,
        destructive: false,
        hazards: vec![],
        sql: vec![format!("DROP MATERIALIZED VIEW IF EXISTS {};", q(s, n))],
        phase: Phase::DropDependents,
        order: 0,
    }
}

pub(super) fn materialized_views(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for (key, want) in &d.materialized_views {
        let (s, n) = key;
        match a.materialized_views.get(key) {
            None => cx.out.push(create(d, key, want)),
            Some(have) if have.definition != want.definition => {
                cx.out.push(drop(key, have));
                cx.out.push(create(d, key, want));
            }
            Some(have) => {
                for (name, def) in &want.indexes {
                    if have.indexes.get(name) != Some(def) {
                        let mut sql = Vec::new();
                        if have.indexes.contains_key(name) {
                            sql.push(format!("DROP INDEX {};", q(s, name)));
                        }
                        sql.push(format!("{def};"));
                        cx.push(
                            ChangeKind::AddIndex,
                            obj("index", s, Some(n), name),
                            have.indexes.get(name).cloned(),
                            Some(def.clone()),
                            vec![],
                            sql,
                            Phase::Views,
                        );
                    }
                }
                for (name, def) in &have.indexes {
                    if !want.indexes.contains_key(name) {
                        cx.push(
                            ChangeKind::DropIndex,
                            obj("index", s, Some(n), name),
                            Some(def.clone()),
                            None,
                            vec![],
                            vec![format!("DROP INDEX {};", q(s, name))],
                            Phase::Views,
                        );
                    }
                }
                comment_on(
                    cx,
                    "materialized view",
                    (s, n),
                    &have.comment,
                    &want.comment,
                );
            }
        }
    }
    for (key, have) in &a.materialized_views {
        if !d.materialized_views.contains_key(key) {
            cx.out.push(drop(key, have));
        }
    }
}
