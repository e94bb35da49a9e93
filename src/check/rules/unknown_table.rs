//! SC301 unknown-table: a foreign key or grant naming a table that is neither defined in the
//! project nor listed under `external.tables`, or a `FROM`/`JOIN` of a policy condition,
//! (materialized) view query or check expression naming one ([`crate::check::refs`]: only
//! names that certainly do not exist — CTEs, functions and schemas outside the project are not
//! reported). A policy template's default parameter (`tenant_member`'s `membership_table:
//! tenant_members`) names tables too: the hint says which default to override.

use super::closest;
use crate::check::refs::{self, Finding};
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};

pub const RULE: Rule = Rule {
    code: "SC301",
    name: "unknown-table",
    severity: Severity::Error,
    summary: "a foreign key, grant, policy condition, view or check names a table that is not defined or external",
    run,
};

fn report(
    m: &Model,
    rule: &Rule,
    name: &QualName,
    loc: Loc,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let names: Vec<String> = m.tables.keys().map(|q| q.name.clone()).collect();
    let hint = match closest(&name.name, names.iter().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`? Tables outside the project belong in `external.tables` in schemac.yaml"),
        None => "define the table, or list it under `external.tables` in schemac.yaml".to_string(),
    };
    out.push(
        rule.diag(format!("{what} `{name}`, which is not defined"))
            .label(loc, "unknown table")
            .hint(hint),
    );
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for fk in &t.foreign_keys {
            if m.table(&fk.ref_table).is_none() && !m.is_external_table(&fk.ref_table) {
                report(
                    m,
                    rule,
                    &fk.ref_table,
                    fk.ref_loc,
                    &format!("foreign key `{}` on `{}` references", fk.name, t.name),
                    out,
                );
            }
        }
    }
    for g in &m.grants {
        if m.table(&g.on).is_none()
            && !m.views.contains_key(&g.on)
            && !m.materialized_views.contains_key(&g.on)
            && !m.is_external_table(&g.on)
            && !m.grant_on_sequence(&g.on)
        {
            report(m, rule, &g.on, g.on_loc, "a grant is on", out);
        }
    }
    fragments(m, rule, out);
}

/// Tables named in `FROM` and `JOIN` clauses of policy conditions, views and checks.
fn fragments(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let builtins = crate::model::templates::builtins();
    for (host, p, sql, facts) in super::policy_exprs(m) {
        for name in unknown(refs::resolve(m, &facts.refs, None)) {
            let what = format!("policy `{}` on `{}` reads from", p.name, host.name);
            let Some(tu) = &p.template else {
                report(m, rule, &name, sql.loc, &what, out);
                continue;
            };
            // A parameter the policy passed, or the template's default for one.
            if let Some((_, l)) = tu.params.values().find(|(v, _)| names_table(v, &name)) {
                report(m, rule, &name, *l, &what, out);
                continue;
            }
            let tpl = m
                .policy_templates
                .get(&tu.name)
                .or_else(|| builtins.get(&tu.name));
            let default = tpl.and_then(|t| {
                t.params.iter().find_map(|(k, d)| {
                    d.as_deref()
                        .filter(|d| names_table(d, &name) && !tu.params.contains_key(k))
                        .map(|d| (k.clone(), d.to_string()))
                })
            });
            match default {
                Some((param, value)) => out.push(
                    rule.diag(format!(
                        "{what} `{name}`, which is not defined: template `{}` names it when `{param}` is not given (its default is `{value}`)",
                        tu.name
                    ))
                    .label(tu.loc, "uses the default")
                    .hint(format!("pass the table: `{param}: <table>` on the policy, or define `{name}`")),
                ),
                None => report(m, rule, &name, tu.loc, &what, out),
            }
        }
    }
    let queries = m
        .views
        .values()
        .map(|v| (&v.query, format!("view `{}` reads from", v.name)))
        .chain(m.materialized_views.values().map(|v| {
            (
                &v.query,
                format!("materialized view `{}` reads from", v.name),
            )
        }));
    for (query, what) in queries {
        let Ok(q) = crate::sql::parse::parse_query(&query.text) else {
            continue;
        };
        for name in unknown(refs::resolve(m, &refs::of_query(&q), None)) {
            report(m, rule, &name, query.loc, &what, out);
        }
    }
    for t in m.tables.values() {
        for ck in &t.checks {
            let Ok(f) = ck.expr.facts() else { continue };
            for name in unknown(refs::resolve(m, &f.refs, None)) {
                report(
                    m,
                    rule,
                    &name,
                    ck.expr.loc,
                    &format!("check `{}` on `{}` reads from", ck.name, t.name),
                    out,
                );
            }
        }
    }
}

/// The tables among `findings`.
fn unknown(findings: Vec<Finding>) -> Vec<QualName> {
    findings
        .into_iter()
        .filter_map(|f| match f {
            Finding::UnknownTable { name, .. } => Some(name),
            Finding::UnknownColumn { .. } => None,
        })
        .collect()
}

/// Whether a parameter value names `table` (`members`, `public.members`).
fn names_table(value: &str, table: &QualName) -> bool {
    QualName::parse(value, "public").is_ok_and(|q| q == *table)
}
