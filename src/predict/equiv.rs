//! Whether an expression as the user wrote it is the one PostgreSQL printed back.
//!
//! The shadow database exists so that both sides of a comparison are in PostgreSQL's own
//! spelling. That costs one DDL statement per object, which dominates `diff` on large
//! projects. When the database already matches the project — the usual case in CI — most
//! expressions differ from the YAML only by what PostgreSQL adds when it prints them back:
//! parentheses, `::type` on literals it typed, `AS uid` on a scalar subquery's column,
//! `= ANY (ARRAY[…])` for `IN (…)` (OR-ed comparisons for items naming columns),
//! `NOT (EXISTS …)`, `FROM (a JOIN b …)`, case of unquoted names, `public.` in front of
//! names. Spellings sqlparser cannot read (`TRIM(BOTH FROM x)`) are turned, on the tokens,
//! into the function call they print. Over one table's columns, the model's side also gets
//! the casts PostgreSQL adds around columns ([`super::casts`]).
//!
//! [`equivalent`] parses both sides with sqlparser, removes exactly those differences with
//! visitors over sqlparser's typed tree ([`Normalise`], then [`Names`] for the case and quotes
//! of names) and compares the trees with `==`; the one allowance, a cast PostgreSQL added on
//! a literal, is made by [`Relax`] walking the printed side in step with the model's. It errs
//! one way only: it answers `true` only when the two
//! expressions mean the same; anything it does not recognise is `false`, and the caller then
//! builds the shadow database as before. It never decides that something *differs* — the
//! shadow comparison does that.

use super::casts::add_casts;
pub use super::casts::Typing;
use crate::model::types::SqlType;
use serde_json::Value as Json;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, DateTimeField, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, JoinConstraint, JoinOperator,
    ObjectName, Query, SelectItem, SetExpr, Statement, TableAlias, TableFactor, TableWithJoins,
    TrimWhereField, UnaryOperator, Value as SqlValue, VisitMut, VisitorMut, WindowSpec, WindowType,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithLocation, Tokenizer};
use std::ops::ControlFlow;

/// Whether the model's `model` expression is what PostgreSQL printed as `live`.
pub fn equivalent(model: &str, live: &str) -> bool {
    equivalent_in(model, live, None)
}

/// Like [`equivalent`], for an expression over one table's columns: the model's side gets
/// the implicit casts PostgreSQL adds around those columns ([`super::casts`]).
pub fn equivalent_in(model: &str, live: &str, typing: Option<&Typing>) -> bool {
    let model = model.trim();
    if model == live {
        return true;
    }
    let (Some(m), Some(l)) = (normalised(model, typing), normalised(live, None)) else {
        return false;
    };
    matches(&m, &l)
}

/// Parses an expression as PostgreSQL prints it. sqlparser cannot read some of the SQL
/// standard's spellings PostgreSQL prints for plain function calls; they are rewritten to
/// the call they stand for first, on the tokens (so text inside literals and quoted names
/// is never touched): `TRIM(BOTH FROM x)` is `btrim(x)`, `TRIM(LEADING FROM x)` `ltrim(x)`
/// and `TRIM(TRAILING FROM x)` `rtrim(x)`.
fn parse_pg_expr(text: &str) -> Option<Expr> {
    let dialect = PostgreSqlDialect {};
    let tokens = pg_tokens(text)?;
    let mut p = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let e = p.parse_expr().ok()?;
    (p.peek_token().token == Token::EOF).then_some(e)
}

fn parse_pg_query(text: &str) -> Option<Box<Query>> {
    let dialect = PostgreSqlDialect {};
    let tokens = pg_tokens(text)?;
    let mut p = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let mut stmts = p.parse_statements().ok()?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(Statement::Query(q)), true) => Some(q),
        _ => None,
    }
}

fn pg_tokens(text: &str) -> Option<Vec<TokenWithLocation>> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .ok()?;
    let mut out: Vec<TokenWithLocation> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    // Significant tokens from `from` on, with their indexes.
    let next = |from: usize| {
        (from..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)))
    };
    while i < tokens.len() {
        let word = |j: usize| match &tokens[j].token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        };
        if word(i).as_deref() == Some("TRIM") {
            let paren = next(i + 1).filter(|&j| tokens[j].token == Token::LParen);
            let side = paren.and_then(|j| next(j + 1));
            let from = side.and_then(|j| next(j + 1));
            if let (Some(paren), Some(side), Some(from)) = (paren, side, from) {
                let name = match word(side).as_deref() {
                    Some("BOTH") => Some("btrim"),
                    Some("LEADING") => Some("ltrim"),
                    Some("TRAILING") => Some("rtrim"),
                    _ => None,
                };
                if let (Some(name), Some("FROM")) = (name, word(from).as_deref()) {
                    let mut t = tokens[i].clone();
                    t.token = Token::make_word(name, None);
                    out.push(t);
                    out.push(tokens[paren].clone());
                    i = from + 1;
                    continue;
                }
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    Some(out)
}

/// Whether the model's view query is the one PostgreSQL printed (`pg_get_viewdef`). The
/// output columns' names must be spelled alike: PostgreSQL adds names such as `AS count`,
/// and those name the view's columns, so they are never ignored.
pub fn query_equivalent(model: &str, live: &str) -> bool {
    let model = model.trim().trim_end_matches(';');
    let live = live.trim().trim_end_matches(';');
    if model == live {
        return true;
    }
    let (Some(m), Some(l)) = (normalised_query(model), normalised_query(live)) else {
        return false;
    };
    m.0 == l.0 && matches(&m.1, &l.1)
}

/// The top-level output names and the normalised query.
fn normalised_query(text: &str) -> Option<(Vec<Option<String>>, Box<Query>)> {
    let mut q = parse_pg_query(text)?;
    let SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    let names = s
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(match alias.quote_style {
                None => alias.value.to_lowercase(),
                Some(_) => alias.value.clone(),
            }),
            _ => None,
        })
        .collect();
    let _ = q.visit(&mut Normalise);
    let _ = q.visit(&mut Names);
    Some((names, q))
}

/// The expression's tree after normalisation; with `typing`, the implicit casts PostgreSQL
/// would add are inserted.
fn normalised(text: &str, typing: Option<&Typing>) -> Option<Expr> {
    let mut e = parse_pg_expr(text)?;
    let _ = e.visit(&mut Normalise);
    if let Some(t) = typing {
        add_casts(&mut e, t);
    }
    let _ = e.visit(&mut Names);
    Some(e)
}

/// Rewrites applied to both sides; each keeps the expression's meaning.
struct Normalise;

impl VisitorMut for Normalise {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let taken = std::mem::replace(e, Expr::Value(SqlValue::Null));
        *e = rewrite(taken);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        // The name of a subquery's output column never matters inside an expression
        // (PostgreSQL prints `( SELECT auth.uid() AS uid)`); derived tables in FROM are
        // queries too, but their column names can be referenced, so only a single-column
        // projection loses its alias — that is the scalar-subquery shape.
        if let SetExpr::Select(s) = q.body.as_mut() {
            s.from.iter_mut().for_each(flatten_join);
            if s.projection.len() == 1 {
                if let SelectItem::ExprWithAlias { expr, .. } = &s.projection[0] {
                    s.projection[0] = SelectItem::UnnamedExpr(expr.clone());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// `FROM (a JOIN b ON …)`, as PostgreSQL prints a join, is `FROM a JOIN b ON …`; so is
/// `((a JOIN b) JOIN c)`, joins being read left to right.
fn flatten_join(t: &mut TableWithJoins) {
    while let TableFactor::NestedJoin {
        table_with_joins,
        alias: None,
    } = &mut t.relation
    {
        let inner = table_with_joins.as_ref().clone();
        let outer = std::mem::take(&mut t.joins);
        t.relation = inner.relation;
        t.joins = inner.joins;
        t.joins.extend(outer);
    }
}

/// A call of a built-in function, as sqlparser reads `f(a, b)`.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![Ident::new(name)]),
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// Whether an IN-list item holds a column reference (PostgreSQL: `contain_vars_of_level`);
/// None when it holds a subquery, which may or may not refer to the outer row.
fn has_vars(e: &Expr) -> Option<bool> {
    struct Find {
        vars: bool,
        subquery: bool,
    }
    impl sqlparser::ast::Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => self.vars = true,
                Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                    self.subquery = true
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Find {
        vars: false,
        subquery: false,
    };
    let _ = sqlparser::ast::Visit::visit(e, &mut f);
    (!f.subquery).then_some(f.vars)
}

/// `x IN (…)` as PostgreSQL stores it: the items without column references, when there
/// are two or more, become `x = ANY (ARRAY[…])`; each other item is a comparison of its
/// own, OR-ed in order after the array (`NOT IN`: `<> ALL`, `<>`, AND).
fn in_list(expr: Box<Expr>, list: Vec<Expr>, negated: bool) -> Expr {
    let (cmp, join) = if negated {
        (BinaryOperator::NotEq, BinaryOperator::And)
    } else {
        (BinaryOperator::Eq, BinaryOperator::Or)
    };
    let array = |elem: Vec<Expr>| {
        let right = Box::new(Expr::Array(sqlparser::ast::Array { elem, named: true }));
        if negated {
            Expr::AllOp {
                left: expr.clone(),
                compare_op: cmp.clone(),
                right,
            }
        } else {
            Expr::AnyOp {
                left: expr.clone(),
                compare_op: cmp.clone(),
                right,
                is_some: false,
            }
        }
    };
    let kinds: Option<Vec<bool>> = list.iter().map(has_vars).collect();
    let Some(kinds) = kinds else {
        return array(list);
    };
    let nonvars = kinds.iter().filter(|v| !**v).count();
    let mut parts = Vec::new();
    let mut singles = Vec::new();
    if nonvars > 1 {
        let (consts, vars): (Vec<_>, Vec<_>) = list.into_iter().zip(kinds).partition(|(_, v)| !v);
        parts.push(array(consts.into_iter().map(|(e, _)| e).collect()));
        singles.extend(vars.into_iter().map(|(e, _)| e));
    } else {
        singles = list;
    }
    parts.extend(singles.into_iter().map(|item| Expr::BinaryOp {
        left: expr.clone(),
        op: cmp.clone(),
        right: Box::new(item),
    }));
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Expr::InList {
            expr,
            list: vec![],
            negated,
        };
    };
    parts.fold(first, |acc, p| Expr::BinaryOp {
        left: Box::new(acc),
        op: join.clone(),
        right: Box::new(p),
    })
}

fn rewrite(e: Expr) -> Expr {
    match e {
        Expr::Nested(inner) => *inner,
        Expr::InList {
            expr,
            list,
            negated,
        } => in_list(expr, list, negated),
        // `NOT EXISTS (…)` is printed `NOT (EXISTS (…))`.
        Expr::Exists {
            subquery,
            negated: true,
        } => Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr: Box::new(Expr::Exists {
                subquery,
                negated: false,
            }),
        },
        // `trim(x)` calls btrim (printed `TRIM(BOTH FROM x)`, read by [`pg_tokens`]);
        // `trim(both 'ab' from x)` is `btrim(x, 'ab')`.
        Expr::Trim {
            expr,
            trim_where,
            trim_what,
            trim_characters: None,
        } => {
            let name = match trim_where {
                None | Some(TrimWhereField::Both) => "btrim",
                Some(TrimWhereField::Leading) => "ltrim",
                Some(TrimWhereField::Trailing) => "rtrim",
            };
            let mut args = vec![*expr];
            args.extend(trim_what.map(|w| *w));
            call(name, args)
        }
        Expr::Array(mut a) => {
            a.named = true;
            Expr::Array(a)
        }
        Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        } => Expr::AnyOp {
            left,
            compare_op,
            right,
            is_some: false,
        },
        // `-1` is stored as the constant `'-1'::integer`.
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match *expr {
            Expr::Value(SqlValue::Number(n, l)) => {
                Expr::Value(SqlValue::Number(format!("-{n}"), l))
            }
            other => Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: Box::new(other),
            },
        },
        // PostgreSQL stores `x BETWEEN a AND b` as `x >= a AND x <= b`.
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            use sqlparser::ast::BinaryOperator as B;
            let (lo, hi, join) = if negated {
                (B::Lt, B::Gt, B::Or)
            } else {
                (B::GtEq, B::LtEq, B::And)
            };
            let side = |op, bound| Expr::BinaryOp {
                left: expr.clone(),
                op,
                right: bound,
            };
            Expr::BinaryOp {
                left: Box::new(side(lo, low)),
                op: join,
                right: Box::new(side(hi, high)),
            }
        }
        // A CASE without ELSE is `ELSE NULL` (printed `ELSE NULL::type`).
        Expr::Case {
            operand,
            conditions,
            results,
            else_result: None,
        } => Expr::Case {
            operand,
            conditions,
            results,
            else_result: Some(Box::new(Expr::Value(SqlValue::Null))),
        },
        // `date '2024-01-01'` and `interval '30 days'` are `'…'::date`, `'…'::interval`.
        Expr::TypedString { data_type, value } => rewrite(Expr::Cast {
            kind: CastKind::DoubleColon,
            expr: Box::new(Expr::Value(SqlValue::SingleQuotedString(value))),
            data_type,
            format: None,
        }),
        Expr::Interval(i)
            if i.leading_field.is_none()
                && i.leading_precision.is_none()
                && i.last_field.is_none()
                && i.fractional_seconds_precision.is_none() =>
        {
            rewrite(Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: i.value,
                data_type: DataType::Interval,
                format: None,
            })
        }
        // `CAST(x AS t)` is `x::t`.
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr,
            data_type,
            format,
        } => {
            let data_type = canonical_type(data_type);
            let expr = match *expr {
                // jsonb keeps no layout and no key order: compare the values.
                Expr::Value(SqlValue::SingleQuotedString(s))
                    if data_type.to_string() == "jsonb" =>
                {
                    let s = serde_json::from_str::<Json>(&s)
                        .map(|v| sorted_keys(v).to_string())
                        .unwrap_or(s);
                    Box::new(Expr::Value(SqlValue::SingleQuotedString(s)))
                }
                Expr::Value(SqlValue::SingleQuotedString(s))
                    if is_numeric(&data_type) && s.parse::<f64>().is_ok() =>
                {
                    Box::new(Expr::Value(SqlValue::Number(s, false)))
                }
                other => Box::new(other),
            };
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr,
                data_type,
                format,
            }
        }
        other => other,
    }
}

/// The same JSON value with every object's keys in order, so equal jsonb prints equal.
fn sorted_keys(v: Json) -> Json {
    match v {
        Json::Object(o) => {
            let mut pairs: Vec<(String, Json)> = o.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Json::Array(a) => Json::Array(a.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// `int`, `int4` and `integer` are one type; `public.t` is printed `t`.
pub(super) fn canonical_type(t: DataType) -> DataType {
    match SqlType::parse(&t.to_string()) {
        Ok(ty) => {
            let s = ty.to_string();
            let s = s.strip_prefix("public.").map(str::to_string).unwrap_or(s);
            DataType::Custom(ObjectName(vec![Ident::new(s)]), vec![])
        }
        Err(_) => t,
    }
}

fn is_numeric(t: &DataType) -> bool {
    let s = t.to_string();
    let base = s.split('(').next().unwrap_or("");
    matches!(
        base,
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision"
    )
}

/// Unquoted names fold to lower case; a quoted name is the same name without its quotes.
fn fold(i: &mut Ident) {
    if i.quote_style.take().is_none() {
        i.value = i.value.to_lowercase();
    }
}

/// A function's or relation's name: its parts folded, and `public.x` is printed `x`.
fn fold_name(n: &mut ObjectName) {
    n.0.iter_mut().for_each(fold);
    if n.0.len() == 2 && n.0[0].value == "public" {
        n.0.remove(0);
    }
}

fn fold_alias(a: &mut Option<TableAlias>) {
    if let Some(a) = a {
        fold(&mut a.name);
        a.columns.iter_mut().for_each(fold);
    }
}

/// Folds the names ([`fold`], [`fold_name`]) where expressions and queries hold them:
/// column references, functions, relations and their aliases, output names. Names it does
/// not reach (a cast's type is already canonical) are compared as written, which can only
/// make two spellings differ, never match.
struct Names;

impl VisitorMut for Names {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(i)
            | Expr::CompositeAccess { key: i, .. }
            | Expr::Named { name: i, .. } => fold(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(fold),
            Expr::QualifiedWildcard(n) | Expr::Collate { collation: n, .. } => {
                n.0.iter_mut().for_each(fold)
            }
            Expr::Extract {
                field: DateTimeField::Custom(i),
                ..
            } => fold(i),
            Expr::Function(f) => {
                fold_name(&mut f.name);
                if let FunctionArguments::List(l) = &mut f.args {
                    for a in &mut l.args {
                        if let FunctionArg::Named { name, .. } = a {
                            fold(name);
                        }
                    }
                }
                match &mut f.over {
                    Some(WindowType::NamedWindow(i)) => fold(i),
                    Some(WindowType::WindowSpec(WindowSpec {
                        window_name: Some(i),
                        ..
                    })) => fold(i),
                    _ => {}
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        match t {
            TableFactor::Table { name, alias, .. } | TableFactor::Function { name, alias, .. } => {
                fold_name(name);
                fold_alias(alias);
            }
            TableFactor::Derived { alias, .. }
            | TableFactor::NestedJoin { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::UNNEST { alias, .. } => fold_alias(alias),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let Some(w) = &mut q.with {
            for c in &mut w.cte_tables {
                fold(&mut c.alias.name);
                c.alias.columns.iter_mut().for_each(fold);
            }
        }
        if let SetExpr::Select(s) = q.body.as_mut() {
            for item in &mut s.projection {
                match item {
                    SelectItem::ExprWithAlias { alias, .. } => fold(alias),
                    SelectItem::QualifiedWildcard(n, _) => n.0.iter_mut().for_each(fold),
                    _ => {}
                }
            }
            for j in s.from.iter_mut().flat_map(|t| t.joins.iter_mut()) {
                if let JoinOperator::Inner(JoinConstraint::Using(cols))
                | JoinOperator::LeftOuter(JoinConstraint::Using(cols))
                | JoinOperator::RightOuter(JoinConstraint::Using(cols))
                | JoinOperator::FullOuter(JoinConstraint::Using(cols)) = &mut j.join_operator
                {
                    cols.iter_mut().for_each(fold);
                }
            }
            for w in &mut s.named_window {
                fold(&mut w.0);
            }
        }
        ControlFlow::Continue(())
    }
}

/// `'x'::text` in `live` where the model wrote `'x'`: the type PostgreSQL gave the literal.
/// Casts may be stacked (`('-100'::integer)::numeric`: typed, then coerced).
fn literal_under_cast(e: &Expr) -> Option<&Expr> {
    let Expr::Cast { expr, .. } = e else {
        return None;
    };
    match expr.as_ref() {
        Expr::Value(_) => Some(expr),
        inner => literal_under_cast(inner),
    }
}

/// `'{"a": 1}'` against `'{"a": 1}'::jsonb`: PostgreSQL prints jsonb literals in its own
/// layout, so they are compared as JSON values (json keeps its text, so it is not).
fn same_json(model: &Expr, live: &Expr) -> bool {
    let (
        Expr::Value(SqlValue::SingleQuotedString(m)),
        Expr::Cast {
            expr, data_type, ..
        },
    ) = (model, live)
    else {
        return false;
    };
    let Expr::Value(SqlValue::SingleQuotedString(l)) = expr.as_ref() else {
        return false;
    };
    data_type.to_string() == "jsonb"
        && match (
            serde_json::from_str::<Json>(m),
            serde_json::from_str::<Json>(l),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

/// The model's expressions in the order a visitor meets them, keeping only what
/// [`Relax`] needs: the literals.
struct Literals(Vec<Option<Expr>>);

impl sqlparser::ast::Visitor for Literals {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        self.0.push(matches!(e, Expr::Value(_)).then(|| e.clone()));
        ControlFlow::Continue(())
    }
}

/// Walks `live` in step with the model's expressions ([`Literals`]) and, where the model
/// has a literal and `live` that literal under casts ([`literal_under_cast`], [`same_json`]),
/// puts the model's literal in its place. Only if the two trees are then equal — every
/// expression in the same place — was each replaced cast over the model's literal.
struct Relax {
    literals: Vec<Option<Expr>>,
    at: usize,
}

impl VisitorMut for Relax {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Some(Some(m)) = self.literals.get(self.at) {
            if literal_under_cast(e).is_some_and(|inner| inner == m) || same_json(m, e) {
                *e = m.clone();
            }
        }
        self.at += 1;
        ControlFlow::Continue(())
    }
}

/// Structural equality, except that `live` may carry a cast on a literal the model left
/// untyped (PostgreSQL records the type it resolved the literal to).
fn matches<T: PartialEq + Clone + sqlparser::ast::Visit + VisitMut>(model: &T, live: &T) -> bool {
    if model == live {
        return true;
    }
    let mut literals = Literals(Vec::new());
    let _ = sqlparser::ast::Visit::visit(model, &mut literals);
    let mut relax = Relax {
        literals: literals.0,
        at: 0,
    };
    let mut live = live.clone();
    let _ = VisitMut::visit(&mut live, &mut relax);
    *model == live
}

#[cfg(test)]
mod tests {
    use super::{equivalent, equivalent_in, Typing};
    use crate::catalog::Column;

    fn columns(cols: &[(&str, &str)]) -> Vec<Column> {
        cols.iter()
            .map(|(name, ty)| Column::plain(name, ty))
            .collect()
    }

    #[test]
    fn forms_sqlparser_cannot_read_and_rewritten_lists() {
        for (model, live) in [
            ("length(trim(name)) > 0", "(length(TRIM(BOTH FROM name)) > 0)"),
            ("btrim(name)", "TRIM(BOTH FROM name)"),
            ("trim(leading from name)", "TRIM(LEADING FROM name)"),
            ("rtrim(name)", "TRIM(TRAILING FROM name)"),
            ("trim(both 'x' from name)", "TRIM(BOTH 'x'::text FROM name)"),
            (
                "(select auth.uid()) in (a, b)",
                "((( SELECT auth.uid() AS uid) = a) OR (( SELECT auth.uid() AS uid) = b))",
            ),
            (
                "x not in (a, 'p', 'q')",
                "((x <> ALL (ARRAY['p'::text, 'q'::text])) AND (x <> a))",
            ),
            ("x in ('p')", "(x = 'p'::text)"),
            (
                "not exists (select 1 from t where t.a = b)",
                "(NOT (EXISTS ( SELECT 1\n   FROM t\n  WHERE (t.a = b))))",
            ),
            (
                "exists (select 1 from public.w join public.m on m.o = w.o where w.id = x)",
                "(EXISTS ( SELECT 1\n   FROM (w\n     JOIN m ON ((m.o = w.o)))\n  WHERE (w.id = x)))",
            ),
        ] {
            assert!(equivalent(model, live), "{model}  vs  {live}");
        }
        for (model, live) in [
            (
                "length(trim(name)) > 0",
                "(length(TRIM(LEADING FROM name)) > 0)",
            ),
            ("trim(name)", "TRIM(BOTH 'x'::text FROM name)"),
            ("'TRIM(BOTH FROM x)'", "'btrim(x)'::text"),
            (
                "(select auth.uid()) in (a, b)",
                "((( SELECT auth.uid() AS uid) = a) AND (( SELECT auth.uid() AS uid) = b))",
            ),
            ("x not in (a, b)", "((x <> a) OR (x <> b))"),
            (
                "not exists (select 1 from t)",
                "(EXISTS ( SELECT 1\n   FROM t))",
            ),
            (
                "exists (select 1 from w join m on m.o = w.o)",
                "(EXISTS ( SELECT 1\n   FROM (w\n     LEFT JOIN m ON ((m.o = w.o)))))",
            ),
        ] {
            assert!(!equivalent(model, live), "{model}  vs  {live}");
        }
    }

    #[test]
    fn implicit_casts_follow_the_column_types() {
        let cols = columns(&[
            ("quantity", "integer"),
            ("unit_price", "numeric(12,2)"),
            ("big", "bigint"),
            ("ratio", "double precision"),
            ("month", "date"),
            ("starts", "timestamp with time zone"),
            ("ends", "timestamp with time zone"),
            ("mins", "integer"),
        ]);
        let functions = Default::default();
        let typing = Typing {
            table: "orders",
            columns: &cols,
            row_refs: false,
            functions: &functions,
        };
        let t = Some(&typing);
        for (model, live) in [
            ("quantity * unit_price", "((quantity)::numeric * unit_price)"),
            ("orders.quantity * unit_price", "((orders.quantity)::numeric * unit_price)"),
            ("unit_price > quantity", "(unit_price > (quantity)::numeric)"),
            ("quantity * big", "(quantity * big)"),
            ("quantity < ratio", "((quantity)::double precision < ratio)"),
            ("unit_price = ratio", "((unit_price)::double precision = ratio)"),
            (
                "round(quantity * unit_price, 2)",
                "round(((quantity)::numeric * unit_price), 2)",
            ),
            (
                "month = date_trunc('month', month)::date",
                "(month = (date_trunc('month'::text, (month)::timestamp with time zone))::date)",
            ),
            (
                "round(EXTRACT(EPOCH FROM (ends - starts)) / 3600.0 - mins / 60.0, 2)",
                "round(((EXTRACT(epoch FROM (ends - starts)) / 3600.0) - ((mins)::numeric / 60.0)), 2)",
            ),
            ("unit_price >= 0", "(unit_price >= (0)::numeric)"),
            ("quantity BETWEEN 1 AND unit_price", "((quantity >= 1) AND ((quantity)::numeric <= unit_price))"),
        ] {
            assert!(equivalent_in(model, live, t), "{model}  vs  {live}");
        }
        for (model, live) in [
            // A cast PostgreSQL would not add changes the meaning.
            ("quantity / 2", "((quantity)::numeric / (2)::numeric)"),
            (
                "quantity * unit_price",
                "((quantity)::integer * unit_price)",
            ),
            ("quantity * unit_price", "(quantity * unit_price)"),
            ("quantity * big", "((quantity)::bigint * big)"),
            (
                "date_trunc('month', month)",
                "date_trunc('month'::text, (month)::timestamp without time zone)",
            ),
            // Inside a subquery, names are not the table's.
            (
                "exists (select 1 from t where t.x = quantity * unit_price)",
                "(EXISTS ( SELECT 1 FROM t WHERE (t.x = ((quantity)::numeric * unit_price))))",
            ),
        ] {
            assert!(!equivalent_in(model, live, t), "{model}  vs  {live}");
        }
        // Without the column types, nothing is cast.
        assert!(!equivalent(
            "quantity * unit_price",
            "((quantity)::numeric * unit_price)"
        ));
        // A project function of the same name is not PostgreSQL's.
        let functions = ["date_trunc".to_string()].into_iter().collect();
        let shadowed = Typing {
            functions: &functions,
            ..typing
        };
        assert!(!equivalent_in(
            "date_trunc('month', month)",
            "date_trunc('month'::text, (month)::timestamp with time zone)",
            Some(&shadowed)
        ));
    }

    #[test]
    fn what_postgres_adds_is_ignored() {
        for (model, live) in [
            (
                "user_id = (select auth.uid())",
                "(user_id = ( SELECT auth.uid() AS uid))",
            ),
            (
                "(select auth.uid()) = user_id",
                "(( SELECT auth.uid() AS uid) = user_id)",
            ),
            ("amount >= 0", "(amount >= (0)::numeric)"),
            ("'new'", "'new'::text"),
            ("-1", "'-1'::integer"),
            (
                "status in ('a', 'b')",
                "(status = ANY (ARRAY['a'::text, 'b'::text]))",
            ),
            (
                "status not in ('a', 'b')",
                "(status <> ALL (ARRAY['a'::text, 'b'::text]))",
            ),
            ("Now()", "now()"),
            ("x::int", "(x)::integer"),
            ("cast(x as timestamptz)", "(x)::timestamp with time zone"),
            ("public.f(a)", "f(a)"),
            ("a = 1 and b = 2", "((a = 1) AND (b = 2))"),
            (
                "exists (select 1 from public.members m where m.user_id = auth.uid())",
                "(EXISTS ( SELECT 1 FROM members m WHERE (m.user_id = auth.uid())))",
            ),
            ("true", "true"),
            ("'{}'", "'{}'::jsonb"),
            (
                "'{\"b\": 1, \"a\": 2}'::jsonb",
                "'{\"a\": 2, \"b\": 1}'::jsonb",
            ),
            ("NULL", "NULL::uuid"),
            (
                "now() + interval '30 days'",
                "(now() + '30 days'::interval)",
            ),
            ("date '2024-01-01'", "'2024-01-01'::date"),
            (
                "x BETWEEN 0 AND 1",
                "((x >= (0)::numeric) AND (x <= (1)::numeric))",
            ),
            ("x NOT BETWEEN 0 AND 1", "((x < 0) OR (x > 1))"),
            ("x >= -100", "(x >= ('-100'::integer)::numeric)"),
            (
                "CASE WHEN c > 0 THEN a / c END",
                "CASE WHEN (c > (0)::numeric) THEN (a / c) ELSE NULL::numeric END",
            ),
            (
                "'{\n  \"b\": [1, 2],\n \"a\": true}'",
                "'{\"a\": true, \"b\": [1, 2]}'::jsonb",
            ),
        ] {
            assert!(equivalent(model, live), "{model}  vs  {live}");
        }
    }

    #[test]
    fn view_queries() {
        use super::query_equivalent;
        let model = "SELECT md.name, max(md.d) AS last FROM public.daily md WHERE md.d > CURRENT_DATE - 30 GROUP BY md.name";
        let live = " SELECT md.name,\n    max(md.d) AS last\n   FROM daily md\n  WHERE (md.d > (CURRENT_DATE - 30))\n  GROUP BY md.name;";
        assert!(query_equivalent(model, live));
        assert!(!query_equivalent(
            model,
            &live.replace("AS last", "AS latest")
        ));
        assert!(!query_equivalent(model, &live.replace("30))", "7))")));
        assert!(!query_equivalent(
            "SELECT count(*) FROM t",
            " SELECT count(*) AS count\n   FROM t;"
        ));
    }

    #[test]
    fn different_meanings_are_not_equivalent() {
        for (model, live) in [
            ("user_id = auth.uid()", "(owner_id = auth.uid())"),
            ("amount > 0", "(amount >= (0)::numeric)"),
            ("'new'", "'old'::text"),
            ("'1'::text", "'1'::integer"),
            ("now() + interval '30 days'", "(now() + '30 days'::text)"),
            ("interval '1' hour", "'01:00:00'::interval"),
            (
                "CASE WHEN c > 0 THEN a END",
                "CASE WHEN (c > 0) THEN a ELSE 0 END",
            ),
            ("x BETWEEN 0 AND 1", "((x >= 0) AND (x <= 2))"),
            ("x BETWEEN 0 AND 1", "((x > 0) AND (x <= 1))"),
            ("'{\"a\": 1}'", "'{\"a\": 2}'::jsonb"),
            (
                "'{\"b\": 1, \"a\": 2}'::json",
                "'{\"a\": 2, \"b\": 1}'::json",
            ),
            ("'{\"a\":1}'", "'{\"a\": 1}'::text"),
            ("x::int", "(x)::bigint"),
            // Quoted type names keep their case.
            ("'a'::\"MyType\"", "'a'::\"MYTYPE\""),
            ("\"Status\" = 'a'", "(status = 'a'::text)"),
            (
                "status in ('a', 'b')",
                "(status = ANY (ARRAY['a'::text, 'c'::text]))",
            ),
            (
                "a = 1 or b = 2 and c = 3",
                "(((a = 1) OR (b = 2)) AND (c = 3))",
            ),
            ("other.f(a)", "f(a)"),
            ("x = 1", "x = 1 AND"),
            ("(select a from t)", "( SELECT b FROM t)"),
        ] {
            assert!(!equivalent(model, live), "{model}  vs  {live}");
        }
    }
}
