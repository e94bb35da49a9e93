//! SC311 invalid-enum-default: a column of an enum type whose default is a label the enum
//! does not have (`status: { type: goal_status, default: "'actve'" }`). PostgreSQL reads
//! the default when the table is created and refuses it ("invalid input value for enum"),
//! half-way through the migration; check says so first, with the enum's labels.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::types::BaseType;
use crate::model::Model;
use sqlparser::ast::{DataType, Expr, Value};

pub const RULE: Rule = Rule {
    code: "SC311",
    name: "invalid-enum-default",
    severity: Severity::Error,
    summary: "an enum column's default is not one of the enum's values",
    run,
};

/// The label a default names: a string literal, alone or cast to the enum (by its name,
/// qualified or not). None for anything else (a function call, NULL, another cast).
fn label(e: &Expr, enum_name: &str) -> Option<String> {
    match e {
        Expr::Value(Value::SingleQuotedString(s)) => Some(s.clone()),
        Expr::Nested(inner) => label(inner, enum_name),
        Expr::Cast {
            expr, data_type, ..
        } => match data_type {
            DataType::Custom(name, mods)
                if mods.is_empty()
                    && name.0.last().is_some_and(|i| {
                        if i.quote_style.is_some() {
                            i.value == enum_name
                        } else {
                            i.value.to_lowercase() == enum_name
                        }
                    }) =>
            {
                label(expr, enum_name)
            }
            _ => None,
        },
        _ => None,
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for c in t.columns.values() {
            let (BaseType::Named(q), 0) = (&c.ty.base, c.ty.array_dims) else {
                continue;
            };
            let (Some(en), Some(d)) = (m.enums.get(q), &c.default) else {
                continue;
            };
            let Ok(e) = crate::sql::parse::parse_expr(&d.text) else {
                continue; // SC401 reports it
            };
            let Some(l) = label(&e, &q.name) else {
                continue;
            };
            if en.values.iter().any(|v| v.name == l) {
                continue;
            }
            let labels: Vec<&str> = en.values.iter().map(|v| v.name.as_str()).collect();
            let hint = match closest(&l, labels.iter().copied()) {
                Some(k) => format!(
                    "did you mean `'{k}'`? `{}` has: {}",
                    en.name,
                    labels.join(", ")
                ),
                None => format!("`{}` has: {}", en.name, labels.join(", ")),
            };
            out.push(
                rule.diag(format!(
                    "the default of column `{}.{}` is `'{l}'`, which is not a value of enum `{}`",
                    t.name.name, c.name, en.name
                ))
                .label(d.loc, "not a value of the enum")
                .label(en.loc, "the enum")
                .hint(hint),
            );
        }
    }
}
