//! SC202 naming-convention: a table, column, function, enum or view name off the project's
//! `naming` convention. A warning: the name works, but mixed conventions are how `userId`
//! ends up next to `user_id`.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::names::{fold_snake, is_camel_case, is_snake_case};
use crate::model::{Model, Naming};

pub const RULE: Rule = Rule {
    code: "SC202",
    name: "naming-convention",
    severity: Severity::Warning,
    summary: "a name does not follow the project's `naming` convention",
    run,
};

fn to_camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in fold_snake(s).chars() {
        if c == '_' {
            up = !out.is_empty();
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    type Convention = (fn(&str) -> bool, &'static str, fn(&str) -> String);
    let (ok, label, fix): Convention = match m.config.naming {
        Naming::Any => return,
        Naming::SnakeCase => (is_snake_case, "snake_case", fold_snake),
        Naming::CamelCase => (is_camel_case, "camelCase", to_camel),
    };
    // Each name is checked where it is found: nothing is collected.
    let mut check = |what: &str, name: &str, loc: Loc| {
        if !ok(name) {
            out.push(
                rule.diag(format!("{what} `{name}` is not {label}"))
                    .label(loc, "")
                    .hint(format!(
                        "rename it to `{}` (the project's `naming` is {label})",
                        fix(name)
                    )),
            );
        }
    };
    for t in m.tables.values() {
        check("table", &t.name.name, t.loc);
        for c in t.columns.values() {
            check("column", &c.name, c.loc);
        }
    }
    for f in &m.functions {
        check("function", &f.name.name, f.loc);
    }
    for e in m.enums.values() {
        check("enum", &e.name.name, e.loc);
    }
    for v in m.views.values() {
        check("view", &v.name.name, v.loc);
    }
}
