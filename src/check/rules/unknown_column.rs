//! SC302 unknown-column: a key, index, exclusion constraint, foreign key, trigger's
//! `update_of` or a grant's `columns` naming a column the table does not have (on either side of the foreign key),
//! or a view query, check expression, generated
//! column or partial-index predicate referencing one, resolved through aliases, joins and
//! subqueries ([`crate::check::refs`]; policy conditions are SC507's). Only certain findings:
//! a column next to a CTE, a function's rows or a table outside the project is not reported.

use super::closest;
use crate::check::refs::{self, Finding, Outer};
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{external_column_type, IndexElem, Model, QualName, Sql, Table};

pub const RULE: Rule = Rule {
    code: "SC302",
    name: "unknown-column",
    severity: Severity::Error,
    summary: "a key, index, foreign key, trigger's update_of, grant's columns, view, check, generated column or index predicate names a column that does not exist",
    run,
};

/// Reports `col` when `t` lacks it; `role` names what refers to it (built only then).
fn missing(
    rule: &Rule,
    t: &Table,
    col: &str,
    loc: Loc,
    role: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    if t.columns.contains_key(col) {
        return;
    }
    let role = role();
    let hint = match closest(col, t.columns.keys().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!(
            "`{}` has the columns: {}",
            t.name,
            t.columns.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    };
    out.push(
        rule.diag(format!(
            "{role} names column `{col}`, which `{}` does not have",
            t.name
        ))
        .label(loc, "unknown column")
        .hint(hint),
    );
}

/// The columns of a relation, for hints.
fn columns_of(m: &Model, t: &QualName) -> Vec<String> {
    match m.tables.get(t) {
        Some(t) => m.column_owner(t).columns.keys().cloned().collect(),
        None => crate::model::external_columns(t)
            .iter()
            .map(|(c, _)| c.to_string())
            .collect(),
    }
}

/// Reports the unknown columns of one fragment (`what` names it: "view `v`").
fn fragment(
    m: &Model,
    rule: &Rule,
    findings: Vec<Finding>,
    sql: &Sql,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    for f in findings {
        let Finding::UnknownColumn {
            column: c,
            qualifier,
            table,
            tables,
        } = f
        else {
            continue;
        };
        let (shown, cols, msg) = match (&qualifier, &table) {
            (Some(q), Some(t)) => (
                t.clone(),
                columns_of(m, t),
                format!("{what} references `{q}.{c}`, but `{t}` has no column `{c}`"),
            ),
            _ => {
                let names: Vec<String> = tables.iter().map(|t| format!("`{t}`")).collect();
                let first = tables
                    .first()
                    .cloned()
                    .unwrap_or_else(|| QualName::new("public", ""));
                (
                    first,
                    tables.iter().flat_map(|t| columns_of(m, t)).collect(),
                    if names.len() == 1 {
                        format!(
                            "{what} references column `{c}`, which {} does not have",
                            names[0]
                        )
                    } else {
                        format!(
                            "{what} references column `{c}`, which none of {} has",
                            names.join(", ")
                        )
                    },
                )
            }
        };
        let hint = match closest(&c, cols.iter().map(String::as_str)) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("`{shown}` has the columns: {}", cols.join(", ")),
        };
        out.push(rule.diag(msg).label(sql.loc, "unknown column").hint(hint));
    }
}

/// Column references in views, checks, generated columns and index predicates.
fn fragments(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let queries = m
        .views
        .values()
        .map(|v| (&v.query, format!("view `{}`", v.name)))
        .chain(
            m.materialized_views
                .values()
                .map(|v| (&v.query, format!("materialized view `{}`", v.name))),
        );
    for (query, what) in queries {
        let Ok(q) = crate::sql::parse::parse_query(&query.text) else {
            continue;
        };
        let found = refs::resolve(m, &refs::of_query(&q), None);
        fragment(m, rule, found, query, &what, out);
    }
    for t in m.tables.values() {
        let cols = m.column_owner(t).column_types();
        let outer = Some(Outer {
            table: &t.name,
            columns: Some(&cols),
        });
        let mut exprs: Vec<(&Sql, String)> = t
            .checks
            .iter()
            .map(|ck| (&ck.expr, format!("check `{}` on `{}`", ck.name, t.name)))
            .collect();
        exprs.extend(t.columns.values().filter_map(|c| {
            c.generated
                .as_ref()
                .map(|g| (g, format!("generated column `{}` of `{}`", c.name, t.name)))
        }));
        exprs.extend(t.indexes.iter().filter_map(|ix| {
            ix.predicate
                .as_ref()
                .map(|w| (w, format!("the predicate of index `{}`", ix.name)))
        }));
        exprs.extend(t.exclusions.iter().filter_map(|x| {
            x.predicate.as_ref().map(|w| {
                (
                    w,
                    format!("the predicate of exclusion constraint `{}`", x.name),
                )
            })
        }));
        for (sql, what) in exprs {
            let Ok(f) = sql.facts() else { continue };
            let found = refs::resolve(m, &f.refs, outer);
            fragment(m, rule, found, sql, &what, out);
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    fragments(m, rule, out);
    // A trigger on a platform table (`auth.users`) whose columns schemac knows.
    for e in m.external.values() {
        if !m.knows_external_columns(&e.name) {
            continue;
        }
        for tr in e.triggers.values() {
            for (c, l) in &tr.update_of {
                if external_column_type(&e.name, c).is_none() {
                    out.push(
                        rule.diag(format!(
                            "trigger `{}` names column `{c}`, which `{}` does not have",
                            tr.name, e.name
                        ))
                        .label(*l, "unknown column")
                        .hint(format!(
                            "`{}` has the columns: {}",
                            e.name,
                            columns_of(m, &e.name).join(", ")
                        )),
                    );
                }
            }
        }
    }
    // Column privileges on a table (a view's columns are its query's).
    for g in m.grants.iter().filter(|g| !g.columns.is_empty()) {
        let Some(declared) = m.tables.get(&g.on) else {
            continue;
        };
        let owner = m.column_owner(declared);
        for (c, l) in &g.columns {
            missing(rule, owner.as_ref(), c, *l, || "a grant".to_string(), out);
        }
    }
    for declared in m.tables.values() {
        // A partition's columns are its parent's; a child's, its own and its parents'.
        let owner = m.column_owner(declared);
        let t = owner.as_ref();
        if let Some(pk) = &declared.primary_key {
            for (c, l) in &pk.columns {
                missing(rule, t, c, *l, || "the primary key".to_string(), out);
            }
        }
        for u in &declared.uniques {
            for (c, l) in &u.columns {
                missing(
                    rule,
                    t,
                    c,
                    *l,
                    || format!("unique constraint `{}`", u.name),
                    out,
                );
            }
        }
        for ix in &declared.indexes {
            for e in &ix.elems {
                if let IndexElem::Column(c, l) = e {
                    missing(rule, t, c, *l, || format!("index `{}`", ix.name), out);
                }
            }
            for (c, l) in &ix.include {
                missing(
                    rule,
                    t,
                    c,
                    *l,
                    || format!("index `{}` (include)", ix.name),
                    out,
                );
            }
        }
        for x in &declared.exclusions {
            let elems = x.elems.iter().filter_map(|e| match &e.elem {
                IndexElem::Column(c, l) => Some((c, l)),
                IndexElem::Expr(_) => None,
            });
            for (c, l) in elems.chain(x.include.iter().map(|(c, l)| (c, l))) {
                missing(
                    rule,
                    t,
                    c,
                    *l,
                    || format!("exclusion constraint `{}`", x.name),
                    out,
                );
            }
        }
        for tr in declared.triggers.values() {
            for (c, l) in &tr.update_of {
                missing(rule, t, c, *l, || format!("trigger `{}`", tr.name), out);
            }
        }
        for fk in &declared.foreign_keys {
            for (c, l) in &fk.columns {
                missing(rule, t, c, *l, || format!("foreign key `{}`", fk.name), out);
            }
            let target = m.table(&fk.ref_table).map(|r| m.column_owner(r));
            if let Some(target) = target.as_deref() {
                if fk.ref_columns.is_empty() {
                    if target.primary_key.is_none() {
                        out.push(
                            rule.diag(format!("foreign key `{}` references `{}` without naming columns, but that table has no primary key", fk.name, target.name))
                                .label(fk.ref_loc, "")
                                .hint("name the referenced columns: `table(column)`"),
                        );
                    }
                } else {
                    for c in &fk.ref_columns {
                        missing(
                            rule,
                            target,
                            c,
                            fk.ref_loc,
                            || format!("foreign key `{}` on `{}`", fk.name, declared.name),
                            out,
                        );
                    }
                }
            } else if m.knows_external_columns(&fk.ref_table) {
                for c in &fk.ref_columns {
                    if external_column_type(&fk.ref_table, c).is_none() {
                        out.push(
                            rule.diag(format!(
                                "foreign key `{}` references `{}({c})`, which has no such column",
                                fk.name, fk.ref_table
                            ))
                            .label(fk.ref_loc, "unknown column")
                            .hint("reference `auth.users(id)`"),
                        );
                    }
                }
            }
            let n_ref = if fk.ref_columns.is_empty() {
                target
                    .as_deref()
                    .and_then(|t| t.primary_key.as_ref())
                    .map_or(fk.columns.len(), |pk| pk.columns.len())
            } else {
                fk.ref_columns.len()
            };
            if n_ref != fk.columns.len() {
                out.push(
                    rule.diag(format!(
                        "foreign key `{}` has {} column(s) but references {n_ref}",
                        fk.name,
                        fk.columns.len()
                    ))
                    .label(fk.ref_loc, "")
                    .hint("list as many referenced columns as referencing ones"),
                );
            }
        }
    }
}
