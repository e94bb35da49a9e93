//! Reading a [`Catalog`] from a live database.
//!
//! One query per object kind (`queries/*.sql`, embedded), each covering every managed schema
//! at once, so the number of round trips is constant (11) whatever the size of the schema.

use crate::catalog::{Catalog, Column, Constraint, Function, Policy, Table, View};
use postgres::GenericClient;

const TABLES: &str = include_str!("queries/tables.sql");
const COLUMNS: &str = include_str!("queries/columns.sql");
const CONSTRAINTS: &str = include_str!("queries/constraints.sql");
const INDEXES: &str = include_str!("queries/indexes.sql");
const POLICIES: &str = include_str!("queries/policies.sql");
const TRIGGERS: &str = include_str!("queries/triggers.sql");
const FUNCTIONS: &str = include_str!("queries/functions.sql");
const VIEWS: &str = include_str!("queries/views.sql");
const ENUMS: &str = include_str!("queries/enums.sql");
const EXTENSIONS: &str = include_str!("queries/extensions.sql");
const GRANTS: &str = include_str!("queries/grants.sql");

/// The number of queries [`introspect`] runs (its round trips).
pub const ROUND_TRIPS: usize = 11;

/// Reads every object of `schemas`.
pub fn introspect(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<Catalog, postgres::Error> {
    let mut cat = Catalog::default();
    let s = &schemas;
    for r in client.query(TABLES, &[s])? {
        cat.tables.insert(
            (r.get(0), r.get(1)),
            Table {
                rls_enabled: r.get(2),
                rls_forced: r.get(3),
                comment: r.get(4),
                ..Table::default()
            },
        );
    }
    for r in client.query(COLUMNS, &[s])? {
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.columns.push(Column {
                name: r.get(2),
                ty: r.get(3),
                not_null: r.get(4),
                default: r.get(5),
                generated: r.get(6),
                identity: r.get(7),
                comment: r.get(8),
            });
        }
    }
    for r in client.query(CONSTRAINTS, &[s])? {
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.constraints.insert(
                r.get(2),
                Constraint {
                    kind: r.get(3),
                    definition: r.get(4),
                },
            );
        }
    }
    for r in client.query(INDEXES, &[s])? {
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.indexes.insert(r.get(2), r.get(3));
        }
    }
    for r in client.query(POLICIES, &[s])? {
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.policies.insert(
                r.get(2),
                Policy {
                    command: r.get(3),
                    permissive: r.get(4),
                    roles: r.get(5),
                    using: r.get(6),
                    with_check: r.get(7),
                },
            );
        }
    }
    for r in client.query(TRIGGERS, &[s])? {
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.triggers.insert(r.get(2), r.get(3));
        }
    }
    for r in client.query(FUNCTIONS, &[s])? {
        cat.functions.insert(
            (r.get(0), r.get(1), r.get(2)),
            Function {
                definition: r.get(3),
                comment: r.get(4),
            },
        );
    }
    for r in client.query(VIEWS, &[s])? {
        cat.views.insert(
            (r.get(0), r.get(1)),
            View {
                definition: r.get(2),
                options: r.get(3),
                comment: r.get(4),
            },
        );
    }
    for r in client.query(ENUMS, &[s])? {
        cat.enums.insert((r.get(0), r.get(1)), r.get(2));
    }
    for r in client.query(EXTENSIONS, &[])? {
        cat.extensions.insert(r.get(0), r.get(1));
    }
    for r in client.query(GRANTS, &[s])? {
        cat.grants.insert((r.get(0), r.get(1), r.get(2), r.get(3)));
    }
    Ok(cat)
}
