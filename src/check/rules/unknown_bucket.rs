//! SC513 unknown-bucket: a policy on `storage.objects` compares `bucket_id` with a bucket
//! the project does not declare under `storage.buckets` — usually a typo that makes the
//! policy match nothing.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC513",
    name: "unknown-bucket",
    severity: Severity::Warning,
    summary: "a storage policy names a bucket that is not declared",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (host, p, sql, e) in super::policy_exprs(m) {
        if host.name.schema != "storage" || host.name.name != "objects" {
            continue;
        }
        for b in &e.buckets {
            if !m.buckets.contains_key(b) {
                out.push(
                    rule.diag(format!("policy `{}` on storage.objects names bucket `{b}`, which is not declared", p.name))
                        .label(sql.loc, "")
                        .hint(format!("declare it under `storage: {{ buckets: {{ {b}: {{ public: false }} }} }}`, or fix the name")),
                );
            }
        }
    }
}
