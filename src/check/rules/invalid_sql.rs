//! SC401 invalid-sql: a SQL fragment that is not exactly one expression (or one query, for
//! views and materialized views). Fragments are pasted into DDL, so `true; DROP TABLE x`
//! must never get through. Domain defaults and checks are expressions like a column's; a
//! table's partition key and a partition's bound are read for that alone (their shape is
//! SC314's).

use super::FastMap;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{IndexElem, Model, SharedFacts, Sql};
use crate::sql::parse::{error_position, parse_expr, parse_index_elem, parse_query};

pub const RULE: Rule = Rule {
    code: "SC401",
    name: "invalid-sql",
    severity: Severity::Error,
    summary: "a default, check, policy, index expression or (materialized) view query does not parse as exactly one expression/query",
    run,
};

const HINT: &str = "write exactly one expression, e.g. `now()`, `'text'`, `status = 'active'`; quote YAML strings containing `:` or `#`";

const QUERY_HINT: &str =
    "write exactly one SELECT (or WITH … SELECT) statement, without a trailing `;`";

fn report(m: &Model, rule: &Rule, sql: &Sql, what: &str, err: String, out: &mut Vec<Diagnostic>) {
    let (message, pos) = error_position(&err);
    let at = pos
        .and_then(|p| position_in_file(m, sql, p))
        .unwrap_or(sql.loc);
    out.push(
        rule.diag(format!(
            "{what} is not a single valid SQL expression: {message}"
        ))
        .label(at, format!("in `{}`", sql.text.trim()))
        .hint(HINT),
    );
}

/// Reports a fragment PostgreSQL would not read as part of one statement (see
/// [`crate::sql::fragment`]); true when it did, and then sqlparser need not look at it.
fn unsafe_fragment(
    m: &Model,
    rule: &Rule,
    sql: &Sql,
    what: &str,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let Some(e) = &sql.unsafe_reason else {
        return false;
    };
    let before = &sql.text[..e.offset.min(sql.text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    let at = position_in_file(m, sql, (line, col)).unwrap_or(sql.loc);
    out.push(
        rule.diag(format!(
            "{what} is not a single valid {}: {}",
            match sql.shape() {
                crate::sql::fragment::Shape::Expr => "SQL expression",
                crate::sql::fragment::Shape::Query => "query",
            },
            e.message
        ))
        .label(at, format!("in `{}`", sql.text.trim()))
        .hint(match sql.shape() {
            crate::sql::fragment::Shape::Expr => HINT,
            crate::sql::fragment::Shape::Query => QUERY_HINT,
        }),
    );
    true
}

/// Maps a (line, column) inside a fragment to the file, when the fragment is written on one
/// line as a plain or quoted scalar (block scalars keep the fragment's own position).
fn position_in_file(m: &Model, sql: &Sql, (line, col): (u32, u32)) -> Option<Loc> {
    if line != 1 || sql.text.contains('\n') {
        return None;
    }
    let src = m.sources.line_text(sql.loc.file, sql.loc.line)?;
    let first = src.chars().nth(sql.loc.col.saturating_sub(1) as usize)?;
    let skip = match first {
        '"' | '\'' => 1,
        '|' | '>' => return None,
        _ => 0,
    };
    Some(Loc {
        col: sql.loc.col + skip + col.saturating_sub(1),
        len: 1,
        ..sql.loc
    })
}

/// Parse results of this run, by text. Whether a fragment parses depends on its text alone
/// (where an error is reported depends on the fragment), and projects repeat their fragments
/// (`amount >= 0` on many tables, a template's condition on every table that uses it), so
/// each distinct text goes through sqlparser once.
#[derive(Default)]
struct Parsed<'a> {
    exprs: FastMap<&'a str, Result<(), String>>,
    index_elems: FastMap<&'a str, Result<(), String>>,
    facts: SharedFacts<'a, rustc_hash::FxBuildHasher>,
}

/// Whether `parse` accepts `text`, through `memo`: the error, if any.
fn parse_once<'a>(
    memo: &mut FastMap<&'a str, Result<(), String>>,
    text: &'a str,
    parse: impl FnOnce(&str) -> Result<(), String>,
) -> Option<String> {
    memo.entry(text)
        .or_insert_with(|| parse(text))
        .as_ref()
        .err()
        .cloned()
}

/// Reports `sql` when it is not one expression; `what` names it (built only then). The AST
/// is dropped at once: only this check reads these fragments.
fn expr<'a>(
    m: &Model,
    rule: &Rule,
    parsed: &mut Parsed<'a>,
    sql: Option<&'a Sql>,
    what: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(s) = sql {
        if s.unsafe_reason.is_some() {
            unsafe_fragment(m, rule, s, &what(), out);
            return;
        }
        // Plain defaults (`now()`, `0`) skip the parser; the memo spares even that test.
        let parse = |text: &str| {
            if crate::sql::parse::is_plain_expression(text) {
                return Ok(());
            }
            parse_expr(text).map(drop)
        };
        if let Some(e) = parse_once(&mut parsed.exprs, &s.text, parse) {
            report(m, rule, s, &what(), e, out);
        }
    }
}

/// [`expr`] for a policy condition: parsed through [`Sql::facts_shared`], so the RLS checks
/// that read it next need not parse it again.
fn policy_expr<'a>(
    m: &Model,
    rule: &Rule,
    parsed: &mut Parsed<'a>,
    sql: Option<&'a Sql>,
    what: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(s) = sql {
        if s.unsafe_reason.is_some() {
            unsafe_fragment(m, rule, s, &what(), out);
            return;
        }
        if let Err(e) = s.facts_shared(&mut parsed.facts) {
            report(m, rule, s, &what(), e.to_string(), out);
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let mut parsed = Parsed::default();
    for t in m.tables.values() {
        let tn = &t.name.name;
        for c in t.columns.values() {
            expr(
                m,
                rule,
                &mut parsed,
                c.default.as_ref(),
                || format!("the default of `{tn}.{}`", c.name),
                out,
            );
            expr(
                m,
                rule,
                &mut parsed,
                c.generated.as_ref(),
                || format!("the generated expression of `{tn}.{}`", c.name),
                out,
            );
        }
        for c in &t.checks {
            expr(
                m,
                rule,
                &mut parsed,
                Some(&c.expr),
                || format!("check `{}` on `{tn}`", c.name),
                out,
            );
        }
        for ix in &t.indexes {
            index(m, rule, &mut parsed, ix, out);
        }
        for x in &t.exclusions {
            exclusion(m, rule, &mut parsed, x, out);
        }
        // A partition key and bound are not expressions: only whether PostgreSQL reads them
        // as part of one statement is checked here; their shape is SC314's.
        let bounds = t.partition_of.as_ref().and_then(|p| p.bounds.as_ref());
        for (sql, what) in [
            (t.partition_by.as_ref(), "partition key"),
            (bounds, "partition bound"),
        ] {
            if let Some(s) = sql {
                unsafe_fragment(m, rule, s, &format!("the {what} of `{tn}`"), out);
            }
        }
        for tr in t.triggers.values() {
            expr(
                m,
                rule,
                &mut parsed,
                tr.condition.as_ref(),
                || format!("the condition of trigger `{}`", tr.name),
                out,
            );
        }
        for p in t.policies.values() {
            policy_expr(
                m,
                rule,
                &mut parsed,
                p.using.as_ref(),
                || format!("`using` of policy `{}` on `{tn}`", p.name),
                out,
            );
            policy_expr(
                m,
                rule,
                &mut parsed,
                p.with_check.as_ref(),
                || format!("`with_check` of policy `{}` on `{tn}`", p.name),
                out,
            );
        }
    }
    // Conditions of the triggers on views and on external tables.
    let other_triggers = m
        .views
        .values()
        .flat_map(|v| v.triggers.values())
        .chain(m.external.values().flat_map(|e| e.triggers.values()));
    for tr in other_triggers {
        expr(
            m,
            rule,
            &mut parsed,
            tr.condition.as_ref(),
            || format!("the condition of trigger `{}`", tr.name),
            out,
        );
    }
    for e in m.external.values() {
        for p in e.policies.values() {
            policy_expr(
                m,
                rule,
                &mut parsed,
                p.using.as_ref(),
                || format!("`using` of policy `{}` on `{}`", p.name, e.name),
                out,
            );
            policy_expr(
                m,
                rule,
                &mut parsed,
                p.with_check.as_ref(),
                || format!("`with_check` of policy `{}` on `{}`", p.name, e.name),
                out,
            );
        }
    }
    for f in &m.functions {
        if let Err(e) = crate::model::types::Returns::parse(&f.returns) {
            out.push(
                rule.diag(format!(
                    "function `{}` returns `{}`, which is not a type: {}",
                    f.name,
                    f.returns.trim(),
                    e.0
                ))
                .label(f.returns_loc, "returns this")
                .hint("write a type (`uuid`, `setof goals`, `trigger`, `void`) or `table (name type, …)`; options such as LANGUAGE have keys of their own"),
            );
        }
        if !crate::model::is_language_name(&f.language) {
            out.push(
                rule.diag(format!(
                    "function `{}` is in language `{}`, which is not a language name",
                    f.name,
                    f.language.trim()
                ))
                .label(f.loc, "defined here")
                .hint("write a language's name: `sql`, `plpgsql`, or an extension's (`plv8`)"),
            );
        }
        for a in &f.args {
            expr(
                m,
                rule,
                &mut parsed,
                a.default.as_ref(),
                || format!("the default of argument `{}` of `{}`", a.name, f.name),
                out,
            );
        }
    }
    for v in m.views.values() {
        query(m, rule, &v.query, &format!("view `{}`", v.name), out);
    }
    for v in m.materialized_views.values() {
        query(
            m,
            rule,
            &v.query,
            &format!("materialized view `{}`", v.name),
            out,
        );
        for ix in &v.indexes {
            index(m, rule, &mut parsed, ix, out);
        }
    }
    for d in m.domains.values() {
        expr(
            m,
            rule,
            &mut parsed,
            d.default.as_ref(),
            || format!("the default of domain `{}`", d.name),
            out,
        );
        for c in &d.checks {
            expr(
                m,
                rule,
                &mut parsed,
                Some(&c.expr),
                || format!("check `{}` of domain `{}`", c.name, d.name),
                out,
            );
        }
    }
}

/// The expressions and predicate of an index.
fn index<'a>(
    m: &Model,
    rule: &Rule,
    parsed: &mut Parsed<'a>,
    ix: &'a crate::model::Index,
    out: &mut Vec<Diagnostic>,
) {
    for e in &ix.elems {
        if let IndexElem::Expr(s) = e {
            let what = || format!("an expression of index `{}`", ix.name);
            if !unsafe_fragment(m, rule, s, &what(), out) {
                index_elem(m, rule, parsed, s, what, out);
            }
        }
    }
    expr(
        m,
        rule,
        parsed,
        ix.predicate.as_ref(),
        || format!("the WHERE of index `{}`", ix.name),
        out,
    );
}

/// Reports an index element (an expression with its operator class and ordering) that does
/// not parse; `what` names it.
fn index_elem<'a>(
    m: &Model,
    rule: &Rule,
    parsed: &mut Parsed<'a>,
    s: &'a Sql,
    what: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(err) = parse_once(&mut parsed.index_elems, &s.text, |t| {
        parse_index_elem(t).map(drop)
    }) {
        report(m, rule, s, &what(), err, out);
    }
}

/// The elements and predicate of an exclusion constraint (the operators are SC316's).
fn exclusion<'a>(
    m: &Model,
    rule: &Rule,
    parsed: &mut Parsed<'a>,
    x: &'a crate::model::Exclusion,
    out: &mut Vec<Diagnostic>,
) {
    let what = || format!("an element of exclusion constraint `{}`", x.name);
    for e in &x.elems {
        if unsafe_fragment(m, rule, &e.text, &what(), out) {
            continue;
        }
        if let (IndexElem::Expr(s), Some(_)) = (&e.elem, &e.operator) {
            index_elem(m, rule, parsed, s, what, out);
        }
    }
    expr(
        m,
        rule,
        parsed,
        x.predicate.as_ref(),
        || format!("the WHERE of exclusion constraint `{}`", x.name),
        out,
    );
}

/// The query of a view or materialized view (`what`).
fn query(m: &Model, rule: &Rule, q: &Sql, what: &str, out: &mut Vec<Diagnostic>) {
    if unsafe_fragment(m, rule, q, &format!("the query of {what}"), out) {
        return;
    }
    if let Err(e) = parse_query(&q.text) {
        out.push(
            rule.diag(format!(
                "the query of {what} is not a single valid query: {e}"
            ))
            .label(q.loc, "")
            .hint(QUERY_HINT),
        );
    }
}
