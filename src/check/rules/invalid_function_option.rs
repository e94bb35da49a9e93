//! SC315 invalid-function-option: a function option PostgreSQL would refuse, or one the
//! format says another way. `cost` and `rows` are positive numbers that fit PostgreSQL's
//! `float4` (`rows` only on a function that returns a set) with at most six significant
//! digits, as `pg_get_functiondef` prints them (a plan that makes a function again from
//! that text would otherwise change the number, and no diff could see it); a `set:` name is a
//! configuration parameter's name (`work_mem`, `app.tenant`: parts of letters, digits, `_`
//! and `$` separated by dots), not `search_path` (which has its own key), and written once
//! (the loader refuses a NUL anywhere); an `out` argument has no default, and a `variadic`
//! argument is the last one the caller passes. Names are quoted and values written as
//! literals whatever this check says; it exists so that the mistake is reported with its
//! position instead of by PostgreSQL halfway through a migration.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{is_setting_name, printf_g, ArgMode, Function, Model, Number};

pub const RULE: Rule = Rule {
    code: "SC315",
    name: "invalid-function-option",
    severity: Severity::Error,
    summary: "a function's cost or rows is not a positive number of six significant digits (or rows is given to a function that returns no set), a `set:` name is not a parameter name or is search_path, or an argument's mode is misplaced",
    run,
};

const NUMBER_HINT: &str =
    "write a positive number, e.g. `cost: 10`, `rows: 50` (at most 3.4e38, PostgreSQL keeps a float4)";

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for f in &m.functions {
        number(rule, f, "cost", f.cost, out);
        number(rule, f, "rows", f.rows, out);
        if let Some(r) = f.rows {
            if !f.returns_set() && crate::model::types::Returns::parse(&f.returns).is_ok() {
                out.push(
                    rule.diag(format!(
                        "function `{}` has `rows`, but it returns `{}`, not a set",
                        f.name,
                        f.returns.trim()
                    ))
                    .label(r.loc, "estimated rows of a function that returns one value")
                    .hint("remove `rows`, or return a set: `setof type` or `table (name type, …)`"),
                );
            }
        }
        settings(rule, f, out);
        modes(rule, f, out);
    }
}

fn number(rule: &Rule, f: &Function, key: &str, n: Option<Number>, out: &mut Vec<Diagnostic>) {
    let Some(n) = n else {
        return;
    };
    let fits = n.value.is_finite() && n.value > 0.0 && n.stored().is_some();
    if !fits {
        out.push(
            rule.diag(format!(
                "`{key}` of function `{}` is {}, not a positive number",
                f.name, n.value
            ))
            .label(n.loc, "")
            .hint(NUMBER_HINT),
        );
    } else if !n.survives_printing() {
        let printed = n.stored().map(printf_g).unwrap_or_default();
        out.push(
            rule.diag(format!(
                "`{key}` of function `{}` is {}, which PostgreSQL prints as {printed}",
                f.name, n.value
            ))
            .label(n.loc, "more than six significant digits")
            .hint(format!("write `{key}: {printed}`: pg_get_functiondef prints six significant digits, and a function made again from its text would get that number")),
        );
    }
}

fn settings(rule: &Rule, f: &Function, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<String> = Vec::new();
    for s in &f.settings {
        if s.name.eq_ignore_ascii_case("search_path") {
            out.push(
                rule.diag(format!("function `{}` sets search_path in `set:`", f.name))
                    .label(s.loc, "")
                    .hint(format!(
                        "write it as the function's own key: `search_path: {}`",
                        serde_json::to_string(&s.value).unwrap_or_default()
                    )),
            );
        } else if !is_setting_name(&s.name) {
            out.push(
                rule.diag(format!(
                    "`set:` of function `{}` names `{}`, which is not a configuration parameter's name",
                    f.name,
                    s.name.escape_debug()
                ))
                .label(s.loc, "")
                .hint("write a parameter's name: `work_mem`, `statement_timeout`, or a custom one with a dot (`app.tenant`); letters, digits, `_` and `$`, at most 63 bytes"),
            );
        }
        let lower = s.name.to_ascii_lowercase();
        if seen.contains(&lower) {
            out.push(
                rule.diag(format!(
                    "`set:` of function `{}` sets `{}` twice",
                    f.name,
                    s.name.escape_debug()
                ))
                .label(s.loc, "set again here")
                .hint("parameter names are case-insensitive: keep one entry"),
            );
        } else {
            seen.push(lower);
        }
    }
}

fn modes(rule: &Rule, f: &Function, out: &mut Vec<Diagnostic>) {
    let last_input = f.args.iter().rposition(|a| a.mode.is_input());
    for (i, a) in f.args.iter().enumerate() {
        if a.mode == ArgMode::Out {
            if let Some(d) = &a.default {
                out.push(
                    rule.diag(format!(
                        "argument `{}` of function `{}` is `out` and has a default",
                        a.name, f.name
                    ))
                    .label(d.loc, "")
                    .hint("only arguments the caller passes (`in`, `inout`, `variadic`) have defaults: remove the default or the mode"),
                );
            }
        }
        if a.mode == ArgMode::Variadic && Some(i) != last_input {
            out.push(
                rule.diag(format!(
                    "argument `{}` of function `{}` is `variadic` but not the last argument the caller passes",
                    a.name, f.name
                ))
                .label(a.mode_loc, "")
                .hint("a `variadic` argument (an array) comes after every `in` and `inout` one"),
            );
        }
    }
}
