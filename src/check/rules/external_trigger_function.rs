//! SC514 external-trigger-function-unsafe: a function fired by a trigger on a platform table
//! (such as `auth.users`) runs as the platform's own role with the platform's search_path.
//! Without `security: definer` it lacks rights on the project's tables, and without an
//! explicit `search_path` it cannot find them: on Supabase sign-up then fails with
//! "Database error saving new user".

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Security};

pub const RULE: Rule = Rule {
    code: "SC514",
    name: "external-trigger-function-unsafe",
    severity: Severity::Error,
    summary:
        "a trigger on an external table calls a function without security definer or search_path",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for e in m.external.values() {
        for tr in e.triggers.values() {
            for f in m.functions.iter().filter(|f| f.name == tr.function) {
                let mut missing = Vec::new();
                if f.security != Security::Definer {
                    missing.push("`security: definer`");
                }
                if f.search_path.is_none() {
                    missing.push("an explicit `search_path`");
                }
                if missing.is_empty() {
                    continue;
                }
                out.push(
                    rule.diag(format!(
                        "trigger `{}` on `{}` calls `{}`, which lacks {}",
                        tr.name,
                        e.name,
                        f.signature(),
                        missing.join(" and ")
                    ))
                    .label(tr.function_loc, "")
                    .label(f.loc, "function defined here")
                    .note("the trigger runs as the platform's role; on Supabase, sign-up fails with \"Database error saving new user\"")
                    .hint("add `security: definer` and `search_path: public` to the function"),
                );
            }
        }
    }
}
