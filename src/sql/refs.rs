//! Table and column references inside a SQL fragment, as a small tree of scopes: each
//! `SELECT` is a scope of the relations in its `FROM` (tables by name or alias, joins
//! included) and the columns it names, subqueries (`EXISTS (…)`, `IN (…)`, scalar ones) are
//! scopes inside it. A fragment is reduced to its [`Scope`] once (kept in
//! [`crate::sql::parse::Facts`]); `crate::check::refs` resolves it against a project.

use super::parse::{ident_name, SPECIAL_IDENTS};
use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr, TableFactor,
    TableWithJoins, Visit, Visitor,
};
use std::ops::ControlFlow;

/// A relation in a `FROM` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rel {
    /// A table or view by name (parts as PostgreSQL folds them), with its alias.
    Named {
        parts: Vec<String>,
        alias: Option<String>,
    },
    /// Something whose columns are not known (a function, a derived table, a table with
    /// column aliases), with its alias if it has one.
    Opaque { alias: Option<String> },
}

/// A column reference: `c`, `q.c` or `s.t.c` (parts as PostgreSQL folds them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColRef {
    pub qualifier: Vec<String>,
    pub column: String,
}

/// One scope: the relations of a `FROM`, the names of CTEs, the column references made
/// directly in it, and the scopes nested in it (subqueries, CTE bodies, set operations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub rels: Vec<Rel>,
    pub ctes: Vec<String>,
    pub cols: Vec<ColRef>,
    pub children: Vec<Scope>,
}

/// Collects the references of one expression outside its subqueries, and the subqueries.
struct Collect {
    depth: usize,
    cols: Vec<ColRef>,
    subs: Vec<Query>,
}

impl Visitor for Collect {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            self.subs.push(q.clone());
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        match e {
            Expr::Identifier(i) => {
                let n = ident_name(i);
                if i.quote_style.is_some() || !SPECIAL_IDENTS.contains(&n.as_str()) {
                    self.cols.push(ColRef {
                        qualifier: Vec::new(),
                        column: n,
                    });
                }
            }
            Expr::CompoundIdentifier(parts) if (2..=3).contains(&parts.len()) => {
                let mut names: Vec<String> = parts.iter().map(ident_name).collect();
                let column = names.pop().unwrap_or_default();
                self.cols.push(ColRef {
                    qualifier: names,
                    column,
                });
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Adds the references of `e` to `s`, and its subqueries as children.
fn expr_into(e: &Expr, s: &mut Scope) {
    let mut c = Collect {
        depth: 0,
        cols: Vec::new(),
        subs: Vec::new(),
    };
    let _ = e.visit(&mut c);
    s.cols.extend(c.cols);
    s.children.extend(c.subs.iter().map(of_query));
}

/// The scope tree of an expression (a policy condition, a check): its own scope has no
/// relations; [`resolve`] gives it the table it belongs to.
pub fn of_expr(e: &Expr) -> Scope {
    let mut s = Scope::default();
    expr_into(e, &mut s);
    s
}

/// The scope tree of a query (a view's body, a subquery).
pub fn of_query(q: &Query) -> Scope {
    let mut s = Scope::default();
    if let Some(with) = &q.with {
        s.ctes
            .extend(with.cte_tables.iter().map(|c| ident_name(&c.alias.name)));
        s.children
            .extend(with.cte_tables.iter().map(|c| of_query(&c.query)));
    }
    body_into(&q.body, &mut s);
    s
}

fn body_into(b: &SetExpr, s: &mut Scope) {
    match b {
        SetExpr::Select(sel) => s.children.push(of_select(sel)),
        SetExpr::Query(q) => s.children.push(of_query(q)),
        SetExpr::SetOperation { left, right, .. } => {
            body_into(left, s);
            body_into(right, s);
        }
        SetExpr::Values(v) => {
            for e in v.rows.iter().flatten() {
                expr_into(e, s);
            }
        }
        _ => {}
    }
}

fn of_select(sel: &Select) -> Scope {
    let mut s = Scope::default();
    for t in &sel.from {
        from_into(t, &mut s);
    }
    for item in &sel.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                expr_into(e, &mut s)
            }
            SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => {}
        }
    }
    // GROUP BY and ORDER BY may name output columns: not resolved.
    for e in sel.selection.iter().chain(&sel.having) {
        expr_into(e, &mut s);
    }
    s
}

fn from_into(t: &TableWithJoins, s: &mut Scope) {
    factor_into(&t.relation, s);
    for j in &t.joins {
        factor_into(&j.relation, s);
        let constraint = match &j.join_operator {
            JoinOperator::Inner(c)
            | JoinOperator::LeftOuter(c)
            | JoinOperator::RightOuter(c)
            | JoinOperator::FullOuter(c)
            | JoinOperator::LeftSemi(c)
            | JoinOperator::RightSemi(c)
            | JoinOperator::LeftAnti(c)
            | JoinOperator::RightAnti(c) => Some(c),
            _ => None,
        };
        if let Some(JoinConstraint::On(e)) = constraint {
            expr_into(e, s);
        }
    }
}

fn factor_into(f: &TableFactor, s: &mut Scope) {
    let alias_of = |a: &Option<sqlparser::ast::TableAlias>| a.as_ref().map(|a| ident_name(&a.name));
    match f {
        TableFactor::Table {
            name, alias, args, ..
        } => {
            let renamed_columns = alias.as_ref().is_some_and(|a| !a.columns.is_empty());
            if args.is_some() || renamed_columns {
                s.rels.push(Rel::Opaque {
                    alias: alias_of(alias).or_else(|| name.0.last().map(ident_name)),
                });
            } else {
                s.rels.push(Rel::Named {
                    parts: name.0.iter().map(ident_name).collect(),
                    alias: alias_of(alias),
                });
            }
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            s.children.push(of_query(subquery));
            s.rels.push(Rel::Opaque {
                alias: alias_of(alias),
            });
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            if alias.is_some() {
                s.rels.push(Rel::Opaque {
                    alias: alias_of(alias),
                });
            } else {
                from_into(table_with_joins, s);
            }
        }
        TableFactor::Function { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::TableFunction { alias, .. } => s.rels.push(Rel::Opaque {
            alias: alias_of(alias),
        }),
        _ => s.rels.push(Rel::Opaque { alias: None }),
    }
}
