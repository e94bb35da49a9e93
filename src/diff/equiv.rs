//! Whether an expression as the user wrote it is the one PostgreSQL printed back.
//!
//! The shadow database exists so that both sides of a comparison are in PostgreSQL's own
//! spelling. That costs one DDL statement per object, which dominates `diff` on large
//! projects. When the database already matches the project — the usual case in CI — most
//! expressions differ from the YAML only by what PostgreSQL adds when it prints them back:
//! parentheses, `::type` on literals it typed, `AS uid` on a scalar subquery's column,
//! `= ANY (ARRAY[…])` for `IN (…)`, case of unquoted names, `public.` in front of names.
//!
//! [`equivalent`] parses both sides with sqlparser, removes exactly those differences and
//! compares the trees. It errs one way only: it answers `true` only when the two
//! expressions mean the same; anything it does not recognise is `false`, and the caller then
//! builds the shadow database as before. It never decides that something *differs* — the
//! shadow comparison does that.

use crate::check::sql::parse_expr;
use crate::model::types::SqlType;
use serde_json::Value;
use sqlparser::ast::{
    CastKind, DataType, Expr, Ident, ObjectName, Query, SelectItem, SetExpr, UnaryOperator,
    Value as SqlValue, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// Whether the model's `model` expression is what PostgreSQL printed as `live`.
pub fn equivalent(model: &str, live: &str) -> bool {
    let model = model.trim();
    if model == live {
        return true;
    }
    let (Some(m), Some(l)) = (normalised(model), normalised(live)) else {
        return false;
    };
    matches(&m, &l)
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
fn normalised_query(text: &str) -> Option<(Vec<Option<String>>, Value)> {
    let mut q = crate::check::sql::parse_query(text).ok()?;
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
    let mut v = serde_json::to_value(&q).ok()?;
    normalise_names(&mut v);
    Some((names, v))
}

/// The expression's tree after normalisation, as JSON so it can be compared generically.
fn normalised(text: &str) -> Option<Value> {
    let mut e = parse_expr(text).ok()?;
    let _ = e.visit(&mut Normalise);
    let mut v = serde_json::to_value(&e).ok()?;
    normalise_names(&mut v);
    Some(v)
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
            if s.projection.len() == 1 {
                if let SelectItem::ExprWithAlias { expr, .. } = &s.projection[0] {
                    s.projection[0] = SelectItem::UnnamedExpr(expr.clone());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

fn rewrite(e: Expr) -> Expr {
    match e {
        Expr::Nested(inner) => *inner,
        // `x IN (a, b)` is stored as `x = ANY (ARRAY[a, b])`, `NOT IN` as `<> ALL`.
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let right = Box::new(Expr::Array(sqlparser::ast::Array {
                elem: list,
                named: true,
            }));
            if negated {
                Expr::AllOp {
                    left: expr,
                    compare_op: sqlparser::ast::BinaryOperator::NotEq,
                    right,
                }
            } else {
                Expr::AnyOp {
                    left: expr,
                    compare_op: sqlparser::ast::BinaryOperator::Eq,
                    right,
                    is_some: false,
                }
            }
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
                    let s = serde_json::from_str::<Value>(&s)
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
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut pairs: Vec<(String, Value)> = o.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// `int`, `int4` and `integer` are one type; `public.t` is printed `t`.
fn canonical_type(t: DataType) -> DataType {
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
fn normalise_names(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.len() == 2 && o.contains_key("value") && o.contains_key("quote_style") {
                let unquoted = o.get("quote_style").is_some_and(Value::is_null);
                if let Some(Value::String(s)) = o.get_mut("value") {
                    if unquoted {
                        *s = s.to_lowercase();
                    }
                }
                o.insert("quote_style".into(), Value::Null);
                return;
            }
            for (k, x) in o.iter_mut() {
                normalise_names(x);
                // Functions and relations in FROM: `public.members` is printed `members`.
                if k == "name" {
                    drop_public(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalise_names),
        _ => {}
    }
}

fn drop_public(v: &mut Value) {
    if let Value::Array(parts) = v {
        if parts.len() == 2
            && parts[0].get("value").and_then(Value::as_str) == Some("public")
            && parts.iter().all(|p| p.get("quote_style").is_some())
        {
            parts.remove(0);
        }
    }
}

/// `'x'::text` in `live` where the model wrote `'x'`: the type PostgreSQL gave the literal.
/// Casts may be stacked (`('-100'::integer)::numeric`: typed, then coerced).
fn literal_under_cast(v: &Value) -> Option<&Value> {
    let inner = v.get("Cast")?.get("expr")?;
    match inner.get("Value") {
        Some(_) => Some(inner),
        None => literal_under_cast(inner),
    }
}

/// `'{"a": 1}'` against `'{"a": 1}'::jsonb`: PostgreSQL prints jsonb literals in its own
/// layout, so they are compared as JSON values (json keeps its text, so it is not).
fn same_json(model: &Value, live: &Value) -> bool {
    let string = |v: &Value| {
        v.get("Value")?
            .get("SingleQuotedString")?
            .as_str()
            .map(str::to_string)
    };
    let cast = live.get("Cast");
    let is_json = cast
        .and_then(|c| c.get("data_type"))
        .map(|t| t.to_string())
        .is_some_and(|t| t.contains("\"jsonb\""));
    let (Some(m), Some(l)) = (
        string(model),
        cast.and_then(|c| c.get("expr")).and_then(string),
    ) else {
        return false;
    };
    is_json
        && match (
            serde_json::from_str::<Value>(&m),
            serde_json::from_str::<Value>(&l),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

/// Structural equality, except that `live` may carry a cast on a literal the model left
/// untyped (PostgreSQL records the type it resolved the literal to).
fn matches(model: &Value, live: &Value) -> bool {
    if model == live {
        return true;
    }
    if model.get("Value").is_some() {
        if let Some(inner) = literal_under_cast(live) {
            return inner == model || same_json(model, live);
        }
    }
    match (model, live) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| matches(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| matches(v, w))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::equivalent;

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
