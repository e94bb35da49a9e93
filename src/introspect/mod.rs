//! Reading a [`Catalog`] from a live database.
//!
//! One query per object kind (`queries/*.sql`, embedded), each covering every managed schema
//! at once, so the number of round trips is constant ([`ROUND_TRIPS`] at most) whatever the
//! size of the schema. The queries are listed first ([`Query`], [`queries`]) and their rows
//! turned into a catalog afterwards ([`build`]), so that they can run one after the other on
//! one connection ([`introspect_scope`], inside a caller's transaction) or on several
//! connections at once inside one snapshot ([`read_parallel`], several databases together):
//! the catalog is the same either way, built in the same order. The queries return rows in
//! no particular order (a server-side sort by name cost up to a fifth of a query): `build`
//! files each row under its names, and sorts a table's columns by number itself. Queries that
//! read what belongs to tables read the tables first (`queries/tables_cte.sql`), so that
//! what is tested per table is tested once. A diff of two databases reads
//! constraints, indexes, triggers and policies by form ([`forms`]) and has them deparsed only
//! when the databases differ.

use crate::catalog::{
    Bucket, Catalog, Column, Constraint, Function, Partition, Policy, Publication, Scope, Table,
    View,
};
use crate::pg::Reads;
use postgres::Row;

pub mod forms;

const TABLES: &str = include_str!("queries/tables.sql");
/// Columns of the scope's tables (parameters as `queries/tables_cte.sql`, which it follows).
const COLUMNS: &str = concat!(
    include_str!("queries/tables_cte.sql"),
    include_str!("queries/columns.sql")
);
/// Constraints of the scope's tables (its parameters are those of `queries/tables_cte.sql`,
/// which it follows, and `$4`, by form).
pub const CONSTRAINTS: &str = concat!(
    include_str!("queries/tables_cte.sql"),
    include_str!("queries/constraints.sql")
);
/// Indexes of the scope's tables that belong to no constraint (parameters as
/// [`CONSTRAINTS`]').
pub const INDEXES: &str = concat!(
    include_str!("queries/tables_cte.sql"),
    include_str!("queries/indexes.sql")
);
const POLICIES: &str = include_str!("queries/policies.sql");
const TRIGGERS: &str = include_str!("queries/triggers.sql");
const FUNCTIONS: &str = include_str!("queries/functions.sql");
const VIEWS: &str = include_str!("queries/views.sql");
const ENUMS: &str = include_str!("queries/enums.sql");
const EXTENSIONS: &str = include_str!("queries/extensions.sql");
const GRANTS: &str = include_str!("queries/grants.sql");
const OWNERS: &str = include_str!("queries/owners.sql");

const PUBLICATIONS: &str = include_str!("queries/publications.sql");
const SCHEMAS: &str = include_str!("queries/schemas.sql");
const BUCKETS: &str = include_str!("queries/buckets.sql");
const SCHEMA_GRANTS: &str = include_str!("queries/schema_grants.sql");
const DEFAULT_PRIVILEGES: &str = include_str!("queries/default_privileges.sql");
const DOMAINS: &str = include_str!("queries/domains.sql");
const MATVIEWS: &str = include_str!("queries/matviews.sql");
const DEPENDENCY_NAMES: &str = include_str!("queries/dependency_names.sql");
const DEPENDENCY_EDGES: &str = include_str!("queries/dependency_edges.sql");
const FORMS: &str = include_str!("queries/forms.sql");

/// The most queries [`introspect_scope`] runs (its round trips), whatever the schema's size.
pub const ROUND_TRIPS: usize = 23 + crate::kinds::QUERIES;

/// What depends on what among the objects of `schemas` (one query): the order a plan's
/// statements must run in. Read apart from [`introspect_scope`] because a clean diff needs
/// none of it.
pub fn dependencies(
    client: &mut impl Reads,
    schemas: &[String],
) -> Result<crate::catalog::Deps, postgres::Error> {
    let scope = Scope {
        schemas: schemas.to_vec(),
        ..Scope::default()
    };
    let list = [Query::DependencyNames, Query::DependencyEdges];
    let rows = list
        .iter()
        .map(|q| q.run(client, &scope, Share::ALL))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(build(&scope, &list, rows).deps)
}

/// Two parallel array columns (names, definitions) as a name → definition map.
fn named(r: &Row, names: usize, defs: usize) -> std::collections::BTreeMap<String, String> {
    let n: Vec<String> = r.get(names);
    let d: Vec<String> = r.get(defs);
    n.into_iter().zip(d).collect()
}

/// The text of the object of row `r` (schema, table, name, …, `oid`): its form or
/// placeholder when it was read by form (`by_form`, from [`forms`]), recorded in `deferred`
/// for [`forms::resolve`]; else its definition, column `col`.
fn text_or_form(
    deferred: &mut Vec<(crate::catalog::Name, String, i64, bool)>,
    r: &Row,
    by_form: Option<(String, bool)>,
    col: usize,
) -> String {
    match by_form {
        Some((text, formed)) => {
            deferred.push(((r.get(0), r.get(1)), r.get(2), r.get("oid"), formed));
            text
        }
        None => r.get(col),
    }
}

/// Fills the policies and triggers of the tables already in `tables` from their rows (with
/// the texts of the policies' conditions and of the triggers read by form, row by row); the
/// trigger rows of relations that are not tables (views) are returned.
fn policies_and_triggers(
    policies: &[Row],
    formed: Option<Vec<(Option<String>, Option<String>)>>,
    triggers: (Vec<Row>, Option<Vec<String>>),
    tables: &mut std::collections::BTreeMap<crate::catalog::Name, Table>,
) -> Vec<Row> {
    let mut formed = formed.map(Vec::into_iter);
    for r in policies.iter() {
        let (using, with_check) = match formed.as_mut().and_then(Iterator::next) {
            Some(texts) => texts,
            None => (r.get(6), r.get(7)),
        };
        if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
            t.policies.insert(
                r.get(2),
                Policy {
                    command: r.get(3),
                    permissive: r.get(4),
                    roles: r.get(5),
                    using,
                    with_check,
                    comment: r.get(8),
                },
            );
        }
    }
    let mut rest = Vec::new();
    let (triggers, texts) = triggers;
    let mut texts = texts.map(Vec::into_iter);
    for r in triggers {
        let text = texts.as_mut().and_then(Iterator::next);
        if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
            t.triggers
                .insert(r.get(2), text.unwrap_or_else(|| r.get(3)));
            if let Some(c) = r.get::<_, Option<String>>(5) {
                t.trigger_comments.insert(r.get(2), c);
            }
        } else {
            rest.push(r);
        }
    }
    rest
}

/// One catalog query of a scope. [`queries`] lists those a scope needs; each runs alone
/// ([`Query::run`]), on any connection, and [`build`] reads their rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Query {
    Schemas,
    Tables,
    Columns,
    Constraints,
    Indexes,
    Policies,
    Triggers,
    Functions,
    Views,
    /// The catalog query of the registered kind at this index ([`crate::kinds::KIND_QUERIES`]).
    Kind(usize),
    MaterializedViews,
    Domains,
    Enums,
    Extensions,
    Grants,
    Owners,
    /// The policies and triggers of the scope's external tables.
    ExternalPolicies,
    ExternalTriggers,
    Publications,
    /// storage.buckets when the table exists (two statements, one after the other).
    Buckets,
    SchemaGrants,
    DefaultPrivileges,
    /// The objects dependencies are reported between, with their pg_depend addresses.
    DependencyNames,
    /// pg_depend's edges, joined to the names by [`build`].
    DependencyEdges,
    /// What the forms of a catalog read by form depend on ([`forms::Context`]).
    Forms,
}

/// The schemas of the scope's external tables, sorted.
fn external_schemas(scope: &Scope) -> Vec<String> {
    let mut s: Vec<String> = scope
        .external_tables
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    s.sort();
    s.dedup();
    s
}

/// A share of the tables: those whose oid is `index` modulo `of`. The queries that deparse
/// what belongs to tables ([`Query::by_table`]) can be split this way over several
/// connections, each of which then builds the server's caches for its own tables only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    pub of: i64,
    pub index: i64,
}

impl Share {
    /// Every table.
    pub const ALL: Share = Share { of: 1, index: 0 };
}

impl Query {
    /// Whether the query reads what belongs to tables, and can be split by [`Share`].
    pub fn by_table(self) -> bool {
        matches!(
            self,
            Query::Tables
                | Query::Columns
                | Query::Constraints
                | Query::Indexes
                | Query::Policies
                | Query::Triggers
                | Query::ExternalPolicies
                | Query::ExternalTriggers
        )
    }

    /// Runs the query for `scope`; its rows, for [`build`]. `share` applies to the
    /// [`Query::by_table`] queries only.
    pub fn run(
        self,
        client: &mut impl Reads,
        scope: &Scope,
        share: Share,
    ) -> Result<Vec<Row>, postgres::Error> {
        let s = &scope.schemas;
        let ps = &scope.privilege_schemas;
        let (of, index) = (&share.of, &share.index);
        match self {
            Query::Schemas => client.rows(SCHEMAS, &[s]),
            Query::Tables => client.rows(TABLES, &[s, of, index]),
            Query::Columns => client.rows(COLUMNS, &[s, of, index]),
            Query::Constraints => {
                client.rows(CONSTRAINTS, &[s, of, index, &scope.by_form.is_some()])
            }
            Query::Indexes => client.rows(INDEXES, &[s, of, index, &scope.by_form.is_some()]),
            Query::Policies => client.rows(POLICIES, &[s, of, index, &scope.by_form.is_some()]),
            Query::Triggers => client.rows(TRIGGERS, &[s, of, index, &scope.by_form.is_some()]),
            Query::Functions => client.rows(FUNCTIONS, &[s]),
            Query::Views => client.rows(VIEWS, &[s]),
            Query::Kind(i) => match crate::kinds::KIND_QUERIES.get(i) {
                Some(q) => client.rows(q, &[s]),
                None => Ok(Vec::new()),
            },
            Query::MaterializedViews => client.rows(MATVIEWS, &[s]),
            Query::Domains => client.rows(DOMAINS, &[s]),
            Query::Enums => client.rows(ENUMS, &[s]),
            Query::Extensions => client.rows(EXTENSIONS, &[]),
            Query::Grants => client.rows(GRANTS, &[s]),
            Query::Owners => client.rows(OWNERS, &[s]),
            Query::ExternalPolicies => {
                client.rows(POLICIES, &[&external_schemas(scope), of, index, &false])
            }
            Query::ExternalTriggers => {
                client.rows(TRIGGERS, &[&external_schemas(scope), of, index, &false])
            }
            Query::Publications => client.rows(PUBLICATIONS, &[]),
            Query::Buckets => {
                let exists = client
                    .rows("SELECT to_regclass('storage.buckets') IS NOT NULL", &[])?
                    .first()
                    .is_some_and(|r| r.get::<_, bool>(0));
                if exists {
                    client.rows(BUCKETS, &[])
                } else {
                    Ok(Vec::new())
                }
            }
            Query::SchemaGrants => client.rows(SCHEMA_GRANTS, &[ps]),
            Query::DefaultPrivileges => client.rows(DEFAULT_PRIVILEGES, &[ps]),
            Query::DependencyNames => {
                let (catalogs, nouns) = crate::kinds::dependency_catalogs();
                client.rows(DEPENDENCY_NAMES, &[s, &catalogs, &nouns])
            }
            Query::DependencyEdges => {
                client.rows(DEPENDENCY_EDGES, &[&crate::kinds::dependency_catalogs().0])
            }
            Query::Forms => client.rows(FORMS, &[s]),
        }
    }
}

/// The queries that read `scope` (and its dependencies when `deps`), the longest first:
/// connections reading in parallel take them in this order, so the last to finish is short.
pub fn queries(scope: &Scope, deps: bool) -> Vec<Query> {
    let mut out = Vec::new();
    if deps {
        out.extend([Query::DependencyNames, Query::DependencyEdges]);
    }
    out.extend([
        Query::Functions,
        Query::Columns,
        Query::Constraints,
        Query::Indexes,
        Query::Policies,
        Query::Triggers,
        Query::Views,
        Query::Grants,
        Query::Tables,
    ]);
    out.extend((0..crate::kinds::QUERIES).map(Query::Kind));
    out.extend([Query::MaterializedViews, Query::Domains]);
    out.extend([
        Query::Enums,
        Query::Owners,
        Query::Schemas,
        Query::Extensions,
        Query::Publications,
    ]);
    if scope.by_form.is_some() {
        out.push(Query::Forms);
    }
    if !scope.external_tables.is_empty() {
        out.extend([Query::ExternalPolicies, Query::ExternalTriggers]);
    }
    if scope.buckets {
        out.push(Query::Buckets);
    }
    if !scope.privilege_schemas.is_empty() {
        out.extend([Query::SchemaGrants, Query::DefaultPrivileges]);
    }
    out
}

/// Reads every object of the scope's schemas, plus the triggers and policies of its external
/// tables, publications, buckets, schema and default privileges, one query after the other
/// on `client` (inside its transaction, if it is one).
pub fn introspect_scope(
    client: &mut impl Reads,
    scope: &Scope,
) -> Result<Catalog, postgres::Error> {
    let list = queries(scope, false);
    let rows = list
        .iter()
        .map(|q| q.run(client, scope, Share::ALL))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(build(scope, &list, rows))
}

/// One database for [`read_parallel`].
pub struct Source<'a> {
    /// Its connection settings.
    pub cfg: postgres::Config,
    /// Its URL, for messages only.
    pub url: &'a str,
    pub scope: &'a Scope,
    /// Also read what depends on what ([`dependencies`]).
    pub deps: bool,
    /// How many connections to read it with, at most.
    pub connections: usize,
    /// From how many relations of its own it is read on more than one connection
    /// ([`crate::pg::snapshot::PARALLEL_FROM`]).
    pub parallel_from: i64,
}

/// Reads the catalogs of several databases at once, each on `connections` connections
/// inside one exported snapshot ([`crate::pg::snapshot`]); returns, for each, its first
/// connection (for the caller's next queries) and its catalog, in the order of `sources`.
/// The number of queries is that of [`introspect_scope`] (plus one for the dependencies),
/// whatever the schema's size.
pub fn read_parallel<'a>(
    sources: &'a [Source<'a>],
) -> Result<Vec<(postgres::Client, Catalog)>, crate::pg::snapshot::SideError> {
    use crate::pg::snapshot::{read, Job, Side, SideError};
    // Each connection reads its share of the tables (all that belongs to them); the other
    // queries go to whichever connection is free.
    let lists: Vec<Vec<(Query, Share, Option<usize>)>> = sources
        .iter()
        .map(|src| {
            let n = src.connections.max(1);
            let mut list = Vec::new();
            for q in queries(src.scope, src.deps) {
                if q.by_table() && n > 1 {
                    for k in 0..n {
                        let share = Share {
                            of: n as i64,
                            index: k as i64,
                        };
                        list.push((q, share, Some(k)));
                    }
                } else {
                    list.push((q, Share::ALL, None));
                }
            }
            list
        })
        .collect();
    // Each database is read on a thread of its own and its catalog built there as soon as
    // its rows are in, while the other may still be reading.
    let side_of = |src: &'a Source<'a>, list: &[(Query, Share, Option<usize>)]| Side {
        cfg: src.cfg.clone(),
        url: src.url,
        connections: src.connections,
        parallel_from: src.parallel_from,
        jobs: list
            .iter()
            .map(|&(q, share, on)| {
                let scope = src.scope;
                Job {
                    run: Box::new(move |c: &mut postgres::Client| q.run(c, scope, share)),
                    on,
                }
            })
            .collect(),
    };
    let results: Vec<Result<(postgres::Client, Catalog), SideError>> = std::thread::scope(|s| {
        let handles: Vec<_> = sources
            .iter()
            .zip(&lists)
            .enumerate()
            .map(|(i, (src, list))| {
                s.spawn(move || {
                    let side_error = |error| SideError { side: i, error };
                    let read = read(vec![side_of(src, list)])
                        .map_err(|e| side_error(e.error))?
                        .pop()
                        .ok_or_else(|| {
                            side_error(crate::pg::PgError::Query {
                                what: "reading the catalog".into(),
                                message: "no catalog was read".into(),
                            })
                        })?;
                    let queries: Vec<Query> = list.iter().map(|&(q, _, _)| q).collect();
                    Ok((read.client, build(src.scope, &queries, read.rows)))
                })
            })
            .collect();
        handles
            .into_iter()
            // A panic while reading or building is a bug; let it surface as one.
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    results.into_iter().collect()
}

/// The catalog of `scope` from the rows of `list`'s queries (`rows[i]` answers `list[i]`;
/// a query listed more than once, for shares of the tables, has its rows joined in order).
pub fn build(scope: &Scope, list: &[Query], rows: Vec<Vec<Row>>) -> Catalog {
    let mut by: std::collections::HashMap<Query, Vec<Row>> = std::collections::HashMap::new();
    for (q, r) in list.iter().zip(rows) {
        // Moved, not copied: most queries run once (a copy of 10 000 rows faulted in
        // fresh pages for nothing).
        match by.entry(*q) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(r);
            }
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().extend(r),
        }
    }
    let mut take = |q: Query| by.remove(&q).unwrap_or_default();
    let mut cat = Catalog::default();
    for r in take(Query::Schemas) {
        cat.schemas.insert(r.get(0));
    }
    for r in take(Query::Tables) {
        cat.tables.insert(
            (r.get(0), r.get(1)),
            Table {
                rls_enabled: r.get(2),
                rls_forced: r.get(3),
                comment: r.get(4),
                partition_by: r.get(5),
                partition_of: match (r.get(6), r.get(7), r.get(8)) {
                    (Some(schema), Some(name), Some(bound)) => Some(Partition {
                        parent: (schema, name),
                        bound,
                    }),
                    _ => None,
                },
                unlogged: r.get("unlogged"),
                inherits: r
                    .get::<_, Vec<String>>("inherits_schemas")
                    .into_iter()
                    .zip(r.get::<_, Vec<String>>("inherits_names"))
                    .collect(),
                ..Table::default()
            },
        );
    }
    // Read by form: what the forms depend on, and each table's columns by number.
    let form_rows = take(Query::Forms);
    let cx = form_rows
        .first()
        .zip(scope.by_form.clone())
        .map(|(r, table)| forms::Context::from_row(r, table));
    let mut attnums = forms::Columns::default();
    if let Some(r) = form_rows.first() {
        attnums.add_referenced(r);
    }
    // The query leaves the order to us: a table's columns go in by number.
    let mut columns = take(Query::Columns);
    columns.sort_by_cached_key(|r| (r.get::<_, i64>("relid"), r.get::<_, i16>("attnum")));
    for r in columns {
        if cx.is_some() {
            attnums.add(r.get("relid"), r.get("attnum"), r.get(2), || {
                (r.get(0), r.get(1))
            });
        }
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.columns.push(Column {
                name: r.get(2),
                ty: r.get(3),
                collation: r.get("collation"),
                not_null: r.get(4),
                default: r.get(5),
                generated: r.get(6),
                identity: r.get(7),
                comment: r.get(8),
                identity_options: r.get::<_, Option<String>>(9).map(|data_type| {
                    crate::kinds::sequence::SequenceDef {
                        data_type,
                        start: r.get(10),
                        increment: r.get(11),
                        min: r.get(12),
                        max: r.get(13),
                        cache: r.get(14),
                        cycle: r.get(15),
                        owned_by: None,
                        comment: None,
                    }
                }),
            });
        }
    }
    for r in take(Query::Constraints) {
        let Some(kind) = crate::catalog::ConstraintKind::from_contype(r.get(3)) else {
            continue;
        };
        let key: crate::catalog::Name = (r.get(0), r.get(1));
        let by_form = cx
            .as_ref()
            .and_then(|cx| forms::constraint_text(cx, &attnums, &key, kind, &r));
        let definition = text_or_form(&mut cat.deferred.constraints, &r, by_form, 4);
        if let Some(t) = cat.tables.get_mut(&key) {
            t.constraints
                .insert(r.get(2), Constraint { kind, definition });
            if let Some(c) = r.get::<_, Option<String>>(5) {
                t.constraint_comments.insert(r.get(2), c);
            }
        }
    }
    for r in take(Query::Indexes) {
        let by_form = cx
            .as_ref()
            .and_then(|cx| forms::index_text(cx, &attnums, &r));
        let definition = text_or_form(&mut cat.deferred.indexes, &r, by_form, 3);
        if let Some(t) = cat.tables.get_mut(&(r.get(0), r.get(1))) {
            t.indexes.insert(r.get(2), definition);
            if let Some(c) = r.get::<_, Option<String>>(4) {
                t.index_comments.insert(r.get(2), c);
            }
        }
    }
    let policies = take(Query::Policies);
    let formed = cx.as_ref().map(|cx| {
        policies
            .iter()
            .map(|r| {
                let key: crate::catalog::Name = (r.get(0), r.get(1));
                let relid = attnums.oid(&key);
                let tree = |col: &str| {
                    r.get::<_, Option<&str>>(col)
                        .map(|t| forms::tree_form(t, cx, |n| attnums.named(relid?, n)))
                };
                let oid: i64 = r.get("oid");
                let (u, c, whole) =
                    forms::policy_texts(tree("using_tree"), tree("check_tree"), oid);
                cat.deferred.policies.push((key, r.get(2), oid, whole));
                (u, c)
            })
            .collect::<Vec<_>>()
    });
    let triggers = take(Query::Triggers);
    let trigger_texts = cx.as_ref().map(|cx| {
        triggers
            .iter()
            .map(|r| {
                let by_form = forms::trigger_text(cx, &attnums, r);
                text_or_form(&mut cat.deferred.triggers, r, by_form, 3)
            })
            .collect::<Vec<_>>()
    });
    let view_triggers = policies_and_triggers(
        &policies,
        formed,
        (triggers, trigger_texts),
        &mut cat.tables,
    );
    for r in take(Query::Functions) {
        let grantees: Vec<String> = r.get(5);
        let privileges: Vec<String> = r.get(6);
        let grantable: Vec<bool> = r.get(7);
        for ((g, p), _) in grantees
            .iter()
            .zip(&privileges)
            .zip(&grantable)
            .filter(|(_, w)| **w)
        {
            let (s, n, args): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            cat.grant_options.insert((
                s,
                format!("{n}({args})"),
                String::new(),
                g.clone(),
                p.clone(),
            ));
        }
        let (by, to, passed): (Vec<String>, Vec<String>, Vec<String>) =
            (r.get(8), r.get(9), r.get(10));
        for ((grantor, grantee), p) in by.into_iter().zip(to).zip(passed) {
            let (s, n, args): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            cat.grants_passed_on.insert((
                s,
                format!("{n}({args})"),
                String::new(),
                grantor,
                grantee,
                p,
            ));
        }
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
    for r in take(Query::Views) {
        cat.views.insert(
            (r.get(0), r.get(1)),
            View {
                definition: r.get(2),
                options: r.get(3),
                comment: r.get(4),
                columns: r.get(5),
                ..View::default()
            },
        );
    }
    for r in view_triggers {
        if let Some(v) = cat.views.get_mut(&(r.get(0), r.get(1))) {
            v.triggers.insert(r.get(2), r.get(3));
            if let Some(c) = r.get::<_, Option<String>>(5) {
                v.trigger_comments.insert(r.get(2), c);
            }
        }
    }
    let kind_rows: Vec<Vec<Row>> = (0..crate::kinds::QUERIES)
        .map(|i| take(Query::Kind(i)))
        .collect();
    cat.kinds = crate::kinds::from_rows(&kind_rows, &mut cat.owners);
    if let Some(declared) = &scope.declared_sequences {
        cat.kinds
            .sequences
            .retain(|name, s| s.owned_by.is_none() || declared.contains(name));
    }
    for r in take(Query::MaterializedViews) {
        cat.materialized_views.insert(
            (r.get(0), r.get(1)),
            crate::catalog::MaterializedView {
                definition: r.get(2),
                indexes: named(&r, 3, 4),
                comment: r.get(5),
            },
        );
    }
    for r in take(Query::Domains) {
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
    for r in take(Query::Enums) {
        cat.enums.insert((r.get(0), r.get(1)), r.get(2));
        if let Some(c) = r.get::<_, Option<String>>(3) {
            cat.enum_comments.insert((r.get(0), r.get(1)), c);
        }
    }
    for r in take(Query::Extensions) {
        cat.extensions.insert(r.get(0), r.get(1));
    }
    for r in take(Query::Grants) {
        let grantee: Option<String> = r.get(2);
        let privilege: Option<String> = r.get(3);
        let column: Option<String> = r.get(5);
        if let (Some(by), Some(g), Some(p)) = (r.get::<_, Option<String>>(7), &grantee, &privilege)
        {
            cat.grants_passed_on.insert((
                r.get(0),
                r.get(1),
                column.clone().unwrap_or_default(),
                by,
                g.clone(),
                p.clone(),
            ));
        }
        if let (Some(g), Some(p), true) = (&grantee, &privilege, r.get::<_, bool>(6)) {
            cat.grant_options.insert((
                r.get(0),
                r.get(1),
                column.clone().unwrap_or_default(),
                g.clone(),
                p.clone(),
            ));
        }
        if let Some(c) = column {
            if let (Some(g), Some(p)) = (grantee, privilege) {
                cat.column_grants.insert((r.get(0), r.get(1), c, g, p));
            }
        } else if r.get::<_, bool>(4) {
            let privs = cat.sequence_grants.entry((r.get(0), r.get(1))).or_default();
            if let (Some(g), Some(p)) = (grantee, privilege) {
                privs.insert((g, p));
            }
        } else if let (Some(g), Some(p)) = (grantee, privilege) {
            cat.grants.insert((r.get(0), r.get(1), g, p));
        }
    }
    for r in take(Query::Owners) {
        let noun: String = r.get(0);
        if noun.is_empty() {
            cat.reader = r.get(3);
        } else {
            cat.owners.insert((noun, r.get(1), r.get(2)), r.get(3));
        }
    }
    if !scope.external_tables.is_empty() {
        for key in &scope.external_tables {
            cat.external.insert(key.clone(), Table::default());
        }
        policies_and_triggers(
            &take(Query::ExternalPolicies),
            None,
            (take(Query::ExternalTriggers), None),
            &mut cat.external,
        );
    }
    for r in take(Query::Publications) {
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
    for r in take(Query::Buckets) {
        cat.buckets.insert(
            r.get(0),
            Bucket {
                public: r.get::<_, Option<bool>>(1).unwrap_or(false),
                file_size_limit: r.get(2),
                allowed_mime_types: r.get(3),
            },
        );
    }
    for r in take(Query::SchemaGrants) {
        let key: (String, String, String) = (r.get(0), r.get(1), r.get(2));
        if r.get::<_, bool>(3) {
            cat.schema_grant_options.insert(key.clone());
        }
        cat.schema_grants.insert(key);
    }
    for r in take(Query::DefaultPrivileges) {
        cat.default_privileges
            .insert((r.get(0), r.get(1), r.get(2), r.get(3)));
    }
    cat.deps = dependency_edges(&take(Query::DependencyNames), &take(Query::DependencyEdges));
    cat
}

/// The edges of `edges` (pg_depend's, as the arrays of `queries/dependency_edges.sql`) whose
/// two ends `names` names (`queries/dependency_names.sql`), as (dependent, what it depends
/// on), each end named as schemac names objects. A sub-object that is not named itself (a
/// view's column) stands for its object; an edge within one named object is left out.
fn dependency_edges(names: &[Row], edges: &[Row]) -> crate::catalog::Deps {
    use crate::catalog::ObjKey;
    use postgres::types::Oid;
    type Address = (Oid, Oid, i32);
    // Each query answers with one row of arrays (none when it was not run).
    let (Some(n), Some(e)) = (names.first(), edges.first()) else {
        return Default::default();
    };
    let (classes, objects, subs): (Vec<Oid>, Vec<Oid>, Vec<i32>) = (n.get(0), n.get(1), n.get(2));
    let kinds: Vec<&str> = n.get(3);
    let schemas: Vec<&str> = n.get(4);
    let tables: Vec<Option<&str>> = n.get(5);
    let object_names: Vec<&str> = n.get(6);
    // Each query's arrays are of one length (one aggregate made them); past the shortest,
    // nothing is read.
    let shortest = |lens: &[usize]| lens.iter().copied().min().unwrap_or(0);
    let len = shortest(&[
        classes.len(),
        objects.len(),
        subs.len(),
        kinds.len(),
        schemas.len(),
        tables.len(),
        object_names.len(),
    ]);
    let mut at: foldhash::HashMap<Address, usize> = foldhash::HashMap::default();
    at.reserve(len);
    for i in 0..len {
        at.insert((classes[i], objects[i], subs[i]), i);
    }
    let find = |class: Oid, obj: Oid, sub: i32| {
        at.get(&(class, obj, sub))
            .or_else(|| at.get(&(class, obj, 0)))
            .copied()
    };
    // Names are keys only for the objects an edge joins.
    let key = |i: usize| (kinds[i], schemas[i], tables[i], object_names[i]);
    let (e0, e1, e2): (Vec<Oid>, Vec<Oid>, Vec<i32>) = (e.get(0), e.get(1), e.get(2));
    let (e3, e4, e5): (Vec<Oid>, Vec<Oid>, Vec<i32>) = (e.get(3), e.get(4), e.get(5));
    let edge_count = shortest(&[e0.len(), e1.len(), e2.len(), e3.len(), e4.len(), e5.len()]);
    let mut pairs: Vec<(usize, usize)> = (0..edge_count)
        .filter_map(|j| {
            let a = find(e0[j], e1[j], e2[j])?;
            let b = find(e3[j], e4[j], e5[j])?;
            (key(a) != key(b)).then_some((a, b))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let obj = |i: usize| ObjKey {
        kind: kinds[i].to_string(),
        schema: schemas[i].to_string(),
        table: tables[i].map(str::to_string),
        name: object_names[i].to_string(),
    };
    pairs.into_iter().map(|(a, b)| (obj(a), obj(b))).collect()
}
