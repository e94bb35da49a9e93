//! Reading a [`Catalog`] from a live database.
//!
//! One query per object kind (`queries/*.sql`, embedded), each covering every managed schema
//! at once, so the number of round trips is constant ([`ROUND_TRIPS`] at most) whatever the
//! size of the schema.

use crate::catalog::{
    Bucket, Catalog, Column, Constraint, Function, Policy, Publication, Scope, Table, View,
};
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

const PUBLICATIONS: &str = include_str!("queries/publications.sql");
const SCHEMAS: &str = include_str!("queries/schemas.sql");
const BUCKETS: &str = include_str!("queries/buckets.sql");
const SCHEMA_GRANTS: &str = include_str!("queries/schema_grants.sql");
const DEFAULT_PRIVILEGES: &str = include_str!("queries/default_privileges.sql");
const DOMAINS: &str = include_str!("queries/domains.sql");
const MATVIEWS: &str = include_str!("queries/matviews.sql");
const DEPENDENCIES: &str = include_str!("queries/dependencies.sql");

/// The most queries [`introspect_scope`] runs (its round trips), whatever the schema's size.
pub const ROUND_TRIPS: usize = 21 + crate::kinds::QUERIES;

/// What depends on what among the objects of `schemas` (one query): the order a plan's
/// statements must run in. Read apart from [`introspect_scope`] because a clean diff needs
/// none of it.
pub fn dependencies(
    client: &mut impl GenericClient,
    schemas: &[String],
) -> Result<crate::catalog::Deps, postgres::Error> {
    let key = |r: &postgres::Row, i: usize| crate::catalog::ObjKey {
        kind: r.get(i),
        schema: r.get(i + 1),
        table: r.get(i + 2),
        name: r.get(i + 3),
    };
    Ok(client
        .query(DEPENDENCIES, &[&schemas])?
        .iter()
        .map(|r| (key(r, 0), key(r, 4)))
        .collect())
}

/// Two parallel array columns (names, definitions) as a name → definition map.
fn named(
    r: &postgres::Row,
    names: usize,
    defs: usize,
) -> std::collections::BTreeMap<String, String> {
    let n: Vec<String> = r.get(names);
    let d: Vec<String> = r.get(defs);
    n.into_iter().zip(d).collect()
}

/// Fills the policies and triggers of the tables already in `tables` (one query each).
fn policies_and_triggers(
    client: &mut impl GenericClient,
    schemas: &[String],
    tables: &mut std::collections::BTreeMap<crate::catalog::Name, Table>,
) -> Result<(), postgres::Error> {
    for r in client.query(POLICIES, &[&schemas])? {
        if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
            t.policies.insert(
                r.get(2),
                Policy {
                    command: r.get(3),
                    permissive: r.get(4),
                    roles: r.get(5),
                    using: r.get(6),
                    with_check: r.get(7),
                    comment: r.get(8),
                },
            );
        }
    }
    for r in client.query(TRIGGERS, &[&schemas])? {
        if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
            t.triggers.insert(r.get(2), r.get(3));
        }
    }
    Ok(())
}

/// Reads every object of the scope's schemas, plus the triggers and policies of its external
/// tables, publications, buckets, schema and default privileges.
pub fn introspect_scope(
    client: &mut impl GenericClient,
    scope: &Scope,
) -> Result<Catalog, postgres::Error> {
    let schemas = &scope.schemas;
    let mut cat = Catalog::default();
    for r in client.query(SCHEMAS, &[schemas])? {
        cat.schemas.insert(r.get(0));
    }
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
    policies_and_triggers(client, s, &mut cat.tables)?;
    for r in client.query(FUNCTIONS, &[s])? {
        let grantees: Vec<String> = r.get(5);
        let privileges: Vec<String> = r.get(6);
        cat.function_grants.insert(
            (r.get(0), r.get(1), r.get(2)),
            grantees.into_iter().zip(privileges).collect(),
        );
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
                columns: r.get(5),
            },
        );
    }
    cat.kinds = crate::kinds::read_all(client, &scope.schemas)?;
    if let Some(declared) = &scope.declared_sequences {
        cat.kinds
            .sequences
            .retain(|name, s| s.owned_by.is_none() || declared.contains(name));
    }
    for r in client.query(MATVIEWS, &[s])? {
        cat.materialized_views.insert(
            (r.get(0), r.get(1)),
            crate::catalog::MaterializedView {
                definition: r.get(2),
                indexes: named(&r, 3, 4),
                comment: r.get(5),
            },
        );
    }
    for r in client.query(DOMAINS, &[s])? {
        cat.domains.insert(
            (r.get(0), r.get(1)),
            crate::catalog::Domain {
                base: r.get(2),
                not_null: r.get(3),
                default: r.get(4),
                checks: named(&r, 5, 6),
                comment: r.get(7),
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
        let grantee: Option<String> = r.get(2);
        let privilege: Option<String> = r.get(3);
        if r.get::<_, bool>(4) {
            let privs = cat.sequence_grants.entry((r.get(0), r.get(1))).or_default();
            if let (Some(g), Some(p)) = (grantee, privilege) {
                privs.insert((g, p));
            }
        } else if let (Some(g), Some(p)) = (grantee, privilege) {
            cat.grants.insert((r.get(0), r.get(1), g, p));
        }
    }
    if !scope.external_tables.is_empty() {
        let mut ext_schemas: Vec<String> = scope
            .external_tables
            .iter()
            .map(|(s, _)| s.clone())
            .collect();
        ext_schemas.sort();
        ext_schemas.dedup();
        for key in &scope.external_tables {
            cat.external.insert(key.clone(), Table::default());
        }
        policies_and_triggers(client, &ext_schemas, &mut cat.external)?;
    }
    for r in client.query(PUBLICATIONS, &[])? {
        let ops = [(1, "insert"), (2, "update"), (3, "delete"), (4, "truncate")]
            .iter()
            .filter(|(i, _)| r.get::<_, bool>(*i))
            .map(|(_, o)| o.to_string())
            .collect();
        let schemas: Vec<String> = r.get(5);
        let tables: Vec<String> = r.get(6);
        cat.publications.insert(
            r.get(0),
            Publication {
                operations: ops,
                tables: schemas.into_iter().zip(tables).collect(),
            },
        );
    }
    if scope.buckets {
        let exists: bool = client
            .query_one("SELECT to_regclass('storage.buckets') IS NOT NULL", &[])?
            .get(0);
        if exists {
            for r in client.query(BUCKETS, &[])? {
                cat.buckets.insert(
                    r.get(0),
                    Bucket {
                        public: r.get::<_, Option<bool>>(1).unwrap_or(false),
                        file_size_limit: r.get(2),
                        allowed_mime_types: r.get(3),
                    },
                );
            }
        }
    }
    if !scope.privilege_schemas.is_empty() {
        let ps = &scope.privilege_schemas;
        for r in client.query(SCHEMA_GRANTS, &[ps])? {
            cat.schema_grants.insert((r.get(0), r.get(1), r.get(2)));
        }
        for r in client.query(DEFAULT_PRIVILEGES, &[ps])? {
            cat.default_privileges
                .insert((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
    }
    Ok(cat)
}
