//! Declared renames: what `renamed_from:` asks of a database that still has the old names.
//!
//! A rename is never guessed from two catalogs (a dropped column and an added one of the
//! same type look exactly like a rename, and guessing wrong loses data); it is declared on
//! the table or column. This module turns those declarations into the list of renames both
//! `gen` (guarded statements) and `diff` (changes, when the database has the old name) run,
//! in the order they must run in: tables first, then their columns (named on the renamed
//! table), then the constraints and indexes whose names PostgreSQL-style defaults derive
//! from a renamed table or column (`goals_pkey` → `tasks_pkey`), so that a renamed database
//! ends up with exactly the names a fresh one gets.
//!
//! Conflicting declarations (an old name that is still, or again, a current name; one old
//! name claimed twice) are reported by check SC112 and make gen refuse to run.
//!
//! A rename's statement ([`statement`]) and the guard gen puts around it ([`guard`]) are
//! written here, once, for gen and diff both.

use super::names::make_object_name;
use super::{IndexElem, Model, QualName, Table};
use crate::diagnostic::Loc;
use crate::sql::quote::{quote_ident, quote_literal};

/// What a rename renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RenameKind {
    Table,
    Column,
    /// A constraint of the table (`ALTER TABLE … RENAME CONSTRAINT`; for a primary key or
    /// unique constraint this renames its index too).
    Constraint,
    /// An index that belongs to no constraint (`ALTER INDEX … RENAME TO`).
    Index,
}

impl RenameKind {
    /// The object kind as diff and the dependency graph name it.
    pub fn noun(self) -> &'static str {
        match self {
            RenameKind::Table => "table",
            RenameKind::Column => "column",
            RenameKind::Constraint => "constraint",
            RenameKind::Index => "index",
        }
    }
}

/// One rename, from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub kind: RenameKind,
    pub schema: String,
    /// The table the object belongs to, by its new name (None for a table).
    pub table: Option<String>,
    pub from: String,
    pub to: String,
    /// The `renamed_from:` this rename follows from.
    pub loc: Loc,
}

impl Model {
    /// Every rename the project declares, with the renames of default-named constraints and
    /// indexes they imply, in the order they run (see the module docs). Tables in name order.
    pub fn renames(&self) -> Vec<Rename> {
        let mut tables: Vec<&Table> = self.tables.values().collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = Vec::new();
        for t in &tables {
            if let Some((old, loc)) = &t.renamed_from {
                if *old != t.name.name {
                    out.push(rename(
                        RenameKind::Table,
                        &t.name,
                        None,
                        old,
                        &t.name.name,
                        *loc,
                    ));
                }
            }
        }
        for t in &tables {
            for c in t.columns.values() {
                if let Some((old, loc)) = &c.renamed_from {
                    if *old != c.name {
                        out.push(rename(
                            RenameKind::Column,
                            &t.name,
                            Some(t),
                            old,
                            &c.name,
                            *loc,
                        ));
                    }
                }
            }
        }
        for t in &tables {
            derived(t, &mut out);
        }
        out
    }
}

fn rename(
    kind: RenameKind,
    table: &QualName,
    member_of: Option<&Table>,
    from: &str,
    to: &str,
    loc: Loc,
) -> Rename {
    Rename {
        kind,
        schema: table.schema.clone(),
        table: member_of.map(|_| table.name.clone()),
        from: from.to_string(),
        to: to.to_string(),
        loc,
    }
}

/// The renames of `t`'s constraints and indexes whose names are the defaults derived from
/// the table's and columns' names, when a declared rename changes those names.
fn derived(t: &Table, out: &mut Vec<Rename>) {
    let old_table = t.renamed_from.as_ref().map(|(n, _)| n.as_str());
    let any_column = t.columns.values().any(|c| c.renamed_from.is_some());
    if old_table.is_none() && !any_column {
        return;
    }
    let loc = t
        .renamed_from
        .as_ref()
        .map(|(_, l)| *l)
        .or_else(|| {
            t.columns
                .values()
                .find_map(|c| c.renamed_from.as_ref().map(|(_, l)| *l))
        })
        .unwrap_or(t.loc);
    let new_t = t.name.name.as_str();
    let old_t = old_table.unwrap_or(new_t);
    let old_col = |c: &str| -> String {
        t.columns
            .get(c)
            .and_then(|col| col.renamed_from.as_ref())
            .map_or_else(|| c.to_string(), |(o, _)| o.clone())
    };
    let join_new = |cols: &[&str]| cols.join("_");
    let join_old = |cols: &[&str]| {
        cols.iter()
            .map(|c| old_col(c))
            .collect::<Vec<_>>()
            .join("_")
    };
    // (kind, current name, default-name candidates as (new, old) pairs)
    let mut push = |kind: RenameKind, name: &str, candidates: Vec<(String, String)>| {
        for (new, old) in candidates {
            if name == new && old != new {
                out.push(Rename {
                    kind,
                    schema: t.name.schema.clone(),
                    table: Some(new_t.to_string()),
                    from: old,
                    to: new,
                    loc,
                });
                return;
            }
        }
    };
    if let Some(pk) = &t.primary_key {
        push(
            RenameKind::Constraint,
            &pk.name,
            vec![(
                make_object_name(new_t, None, "pkey"),
                make_object_name(old_t, None, "pkey"),
            )],
        );
    }
    fn listed(cols: &[(String, Loc)]) -> Vec<&str> {
        cols.iter().map(|(c, _)| c.as_str()).collect()
    }
    for u in &t.uniques {
        let cols = listed(&u.columns);
        push(
            RenameKind::Constraint,
            &u.name,
            vec![(
                make_object_name(new_t, Some(&join_new(&cols)), "key"),
                make_object_name(old_t, Some(&join_old(&cols)), "key"),
            )],
        );
    }
    for fk in &t.foreign_keys {
        let cols = listed(&fk.columns);
        push(
            RenameKind::Constraint,
            &fk.name,
            vec![(
                make_object_name(new_t, Some(&join_new(&cols)), "fkey"),
                make_object_name(old_t, Some(&join_old(&cols)), "fkey"),
            )],
        );
    }
    for ck in &t.checks {
        // A column's `check:` is named after the column; which one is not recorded.
        let candidates = t
            .columns
            .keys()
            .map(|c| {
                (
                    make_object_name(new_t, Some(c), "check"),
                    make_object_name(old_t, Some(&old_col(c)), "check"),
                )
            })
            .collect();
        push(RenameKind::Constraint, &ck.name, candidates);
    }
    for ix in &t.indexes {
        let mut cols: Vec<&str> = Vec::new();
        let mut expr = false;
        for e in &ix.elems {
            match e {
                IndexElem::Column(c, _) => cols.push(c),
                IndexElem::Expr(_) => expr = true,
            }
        }
        let (mut new, mut old) = (join_new(&cols), join_old(&cols));
        if expr {
            for s in [&mut new, &mut old] {
                if !s.is_empty() {
                    s.push('_');
                }
                s.push_str("expr");
            }
        }
        push(
            RenameKind::Index,
            &ix.name,
            vec![(
                make_object_name(new_t, Some(&new), "idx"),
                make_object_name(old_t, Some(&old), "idx"),
            )],
        );
    }
}

// The SQL of a rename, which gen (guarded) and diff (as a change) both run.

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// The table a member rename is on (its new name), quoted.
fn table_of(r: &Rename) -> String {
    qualified(&r.schema, r.table.as_deref().unwrap_or(&r.to))
}

/// The statement that renames `r`.
pub fn statement(r: &Rename) -> String {
    match r.kind {
        RenameKind::Table => format!(
            "ALTER TABLE {} RENAME TO {};",
            qualified(&r.schema, &r.from),
            quote_ident(&r.to)
        ),
        RenameKind::Column => format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {};",
            table_of(r),
            quote_ident(&r.from),
            quote_ident(&r.to)
        ),
        RenameKind::Constraint => format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
            table_of(r),
            quote_ident(&r.from),
            quote_ident(&r.to)
        ),
        RenameKind::Index => format!(
            "ALTER INDEX {} RENAME TO {};",
            qualified(&r.schema, &r.from),
            quote_ident(&r.to)
        ),
    }
}

/// A boolean SQL expression: whether the database has the object named `name` of `r`'s
/// kind (a table, a column or constraint of `r`'s table, an index). Names are literals.
fn exists(r: &Rename, name: &str) -> String {
    let (schema, name_lit) = (quote_literal(&r.schema), quote_literal(name));
    let table = quote_literal(&table_of(r));
    match r.kind {
        // Any relation: a view or index of the new name would make the rename fail too.
        RenameKind::Table | RenameKind::Index => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {schema} AND c.relname = {name_lit})"
        ),
        RenameKind::Column => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = to_regclass({table}) AND a.attname = {name_lit} AND a.attnum > 0 AND NOT a.attisdropped)"
        ),
        RenameKind::Constraint => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = to_regclass({table}) AND k.conname = {name_lit})"
        ),
    }
}

/// The guard gen puts around [`statement`]: the old name exists and the new one does not.
/// The old name must be a table (or an index) of that kind, not just any relation.
pub fn guard(r: &Rename) -> String {
    let old = match r.kind {
        RenameKind::Table => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND c.relkind IN ('r', 'p'))",
            quote_literal(&r.schema),
            quote_literal(&r.from)
        ),
        RenameKind::Index => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND c.relkind IN ('i', 'I'))",
            quote_literal(&r.schema),
            quote_literal(&r.from)
        ),
        _ => exists(r, &r.from),
    };
    format!("{old}\n     AND NOT {}", exists(r, &r.to))
}
