//! Declared renames ([`crate::model::renames`]) as changes.
//!
//! A rename's statement and its guard are written once, by [`crate::model::renames::statement`]
//! and [`crate::model::renames::guard`]: gen wraps the statement in a `DO` block that runs it only while the
//! old name exists and the new one does not; diff reports a rename as a change when the
//! database is in that state ([`pending`]), and the
//! changes it finds besides are then computed on the database as the renames leave it
//! (`crate::diff_project_with` reads that state inside a transaction it rolls back).
//! Once the database no longer has the old name a rename is nothing, so `renamed_from:`
//! may stay in the YAML.

use super::{obj, Change, ChangeKind, Phase};
use crate::catalog::Catalog;
use crate::model::renames::{statement, Rename, RenameKind};

/// The renames `actual` still needs, in order, as changes: each one whose old name the
/// database has and whose new name it lacks, judged on the database as the renames before
/// it leave it.
pub fn pending(renames: &[Rename], actual: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    // Tables renamed so far: new name → old name (the key the actual catalog has).
    let mut moved: Vec<(&str, &str, &str)> = Vec::new();
    let lookup = |schema: &str, name: &str, moved: &[(&str, &str, &str)]| -> Option<String> {
        if let Some((_, _, old)) = moved
            .iter()
            .find(|(s, new, _)| *s == schema && *new == name)
        {
            return Some(old.to_string());
        }
        if moved.iter().any(|(s, _, old)| *s == schema && *old == name) {
            return None;
        }
        Some(name.to_string())
    };
    for r in renames {
        let schema = r.schema.as_str();
        let hit = match r.kind {
            RenameKind::Table => {
                let has = |n: &str| {
                    lookup(schema, n, &moved)
                        .is_some_and(|k| actual.tables.contains_key(&(r.schema.clone(), k)))
                };
                let relation = |n: &str| {
                    has(n)
                        || actual
                            .views
                            .contains_key(&(r.schema.clone(), n.to_string()))
                        || actual
                            .tables
                            .iter()
                            .any(|((s, _), t)| s == schema && t.indexes.contains_key(n))
                };
                has(&r.from) && !relation(&r.to)
            }
            _ => {
                let table = r.table.as_deref().unwrap_or_default();
                let t = lookup(schema, table, &moved)
                    .and_then(|k| actual.tables.get(&(r.schema.clone(), k)));
                t.is_some_and(|t| match r.kind {
                    RenameKind::Column => t.column(&r.from).is_some() && t.column(&r.to).is_none(),
                    RenameKind::Constraint => {
                        t.constraints.contains_key(&r.from) && !t.constraints.contains_key(&r.to)
                    }
                    _ => {
                        t.indexes.contains_key(&r.from)
                            && !actual
                                .tables
                                .iter()
                                .any(|((s, _), t)| s == schema && t.indexes.contains_key(&r.to))
                    }
                })
            }
        };
        if !hit {
            continue;
        }
        if r.kind == RenameKind::Table {
            moved.push((schema, &r.to, &r.from));
        }
        let kind = match r.kind {
            RenameKind::Table => ChangeKind::RenameTable,
            RenameKind::Column => ChangeKind::RenameColumn,
            RenameKind::Constraint => ChangeKind::RenameConstraint,
            RenameKind::Index => ChangeKind::RenameIndex,
        };
        let mut c = Change {
            kind,
            object: obj(r.kind.noun(), schema, r.table.as_deref(), &r.to),
            from: Some(r.from.clone()),
            to: Some(r.to.clone()),
            destructive: false,
            hazards: vec![super::Hazard::Lock],
            sql: vec![statement(r)],
            phase: Phase::Renames,
            order: 0,
        };
        c.order = u32::try_from(out.len()).unwrap_or(u32::MAX);
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Constraint, Table};
    use crate::diagnostic::{FileId, Loc};
    use crate::model::renames::guard;

    fn loc() -> Loc {
        Loc {
            file: FileId(0),
            line: 1,
            col: 1,
            len: 1,
        }
    }

    fn r(kind: RenameKind, table: Option<&str>, from: &str, to: &str) -> Rename {
        Rename {
            kind,
            schema: "public".into(),
            table: table.map(str::to_string),
            from: from.into(),
            to: to.into(),
            loc: loc(),
        }
    }

    fn goals() -> Catalog {
        let mut cat = Catalog::default();
        let mut t = Table::default();
        t.columns.push(Column::plain("user_id", "uuid"));
        t.constraints.insert(
            "goals_pkey".into(),
            Constraint {
                kind: crate::catalog::ConstraintKind::PrimaryKey,
                definition: "PRIMARY KEY (id)".into(),
            },
        );
        cat.tables.insert(("public".into(), "goals".into()), t);
        cat
    }

    #[test]
    fn names_are_quoted_and_literals_escaped() {
        let x = r(RenameKind::Column, Some("Tasks"), "a\"b", "it's");
        assert_eq!(
            statement(&x),
            "ALTER TABLE public.\"Tasks\" RENAME COLUMN \"a\"\"b\" TO \"it's\";"
        );
        let g = guard(&x);
        assert!(g.contains("a.attname = 'it''s'"), "{g}");
        assert!(g.contains("to_regclass('public.\"Tasks\"')"), "{g}");
    }

    #[test]
    fn a_rename_is_pending_while_the_old_name_is_there_and_the_new_one_is_not() {
        let renames = [
            r(RenameKind::Table, None, "goals", "tasks"),
            r(RenameKind::Column, Some("tasks"), "user_id", "owner_id"),
            r(
                RenameKind::Constraint,
                Some("tasks"),
                "goals_pkey",
                "tasks_pkey",
            ),
        ];
        let got: Vec<String> = pending(&renames, &goals())
            .iter()
            .map(|c| c.sql[0].clone())
            .collect();
        assert_eq!(
            got,
            [
                "ALTER TABLE public.goals RENAME TO tasks;",
                "ALTER TABLE public.tasks RENAME COLUMN user_id TO owner_id;",
                "ALTER TABLE public.tasks RENAME CONSTRAINT goals_pkey TO tasks_pkey;",
            ]
        );
        // Once done (the database has the new names), nothing is left.
        let mut done = Catalog::default();
        let mut t = goals()
            .tables
            .remove(&("public".into(), "goals".into()))
            .unwrap();
        t.columns[0].name = "owner_id".into();
        let k = t.constraints.remove("goals_pkey").unwrap();
        t.constraints.insert("tasks_pkey".into(), k);
        done.tables.insert(("public".into(), "tasks".into()), t);
        assert!(pending(&renames, &done).is_empty());
        // Both names there: not a rename (check reports such a project; a database in
        // that state gets the ordinary diff).
        let mut both = goals();
        both.tables
            .insert(("public".into(), "tasks".into()), Table::default());
        assert!(pending(&renames[..1], &both).is_empty());
    }
}
