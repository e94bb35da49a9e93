//! Table and column references inside SQL fragments, resolved against the model.
//!
//! PostgreSQL rejects `CREATE POLICY`, `CREATE VIEW` and `ADD CONSTRAINT … CHECK` when a name
//! in them does not resolve: `FROM taskz`, `p.title` where `p` has no `title`. gen would
//! only find out half-way through the migration, so check resolves them first, the way the
//! server does: each `SELECT` is a scope of the relations in its `FROM` (tables by name or
//! alias, joins included), subqueries (`EXISTS (…)`, `IN (…)`, scalar ones) see the scopes
//! around them, and a policy's or check's outermost scope is its own table.
//!
//! Only certain findings are reported. A name is unknown only when nothing could provide
//! it: CTE names, relations returned by functions, derived tables, views and tables
//! outside the project have columns schemac does not know, so an unqualified column next
//! to one of them is never reported; tables qualified with a schema the project does not
//! manage, and `external:` ones, are someone else's; `pg_…` names are the catalog's.
//!
//! A fragment is reduced to a small [`Scope`] tree once ([`crate::sql::refs`]) (kept in a policy condition's
//! [`crate::sql::parse::Facts`], so the parse is shared with the other checks), and
//! resolved by [`resolve`].

use crate::model::{Model, QualName};
pub use crate::sql::refs::{of_expr, of_query, ColRef, Rel, Scope};

/// Columns every table has.
const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"];

/// What a relation of a scope turned out to be.
#[derive(Debug, Clone)]
struct Resolved {
    /// The name references use: the alias, else the table's own name.
    name: String,
    /// The table (None: a CTE, a function, something unknown).
    table: Option<QualName>,
    /// Its columns, when known for certain.
    columns: Option<Vec<String>>,
}

/// A reference that cannot resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// `FROM name`: no such table or view (`name` as written, folded).
    UnknownTable { name: QualName, written: String },
    /// A column `column` that none of the relations that could hold it has. `table`: the
    /// one relation it was asked of (`q.c`), or None for an unqualified name (then
    /// `tables` lists where it was looked for).
    UnknownColumn {
        column: String,
        qualifier: Option<String>,
        table: Option<QualName>,
        tables: Vec<QualName>,
    },
}

/// The scope a policy condition or check starts in: its own table.
#[derive(Debug, Clone, Copy)]
pub struct Outer<'a> {
    pub table: &'a QualName,
    /// None when its columns are not known (an external table schemac does not describe).
    pub columns: Option<&'a indexmap::IndexMap<String, crate::model::SqlType>>,
}

/// Resolves every reference of `root` (from [`of_expr`] with `outer`, or [`of_query`]).
pub fn resolve(m: &Model, root: &Scope, outer: Option<Outer>) -> Vec<Finding> {
    let mut out = Vec::new();
    let base = outer.map(|o| {
        vec![Resolved {
            name: o.table.name.clone(),
            table: Some(o.table.clone()),
            columns: o.columns.map(|c| c.keys().cloned().collect()),
        }]
    });
    let mut stack: Vec<(Vec<Resolved>, Vec<String>)> = Vec::new();
    if let Some(b) = base {
        stack.push((b, Vec::new()));
    }
    walk(m, root, &mut stack, &mut out);
    out.sort_by_key(|f| format!("{f:?}"));
    out.dedup();
    out
}

fn walk(
    m: &Model,
    s: &Scope,
    stack: &mut Vec<(Vec<Resolved>, Vec<String>)>,
    out: &mut Vec<Finding>,
) {
    let ctes: Vec<String> = s.ctes.clone();
    // CTE names are visible in this scope and all below it.
    let visible_cte = |name: &str, stack: &[(Vec<Resolved>, Vec<String>)]| {
        ctes.iter().any(|c| c == name) || stack.iter().any(|(_, c)| c.iter().any(|c| c == name))
    };
    let mut here = Vec::new();
    for r in &s.rels {
        here.push(match r {
            Rel::Opaque { alias } => Resolved {
                name: alias.clone().unwrap_or_default(),
                table: None,
                columns: None,
            },
            Rel::Named { parts, alias } => {
                let own = parts.last().cloned().unwrap_or_default();
                let name = alias.clone().unwrap_or_else(|| own.clone());
                if parts.len() == 1 && visible_cte(&own, stack) {
                    Resolved {
                        name,
                        table: None,
                        columns: None,
                    }
                } else {
                    let (table, columns) = relation(m, parts, out);
                    Resolved {
                        name,
                        table,
                        columns,
                    }
                }
            }
        });
    }
    stack.push((here, ctes.clone()));
    for c in &s.cols {
        if let Some(f) = column(c, stack) {
            out.push(f);
        }
    }
    for child in &s.children {
        walk(m, child, stack, out);
    }
    stack.pop();
}

/// Looks a `FROM` name up: (the table, its columns when known). Reports a table that
/// certainly does not exist.
fn relation(
    m: &Model,
    parts: &[String],
    out: &mut Vec<Finding>,
) -> (Option<QualName>, Option<Vec<String>>) {
    let q = match parts {
        [t] => {
            if t.starts_with("pg_") {
                return (None, None);
            }
            QualName::new("public", t)
        }
        [s, t] => QualName::new(s, t),
        _ => return (None, None),
    };
    if let Some(t) = m.tables.get(&q) {
        return (
            Some(q),
            Some(m.column_owner(t).columns.keys().cloned().collect()),
        );
    }
    if m.views.contains_key(&q) || m.materialized_views.contains_key(&q) {
        return (Some(q), None);
    }
    if m.is_external_table(&q) {
        let cols = m.knows_external_columns(&q).then(|| {
            crate::model::external_columns(&q)
                .iter()
                .map(|(c, _)| c.to_string())
                .collect()
        });
        return (Some(q), cols);
    }
    // Only a schema the project manages is known to lack the table.
    if m.config.schemas.contains(&q.schema) {
        out.push(Finding::UnknownTable {
            written: parts.join("."),
            name: q,
        });
    }
    (None, None)
}

fn column(c: &ColRef, stack: &[(Vec<Resolved>, Vec<String>)]) -> Option<Finding> {
    if SYSTEM_COLUMNS.contains(&c.column.as_str()) {
        return None;
    }
    match c.qualifier.as_slice() {
        [] => {
            let mut looked = Vec::new();
            for (rels, _) in stack.iter().rev() {
                let mut certain = true;
                for r in rels {
                    // A whole-row reference names the relation itself.
                    if r.name == c.column {
                        return None;
                    }
                    match &r.columns {
                        Some(cols) if cols.contains(&c.column) => return None,
                        Some(_) => looked.extend(r.table.clone()),
                        None => certain = false,
                    }
                }
                if !certain {
                    return None;
                }
            }
            (!looked.is_empty()).then(|| Finding::UnknownColumn {
                column: c.column.clone(),
                qualifier: None,
                table: None,
                tables: looked,
            })
        }
        [.., q] => {
            let schema = (c.qualifier.len() == 2).then(|| c.qualifier[0].as_str());
            for (rels, _) in stack.iter().rev() {
                let hit = rels.iter().find(|r| {
                    r.name == *q
                        && schema.is_none_or(|s| r.table.as_ref().is_some_and(|t| t.schema == s))
                });
                if let Some(r) = hit {
                    return match &r.columns {
                        Some(cols) if !cols.contains(&c.column) => Some(Finding::UnknownColumn {
                            column: c.column.clone(),
                            qualifier: Some(c.qualifier.join(".")),
                            table: r.table.clone(),
                            tables: Vec::new(),
                        }),
                        _ => None,
                    };
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse::{parse_expr, parse_query};

    fn model() -> Model {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schemac.yaml"), "schemac: 1\n").unwrap();
        std::fs::write(
            dir.path().join("t.yaml"),
            "tables:\n  tasks:\n    columns:\n      id: uuid\n      title: text\n      owner_id: uuid\n  members:\n    columns:\n      org_id: uuid\n      user_id: uuid\nviews:\n  v: { query: \"SELECT id FROM tasks\" }\n",
        )
        .unwrap();
        crate::compile(dir.path(), "p").unwrap()
    }

    fn on_tasks(m: &Model, text: &str) -> Vec<String> {
        let t = QualName::new("public", "tasks");
        let cols = m.tables[&t].column_types();
        let scope = of_expr(&parse_expr(text).unwrap());
        resolve(
            m,
            &scope,
            Some(Outer {
                table: &t,
                columns: Some(&cols),
            }),
        )
        .iter()
        .map(|f| match f {
            Finding::UnknownTable { written, .. } => format!("table {written}"),
            Finding::UnknownColumn {
                column, qualifier, ..
            } => format!(
                "column {}{column}",
                qualifier
                    .as_ref()
                    .map_or(String::new(), |q| format!("{q}."))
            ),
        })
        .collect()
    }

    fn view(m: &Model, text: &str) -> Vec<Finding> {
        resolve(m, &of_query(&parse_query(text).unwrap()), None)
    }

    #[test]
    fn policy_conditions_resolve_aliases_joins_and_subqueries() {
        let m = model();
        assert!(on_tasks(&m, "owner_id = (SELECT auth.uid())").is_empty());
        assert!(on_tasks(
            &m,
            "EXISTS (SELECT 1 FROM members m JOIN tasks t2 ON t2.id = tasks.id WHERE m.user_id = owner_id AND t2.title <> '')"
        )
        .is_empty());
        assert_eq!(
            on_tasks(&m, "EXISTS (SELECT 1 FROM taskz)"),
            ["table taskz"]
        );
        assert_eq!(
            on_tasks(&m, "EXISTS (SELECT 1 FROM members p WHERE p.title = 'x')"),
            ["column p.title"]
        );
        assert_eq!(
            on_tasks(
                &m,
                "EXISTS (SELECT 1 FROM members m WHERE m.user_id = ownr_id)"
            ),
            ["column ownr_id"]
        );
        assert_eq!(on_tasks(&m, "tasks.titel = 'x'"), ["column tasks.titel"]);
    }

    #[test]
    fn only_certain_findings_are_reported() {
        let m = model();
        for text in [
            // a function's rows, a CTE, a derived table, a view: columns unknown
            "EXISTS (SELECT 1 FROM unnest(ARRAY[1]) WHERE anything = 1)",
            "EXISTS (WITH x AS (SELECT 1 AS a) SELECT 1 FROM x WHERE a = 1)",
            "EXISTS (SELECT 1 FROM (SELECT 1 AS a) d WHERE d.a = 1 AND a = 1)",
            "EXISTS (SELECT 1 FROM v WHERE v.whatever = 1)",
            // outside the project: another schema, the catalog, external tables
            "EXISTS (SELECT 1 FROM billing.invoices i WHERE i.x = 1)",
            "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user)",
            "EXISTS (SELECT 1 FROM auth.users u WHERE u.id = owner_id)",
            // system columns, whole-row references
            "ctid IS NOT NULL AND row_to_json(tasks) IS NOT NULL",
        ] {
            assert!(
                on_tasks(&m, text).is_empty(),
                "{text}: {:?}",
                on_tasks(&m, text)
            );
        }
        assert_eq!(
            on_tasks(&m, "EXISTS (SELECT 1 FROM auth.users u WHERE u.nope = 1)"),
            ["column u.nope"]
        );
    }

    #[test]
    fn views_resolve_their_from_clauses() {
        let m = model();
        assert!(view(
            &m,
            "SELECT t.id, m.user_id FROM tasks t LEFT JOIN members m ON m.user_id = t.owner_id"
        )
        .is_empty());
        assert_eq!(view(&m, "SELECT id FROM taskz").len(), 1);
        assert_eq!(view(&m, "SELECT t.nope FROM tasks t").len(), 1);
        assert_eq!(
            view(
                &m,
                "SELECT nope FROM tasks UNION SELECT user_id FROM members"
            )
            .len(),
            1
        );
        // ORDER BY may name an output column
        assert!(view(&m, "SELECT title AS name FROM tasks ORDER BY name").is_empty());
    }
}
