//! SQL fragments through sqlparser.
//!
//! Users write expressions (defaults, checks, policy conditions) and view queries as text;
//! schemac pastes them into DDL. Each one must therefore be exactly one expression (or one
//! query) — `true; DROP TABLE x` must never reach a migration. This module parses fragments
//! with the PostgreSQL dialect and offers the small AST walks the RLS checks need.

use sqlparser::ast::{Expr, Query, Statement, Value, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithLocation, Tokenizer};
use std::ops::ControlFlow;

fn clean(e: impl std::fmt::Display) -> String {
    let s = e.to_string();
    let s = s
        .strip_prefix("sql parser error: ")
        .unwrap_or(&s)
        .to_string();
    s
}

/// Whether `text` is, on its face, exactly one expression of the kinds most defaults are:
/// a number, a plain string literal (optionally cast to a plainly named type), `true`,
/// `false`, `null`, or a call without arguments (`now()`, `gen_random_uuid()`). Only ever
/// true for text [`parse_expr`] accepts, so a check may skip the parser for it.
pub fn is_plain_expression(text: &str) -> bool {
    let t = text.trim();
    let word = |w: &str| {
        !w.is_empty()
            && w.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            // What `quote_ident` leaves bare, asked without building the quoted copy.
            && !super::quote::is_keyword(w)
    };
    let number = |n: &str| {
        let n = n.strip_prefix('-').unwrap_or(n);
        let (int, frac) = n.split_once('.').unwrap_or((n, "0"));
        !int.is_empty()
            && !frac.is_empty()
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.chars().all(|c| c.is_ascii_digit())
    };
    let string = |s: &str| {
        s.len() >= 2
            && s.starts_with('\'')
            && s.ends_with('\'')
            && !s[1..s.len() - 1].contains(['\'', '\\'])
    };
    if let Some(call) = t.strip_suffix("()") {
        return match call.split_once('.') {
            Some((schema, name)) => word(schema) && word(name),
            None => word(call),
        };
    }
    if let Some((lit, ty)) = t.rsplit_once("::") {
        let ty = ty.strip_suffix("[]").unwrap_or(ty);
        return string(lit) && word(ty);
    }
    matches!(t.to_ascii_lowercase().as_str(), "true" | "false" | "null") || number(t) || string(t)
}

/// A parser over `text`, with the PostgreSQL syntax sqlparser does not know mapped to what
/// it does: `VARIADIC` before a function's array argument is dropped, and `OVERLAPS`
/// between two row constructors reads as `=` (which takes the same operands). Both words
/// are reserved in PostgreSQL, so neither can be an unquoted name. PostgreSQL prints them
/// (`jsonb_extract_path_text(x, VARIADIC ARRAY[…])` for `#>>`), so imported projects hold
/// them. Only this parse sees the mapping: PostgreSQL gets the text as written.
fn pg_parser<'a>(dialect: &'a PostgreSqlDialect, text: &str) -> Result<Parser<'a>, String> {
    let tokens = Tokenizer::new(dialect, text)
        .tokenize_with_location()
        .map_err(clean)?;
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let tokens: Vec<TokenWithLocation> = tokens
        .into_iter()
        .filter(|t| !word(&t.token, "variadic"))
        .map(|t| {
            if word(&t.token, "overlaps") {
                TokenWithLocation {
                    token: Token::Eq,
                    location: t.location,
                }
            } else {
                t
            }
        })
        .collect();
    Ok(Parser::new(dialect).with_tokens_with_locations(tokens))
}

/// Parses exactly one expression.
pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let dialect = PostgreSqlDialect {};
    let mut p = pg_parser(&dialect, text)?;
    let expr = p.parse_expr().map_err(clean)?;
    expect_end(&p)?;
    Ok(expr)
}

fn expect_end(p: &Parser) -> Result<(), String> {
    let next = p.peek_token();
    if next.token == Token::EOF {
        return Ok(());
    }
    // Built only on error: every fragment of a project goes through here.
    let at = format!(
        " at Line: {}, Column: {}",
        next.location.line, next.location.column
    );
    match next.token {
        Token::EOF => Ok(()),
        Token::SemiColon => Err(format!(
            "expected exactly one expression, found `;` (several statements are not allowed){at}"
        )),
        t => Err(format!(
            "expected the end of the expression, found `{t}`{at}"
        )),
    }
}

/// Splits sqlparser's " at Line: L, Column: C" suffix off an error message.
pub fn error_position(msg: &str) -> (String, Option<(u32, u32)>) {
    let Some(i) = msg.rfind(" at Line: ") else {
        return (msg.to_string(), None);
    };
    let rest = &msg[i + " at Line: ".len()..];
    let pos = rest
        .split_once(", Column: ")
        .and_then(|(l, c)| Some((l.trim().parse().ok()?, c.trim().parse().ok()?)));
    (msg[..i].to_string(), pos)
}
/// Parses an index element: an expression optionally followed by `COLLATE name`, an
/// operator class (`gin_trgm_ops`, `public.vector_cosine_ops`), `ASC`/`DESC` and
/// `NULLS FIRST`/`NULLS LAST`.
pub fn parse_index_elem(text: &str) -> Result<Expr, String> {
    let dialect = PostgreSqlDialect {};
    let mut p = pg_parser(&dialect, text)?;
    let expr = p.parse_expr().map_err(clean)?;
    if p.parse_keyword(Keyword::COLLATE) {
        p.parse_object_name(false).map_err(clean)?;
    }
    if let Token::Word(w) = p.peek_token().token {
        if !matches!(w.keyword, Keyword::ASC | Keyword::DESC | Keyword::NULLS) {
            p.parse_object_name(false).map_err(clean)?;
        }
    }
    if !p.parse_keyword(Keyword::ASC) {
        let _ = p.parse_keyword(Keyword::DESC);
    }
    if p.parse_keyword(Keyword::NULLS)
        && !p.parse_keyword(Keyword::FIRST)
        && !p.parse_keyword(Keyword::LAST)
    {
        return Err("expected FIRST or LAST after NULLS".into());
    }
    expect_end(&p)?;
    Ok(expr)
}

/// Splits an index element into its expression and what follows it (operator class,
/// ordering), e.g. `title gin_trgm_ops` → (`title`, `gin_trgm_ops`). None when the expression
/// does not parse.
pub fn split_index_elem(text: &str) -> Option<(String, String)> {
    let dialect = PostgreSqlDialect {};
    let mut p = pg_parser(&dialect, text).ok()?;
    p.parse_expr().ok()?;
    let next = p.peek_token();
    if next.token == Token::EOF {
        return Some((text.trim().to_string(), String::new()));
    }
    let (line, col) = (next.location.line as usize, next.location.column as usize);
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            offset += l
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            break;
        }
        offset += l.len() + 1;
    }
    let offset = offset.min(text.len());
    Some((
        text[..offset].trim().to_string(),
        text[offset..].trim().to_string(),
    ))
}

/// Parses exactly one query (a view body).
pub fn parse_query(text: &str) -> Result<Box<Query>, String> {
    let dialect = PostgreSqlDialect {};
    let stmts = pg_parser(&dialect, text)?
        .parse_statements()
        .map_err(clean)?;
    match stmts.len() {
        0 => Err("the query is empty".into()),
        1 => match stmts.into_iter().next() {
            Some(Statement::Query(q)) => Ok(q),
            _ => Err("expected a query (SELECT …, VALUES … or WITH …)".into()),
        },
        n => Err(format!("expected exactly one query, found {n} statements")),
    }
}

/// Names of the relations a query reads from (as written, possibly schema-qualified), for
/// ordering views. Empty when the query does not parse.
pub fn relations(query: &str) -> Vec<String> {
    struct Rel(Vec<String>);
    impl Visitor for Rel {
        type Break = ();
        fn pre_visit_relation(&mut self, r: &sqlparser::ast::ObjectName) -> ControlFlow<()> {
            self.0.push(
                r.0.iter()
                    .map(|i| {
                        if i.quote_style.is_some() {
                            format!("\"{}\"", i.value)
                        } else {
                            i.value.to_lowercase()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("."),
            );
            ControlFlow::Continue(())
        }
    }
    let Ok(q) = parse_query(query) else {
        return Vec::new();
    };
    let mut v = Rel(Vec::new());
    let _ = q.visit(&mut v);
    v.0
}

/// String literals compared with `bucket_id` (`bucket_id = 'avatars'`, either side).
pub fn bucket_literals(e: &Expr) -> Vec<String> {
    struct B(Vec<String>);
    fn is_bucket_col(e: &Expr) -> bool {
        match e {
            Expr::Identifier(i) => i.value.eq_ignore_ascii_case("bucket_id"),
            Expr::CompoundIdentifier(p) => p
                .last()
                .is_some_and(|i| i.value.eq_ignore_ascii_case("bucket_id")),
            Expr::Nested(n) => is_bucket_col(n),
            _ => false,
        }
    }
    fn literal(e: &Expr) -> Option<String> {
        match e {
            Expr::Value(Value::SingleQuotedString(s)) => Some(s.clone()),
            Expr::Cast { expr, .. } | Expr::Nested(expr) => literal(expr),
            _ => None,
        }
    }
    impl Visitor for B {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::BinaryOp {
                left,
                op: sqlparser::ast::BinaryOperator::Eq,
                right,
            } = e
            {
                if is_bucket_col(left) {
                    self.0.extend(literal(right));
                } else if is_bucket_col(right) {
                    self.0.extend(literal(left));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut b = B(Vec::new());
    let _ = e.visit(&mut b);
    b.0.sort();
    b.0.dedup();
    b.0
}

/// Whether an expression is the literal `true`.
pub fn is_true(e: &Expr) -> bool {
    match e {
        Expr::Value(Value::Boolean(true)) => true,
        Expr::Nested(inner) => is_true(inner),
        _ => false,
    }
}

/// Words sqlparser may read as identifiers that are really SQL-standard functions.
pub(crate) const SPECIAL_IDENTS: &[&str] = &[
    "current_user",
    "session_user",
    "current_role",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "user",
    "current_catalog",
    "current_schema",
];

/// What a walk over an expression found at the top level (outside any subquery).
#[derive(Debug, Default)]
pub struct TopLevel {
    /// Column names referenced directly (unqualified, or qualified with `table`), as
    /// PostgreSQL would resolve them (unquoted names folded to lower case).
    pub columns: Vec<String>,
    /// Calls to `auth.uid()`, `auth.jwt()`, `auth.role()`, `current_setting()` that are not
    /// wrapped in a scalar subquery, so PostgreSQL evaluates them once per row.
    pub per_row_calls: Vec<String>,
}

struct Walker<'a> {
    /// None: qualified references go to `qualified`, whatever their table.
    table: Option<&'a str>,
    depth: usize,
    found: TopLevel,
    qualified: Vec<(String, String)>,
}

pub(crate) fn ident_name(i: &sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

impl Visitor for Walker<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
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
                    self.found.columns.push(n);
                }
            }
            Expr::CompoundIdentifier(parts) => {
                let names: Vec<String> = parts.iter().map(ident_name).collect();
                if let [t, c] | [_, t, c] = names.as_slice() {
                    match self.table {
                        Some(table) if t == table => self.found.columns.push(c.clone()),
                        Some(_) => {}
                        None => self.qualified.push((t.clone(), c.clone())),
                    }
                }
            }
            Expr::Function(f) => {
                let name: Vec<String> = f.name.0.iter().map(|i| i.value.to_lowercase()).collect();
                let n = name.join(".");
                if matches!(
                    n.as_str(),
                    "auth.uid" | "auth.jwt" | "auth.role" | "auth.email" | "current_setting"
                ) {
                    self.found.per_row_calls.push(f.to_string());
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// What the RLS checks read from a policy condition (SC505, SC506, SC507, SC513), taken
/// from its AST once. A condition's AST is large (a `(SELECT auth.uid())` subquery alone is
/// kilobytes) and a project has thousands of conditions: the model keeps these facts
/// instead of the trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The condition is the literal `true` ([`is_true`]).
    pub is_true: bool,
    /// Unqualified column references at the top level, as PostgreSQL resolves them.
    columns: Vec<String>,
    /// Qualified top-level references `t.c` (or `s.t.c`): (t, c).
    qualified: Vec<(String, String)>,
    /// See [`TopLevel::per_row_calls`].
    pub per_row_calls: Vec<String>,
    /// See [`bucket_literals`].
    pub buckets: Vec<String>,
    /// Every table and column reference, by scope ([`crate::check::refs`]).
    pub refs: super::refs::Scope,
}

impl Facts {
    /// Reads the facts from a parsed condition.
    pub fn of(e: &Expr) -> Facts {
        let mut w = Walker {
            table: None,
            depth: 0,
            found: TopLevel::default(),
            qualified: Vec::new(),
        };
        let _ = e.visit(&mut w);
        Facts {
            is_true: is_true(e),
            columns: w.found.columns,
            qualified: w.qualified,
            per_row_calls: w.found.per_row_calls,
            buckets: bucket_literals(e),
            refs: super::refs::of_expr(e),
        }
    }

    /// The columns of `table` the condition references at the top level (the
    /// [`TopLevel::columns`] of [`top_level`], in another order).
    pub fn columns(&self, table: &str) -> Vec<String> {
        self.column_refs(table).map(str::to_string).collect()
    }

    /// [`Facts::columns`], borrowed.
    pub fn column_refs<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a str> {
        self.columns.iter().map(String::as_str).chain(
            self.qualified
                .iter()
                .filter(move |(t, _)| t == table)
                .map(|(_, c)| c.as_str()),
        )
    }
}

/// Parses a policy condition and reads its [`Facts`].
pub fn parse_facts(text: &str) -> Result<Facts, String> {
    parse_expr(text).map(|e| Facts::of(&e))
}

/// Walks `e` (an expression on table `table`) and reports its top-level references.
pub fn top_level(e: &Expr, table: &str) -> TopLevel {
    let mut w = Walker {
        table: Some(table),
        depth: 0,
        found: TopLevel::default(),
        qualified: Vec::new(),
    };
    let _ = e.visit(&mut w);
    w.found
}

#[cfg(test)]
mod tests {
    #[test]
    fn postgresql_spellings_sqlparser_lacks_parse() {
        use super::{parse_expr, parse_index_elem, parse_query};
        assert!(parse_expr("((start_date, end_date) OVERLAPS (start_date, end_date))").is_ok());
        assert!(parse_index_elem(
            "jsonb_extract_path_text(col, VARIADIC ARRAY['foo'::text, 'bar'::text])"
        )
        .is_ok());
        assert!(parse_query(
            "SELECT jsonb_extract_path_text(h.payload, VARIADIC ARRAY['amount'::text]) AS a FROM h"
        )
        .is_ok());
        // Still one expression only, and quoted names stay names.
        assert!(parse_expr("f(VARIADIC ARRAY[1]); DROP TABLE x").is_err());
        assert!(parse_expr("\"variadic\" + 1").is_ok());
        assert!(parse_expr("a OVERLAPS").is_err());
    }

    #[test]
    fn plain_expressions_are_ones_the_parser_accepts() {
        for t in [
            "now()",
            "gen_random_uuid()",
            "auth.uid()",
            " 0 ",
            "-1",
            "12.50",
            "'new'",
            "''",
            "'{}'::jsonb",
            "'{}'::text[]",
            "true",
            "FALSE",
            "null",
        ] {
            assert!(is_plain_expression(t), "{t}");
            assert!(parse_expr(t).is_ok(), "{t}");
        }
        for t in [
            "now(",
            "select()",
            "from()",
            "'it''s'",
            "'a' 'b'",
            "1.",
            ".5",
            "- 1",
            "now() + 1",
            "'x'::select",
            "Now()",
            "a.b.c()",
            "'x'::",
            "1e3",
            "'\\'",
            "",
        ] {
            assert!(!is_plain_expression(t), "{t}");
        }
    }

    use super::*;

    #[test]
    fn one_expression_only() {
        assert!(parse_expr("now()").is_ok());
        assert!(parse_expr("'{}'::jsonb").is_ok());
        assert!(parse_expr("progress BETWEEN 0 AND 100").is_ok());
        assert!(parse_expr("true; DROP TABLE x").is_err());
        assert!(parse_expr("a b").is_err());
        assert!(parse_expr("").is_err());
    }

    #[test]
    fn index_elements() {
        assert!(parse_index_elem("title gin_trgm_ops").is_ok());
        assert!(parse_index_elem("embedding vector_cosine_ops").is_ok());
        assert!(parse_index_elem("lower(email) DESC NULLS LAST").is_ok());
        assert!(parse_index_elem("(a + b)").is_ok());
        assert!(parse_index_elem("a; drop table x").is_err());
    }

    #[test]
    fn index_element_split() {
        assert_eq!(
            split_index_elem("title gin_trgm_ops"),
            Some(("title".into(), "gin_trgm_ops".into()))
        );
        assert_eq!(
            split_index_elem("lower(email)"),
            Some(("lower(email)".into(), String::new()))
        );
        assert_eq!(
            split_index_elem("a + b DESC"),
            Some(("a + b".into(), "DESC".into()))
        );
    }

    #[test]
    fn queries() {
        assert!(parse_query("SELECT * FROM goals WHERE status = 'active'").is_ok());
        assert!(parse_query("SELECT 1; DROP TABLE x").is_err());
        assert!(parse_query("DROP TABLE x").is_err());
    }

    #[test]
    fn facts_agree_with_the_walks() {
        for text in [
            "auth.uid() = user_id AND EXISTS (SELECT 1 FROM m WHERE m.x = auth.uid() AND y = 1)",
            "(SELECT auth.uid()) = goals.user_id AND other.z = 1 AND public.goals.w = 2",
            "bucket_id = 'avatars' AND (true)",
            "(true)",
        ] {
            let e = parse_expr(text).unwrap();
            let f = Facts::of(&e);
            let t = top_level(&e, "goals");
            let (mut a, mut b) = (f.columns("goals"), t.columns);
            a.sort();
            b.sort();
            assert_eq!(a, b, "{text}");
            assert_eq!(f.per_row_calls, t.per_row_calls);
            assert_eq!(f.buckets, bucket_literals(&e));
            assert_eq!(f.is_true, is_true(&e));
        }
    }

    #[test]
    fn top_level_references() {
        let e = parse_expr(
            "auth.uid() = user_id AND EXISTS (SELECT 1 FROM m WHERE m.x = auth.uid() AND y = 1)",
        )
        .unwrap();
        let t = top_level(&e, "goals");
        assert_eq!(t.columns, vec!["user_id"]);
        assert_eq!(t.per_row_calls, vec!["auth.uid()"]);
        let e = parse_expr("(SELECT auth.uid()) = goals.user_id AND current_user = 'x'").unwrap();
        let t = top_level(&e, "goals");
        assert_eq!(t.columns, vec!["user_id"]);
        assert!(t.per_row_calls.is_empty());
    }
}
