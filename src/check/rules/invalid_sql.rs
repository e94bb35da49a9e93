//! SC401 invalid-sql: a SQL fragment that is not exactly one expression (or one query, for
//! views). Fragments are pasted into DDL, so `true; DROP TABLE x` must never get through.

use crate::check::sql::{parse_expr, parse_index_elem, parse_query};
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{IndexElem, Model, Sql};

pub const RULE: Rule = Rule {
    code: "SC401",
    name: "invalid-sql",
    severity: Severity::Error,
    summary: "a default, check, policy, index expression or view query does not parse as exactly one expression/query",
    run,
};

fn report(rule: &Rule, sql: &Sql, what: &str, err: String, out: &mut Vec<Diagnostic>) {
    out.push(
        rule.diag(format!("{what} is not a single valid SQL expression: {err}"))
            .label(sql.loc, format!("`{}`", sql.text.trim()))
            .hint("write exactly one expression, e.g. `now()`, `'text'`, `status = 'active'`; quote YAML strings containing `:` or `#`"),
    );
}

fn expr(rule: &Rule, sql: &Option<Sql>, what: &str, out: &mut Vec<Diagnostic>) {
    if let Some(s) = sql {
        if let Err(e) = parse_expr(&s.text) {
            report(rule, s, what, e, out);
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        let tn = &t.name.name;
        for c in t.columns.values() {
            expr(
                rule,
                &c.default,
                &format!("the default of `{tn}.{}`", c.name),
                out,
            );
            expr(
                rule,
                &c.generated,
                &format!("the generated expression of `{tn}.{}`", c.name),
                out,
            );
        }
        for c in &t.checks {
            expr(
                rule,
                &Some(c.expr.clone()),
                &format!("check `{}` on `{tn}`", c.name),
                out,
            );
        }
        for ix in &t.indexes {
            for e in &ix.elems {
                if let IndexElem::Expr(s) = e {
                    if let Err(err) = parse_index_elem(&s.text) {
                        report(
                            rule,
                            s,
                            &format!("an expression of index `{}`", ix.name),
                            err,
                            out,
                        );
                    }
                }
            }
            expr(
                rule,
                &ix.predicate,
                &format!("the WHERE of index `{}`", ix.name),
                out,
            );
        }
        for tr in t.triggers.values() {
            expr(
                rule,
                &tr.condition,
                &format!("the condition of trigger `{}`", tr.name),
                out,
            );
        }
        for p in t.policies.values() {
            expr(
                rule,
                &p.using,
                &format!("`using` of policy `{}` on `{tn}`", p.name),
                out,
            );
            expr(
                rule,
                &p.with_check,
                &format!("`with_check` of policy `{}` on `{tn}`", p.name),
                out,
            );
        }
    }
    for f in &m.functions {
        for a in &f.args {
            expr(
                rule,
                &a.default,
                &format!("the default of argument `{}` of `{}`", a.name, f.name),
                out,
            );
        }
    }
    for v in m.views.values() {
        if let Err(e) = parse_query(&v.query.text) {
            out.push(
                rule.diag(format!(
                    "the query of view `{}` is not a single valid query: {e}",
                    v.name
                ))
                .label(v.query.loc, "")
                .hint(
                    "write exactly one SELECT (or WITH … SELECT) statement, without a trailing `;`",
                ),
            );
        }
    }
}
