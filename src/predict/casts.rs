//! The implicit casts PostgreSQL's parser adds around columns, predicted from the model's
//! column types.
//!
//! PostgreSQL resolves each operator and function call against its operand types and
//! records the casts it needed; when it prints an expression back (`pg_get_expr`,
//! `pg_get_constraintdef`, policy conditions), those casts appear around the arguments of
//! operators and functions: `quantity * unit_price` on an `integer` and a `numeric` column is
//! stored as `((quantity)::numeric * unit_price)`. The catalog prediction ([`crate::predict`])
//! writes expressions as the user wrote them, so without these casts a database that matches
//! the project is not recognised, and `diff` pays for a shadow database.
//!
//! [`add_casts`] inserts, into the model's side of a comparison, exactly the casts
//! PostgreSQL would add, for the operator and function families whose resolution is certain
//! from the types alone: arithmetic and comparison between integers, `numeric` and
//! `double precision`; `date_trunc` on a `date`. Everything else is left as written, so the
//! comparison simply fails to recognise a match and the shadow database decides. A wrong
//! rule here could only make the model's side differ from what PostgreSQL printed (no match),
//! never make a changed database look equal, because the columns' types themselves are
//! compared by the diff: the types this module reads are the ones the live catalog must
//! have for the diff to be empty. The rules are checked against a real server by the
//! integration test `implicit_casts_are_predicted_as_postgres_adds_them`.
//!
//! Only the expression's own level is typed: a name inside a subquery may be a column of the
//! subquery's tables, so nothing under a subquery is touched.

use sqlparser::ast::{
    BinaryOperator as B, CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, ObjectName, Query, UnaryOperator, Value, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// What a name in an expression can refer to: the columns of one table (by name, with their
/// types as `format_type` prints them), reached unqualified or as `table.column`, or as
/// `new.column`/`old.column` in a trigger's WHEN condition.
#[derive(Debug, Clone, Copy)]
pub struct Typing<'a> {
    pub table: &'a str,
    pub columns: &'a [crate::catalog::Column],
    /// `new` and `old` name the row (trigger conditions).
    pub row_refs: bool,
    /// Names of the project's own functions: a call to one of these is never typed, since
    /// it may be the project's function rather than PostgreSQL's.
    pub functions: &'a std::collections::BTreeSet<String>,
}

/// The types this module reasons about; any other type is unknown (no cast is predicted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int2,
    Int4,
    Int8,
    Numeric,
    Float8,
    Text,
    Bool,
    Date,
    Timestamp,
    Timestamptz,
    Interval,
}

impl Ty {
    /// A type as `format_type` prints it (a column's type, or a cast's after
    /// [`super::equiv`] canonicalised it); modifiers do not change the type.
    fn from_format(s: &str) -> Option<Ty> {
        let base = match s.find('(') {
            // `timestamp(3) with time zone`: the modifier sits inside the name.
            Some(i) => {
                let close = s[i..].find(')')? + i;
                format!("{}{}", &s[..i], &s[close + 1..])
            }
            None => s.to_string(),
        };
        Some(match base.trim() {
            "smallint" => Ty::Int2,
            "integer" => Ty::Int4,
            "bigint" => Ty::Int8,
            "numeric" => Ty::Numeric,
            "double precision" => Ty::Float8,
            "text" => Ty::Text,
            "boolean" => Ty::Bool,
            "date" => Ty::Date,
            "timestamp without time zone" => Ty::Timestamp,
            "timestamp with time zone" => Ty::Timestamptz,
            "interval" => Ty::Interval,
            _ => return None,
        })
    }

    /// The name PostgreSQL prints in an implicit cast to this type.
    fn name(self) -> &'static str {
        match self {
            Ty::Int2 => "smallint",
            Ty::Int4 => "integer",
            Ty::Int8 => "bigint",
            Ty::Numeric => "numeric",
            Ty::Float8 => "double precision",
            Ty::Text => "text",
            Ty::Bool => "boolean",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp without time zone",
            Ty::Timestamptz => "timestamp with time zone",
            Ty::Interval => "interval",
        }
    }

    fn is_int(self) -> bool {
        matches!(self, Ty::Int2 | Ty::Int4 | Ty::Int8)
    }

    fn rank(self) -> u8 {
        match self {
            Ty::Int2 => 0,
            Ty::Int4 => 1,
            _ => 2,
        }
    }
}

/// How PostgreSQL resolves `a op b`: the cast it adds to the left or right operand, and the
/// result type. None when this module does not know.
struct Resolved {
    left: Option<Ty>,
    right: Option<Ty>,
    result: Ty,
}

fn resolve(op: &B, a: Ty, b: Ty) -> Option<Resolved> {
    let comparison = matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq);
    let arithmetic = matches!(op, B::Plus | B::Minus | B::Multiply | B::Divide);
    let numeric_family = |t: Ty| t.is_int() || matches!(t, Ty::Numeric | Ty::Float8);
    let done = |left, right, t: Ty| {
        Some(Resolved {
            left,
            right,
            result: if comparison { Ty::Bool } else { t },
        })
    };
    if numeric_family(a) && numeric_family(b) && (comparison || arithmetic) {
        if a == b {
            return done(None, None, a);
        }
        // Integers of different widths have cross-type operators (int48mul, int84lt…):
        // no cast, the wider type results.
        if a.is_int() && b.is_int() {
            return done(None, None, if a.rank() >= b.rank() { a } else { b });
        }
        // Otherwise the narrower operand is cast to the other's type: integers to numeric,
        // anything to double precision (float8 is the category's preferred type).
        let wider = if b == Ty::Float8 || (a != Ty::Float8 && b == Ty::Numeric) {
            b
        } else {
            a
        };
        let (l, r) = if wider == a {
            (None, Some(a))
        } else {
            (Some(b), None)
        };
        return done(l, r, wider);
    }
    if a == b && comparison {
        return done(None, None, Ty::Bool);
    }
    match (op, a, b) {
        (B::Minus, Ty::Timestamptz, Ty::Timestamptz) | (B::Minus, Ty::Timestamp, Ty::Timestamp) => {
            done(None, None, Ty::Interval)
        }
        (B::StringConcat, Ty::Text, Ty::Text) => done(None, None, Ty::Text),
        _ => None,
    }
}

/// `x`, `t.x`, `new.x` → the column's name, when it names one of the table's columns.
fn column_name(e: &Expr, typing: &Typing) -> Option<String> {
    let fold = |i: &Ident| match i.quote_style {
        None => i.value.to_lowercase(),
        Some(_) => i.value.clone(),
    };
    let name = match e {
        Expr::Identifier(i) => {
            // Words the grammar reads as functions, not column names.
            if i.quote_style.is_none()
                && matches!(
                    fold(i).as_str(),
                    "current_date"
                        | "current_time"
                        | "current_timestamp"
                        | "localtime"
                        | "localtimestamp"
                        | "current_user"
                        | "session_user"
                        | "current_role"
                        | "user"
                        | "current_catalog"
                        | "current_schema"
                )
            {
                return None;
            }
            fold(i)
        }
        Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
            let q = fold(&parts[0]);
            let own = q == typing.table || (typing.row_refs && (q == "new" || q == "old"));
            if !own {
                return None;
            }
            fold(&parts[1])
        }
        _ => return None,
    };
    typing
        .columns
        .iter()
        .any(|c| c.name == name)
        .then_some(name)
}

fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(_) => true,
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_literal(expr),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => is_literal(expr),
        _ => false,
    }
}

/// The unqualified (or `pg_catalog.`) lower-case name of a call to a built-in function, and
/// its plain positional arguments.
fn builtin_call<'e>(e: &'e Expr, typing: &Typing) -> Option<(String, Vec<&'e Expr>)> {
    let Expr::Function(f) = e else {
        return None;
    };
    if f.filter.is_some() || f.over.is_some() || !f.within_group.is_empty() {
        return None;
    }
    let name = match f.name.0.as_slice() {
        [n] => n,
        [s, n] if s.value.eq_ignore_ascii_case("pg_catalog") && s.quote_style.is_none() => n,
        _ => return None,
    };
    if name.quote_style.is_some() {
        return None;
    }
    let name = name.value.to_lowercase();
    if typing.functions.contains(&name) {
        return None;
    }
    let args = match &f.args {
        FunctionArguments::List(l) if l.duplicate_treatment.is_none() && l.clauses.is_empty() => l
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        FunctionArguments::None => Vec::new(),
        _ => return None,
    };
    Some((name, args))
}

/// The type PostgreSQL gives `e`, when this module knows it.
fn type_of(e: &Expr, typing: &Typing) -> Option<Ty> {
    if let Some(name) = column_name(e, typing) {
        let c = typing.columns.iter().find(|c| c.name == name)?;
        return Ty::from_format(&c.ty);
    }
    match e {
        Expr::Nested(inner) => type_of(inner, typing),
        Expr::Value(Value::Number(n, _)) => Some(if n.parse::<i32>().is_ok() {
            Ty::Int4
        } else if n.parse::<i64>().is_ok() {
            Ty::Int8
        } else {
            Ty::Numeric
        }),
        Expr::Value(Value::Boolean(_)) => Some(Ty::Bool),
        Expr::Cast {
            kind: CastKind::DoubleColon | CastKind::Cast,
            data_type,
            ..
        } => Ty::from_format(&data_type.to_string().to_lowercase()),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => type_of(expr, typing).filter(|t| t.is_int() || matches!(t, Ty::Numeric | Ty::Float8)),
        Expr::BinaryOp { left, op, right } => {
            resolve(op, type_of(left, typing)?, type_of(right, typing)?).map(|r| r.result)
        }
        // EXTRACT returns numeric (PostgreSQL 14 on; older servers print date_part,
        // which no model expression matches).
        Expr::Extract { .. } => Some(Ty::Numeric),
        _ => {
            let (name, args) = builtin_call(e, typing)?;
            let arg = |i: usize| args.get(i).and_then(|a| type_of(a, typing));
            match (name.as_str(), args.len()) {
                ("now", 0) => Some(Ty::Timestamptz),
                ("date_trunc", 2) => match arg(1)? {
                    Ty::Date | Ty::Timestamptz => Some(Ty::Timestamptz),
                    Ty::Timestamp => Some(Ty::Timestamp),
                    _ => None,
                },
                ("round", 1 | 2) if arg(0)? == Ty::Numeric => Some(Ty::Numeric),
                ("length" | "char_length", 1) if arg(0)? == Ty::Text => Some(Ty::Int4),
                ("lower" | "upper" | "btrim" | "ltrim" | "rtrim", 1) if arg(0)? == Ty::Text => {
                    Some(Ty::Text)
                }
                _ => None,
            }
        }
    }
}

fn wrap(e: &mut Expr, to: Ty) {
    let inner = std::mem::replace(e, Expr::Value(Value::Null));
    *e = Expr::Cast {
        kind: CastKind::DoubleColon,
        expr: Box::new(inner),
        data_type: super::equiv::canonical_type(DataType::Custom(
            ObjectName(vec![Ident::new(to.name())]),
            vec![],
        )),
        format: None,
    };
}

/// Inserts into `e` (a model expression, already normalised by [`super::equiv`]) the casts
/// PostgreSQL adds around its operands. Returns how many it inserted.
pub fn add_casts(e: &mut Expr, typing: &Typing) -> usize {
    let mut v = AddCasts {
        typing,
        depth: 0,
        added: 0,
    };
    let _ = e.visit(&mut v);
    v.added
}

struct AddCasts<'a> {
    typing: &'a Typing<'a>,
    /// How many subqueries the visit is inside: names there are not the table's.
    depth: usize,
    added: usize,
}

impl VisitorMut for AddCasts<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        let typing = self.typing;
        match e {
            Expr::BinaryOp { left, op, right } => {
                let (Some(a), Some(b)) = (type_of(left, typing), type_of(right, typing)) else {
                    return ControlFlow::Continue(());
                };
                if let Some(r) = resolve(op, a, b) {
                    // A literal's cast is folded into the constant, which the comparison
                    // already allows for (`(0)::numeric`).
                    if let Some(t) = r.left.filter(|_| !is_literal(left)) {
                        wrap(left, t);
                        self.added += 1;
                    }
                    if let Some(t) = r.right.filter(|_| !is_literal(right)) {
                        wrap(right, t);
                        self.added += 1;
                    }
                }
            }
            Expr::Function(_) => {
                let is_date_trunc = builtin_call(e, typing).is_some_and(|(name, args)| {
                    name == "date_trunc"
                        && args.len() == 2
                        && !is_literal(args[1])
                        && type_of(args[1], typing) == Some(Ty::Date)
                });
                if is_date_trunc {
                    // date_trunc(text, timestamptz) wins over (text, timestamp): timestamptz
                    // is the preferred type of the date/time category.
                    if let Expr::Function(f) = e {
                        if let FunctionArguments::List(l) = &mut f.args {
                            if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) =
                                l.args.get_mut(1)
                            {
                                wrap(arg, Ty::Timestamptz);
                                self.added += 1;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
