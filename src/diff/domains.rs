//! Domains: created before the tables that use them, altered in place where PostgreSQL
//! allows it (default, NOT NULL, CHECK constraints), dropped after the tables.
//!
//! Projects declare them under `domains:` (gen writes them through its templates,
//! `domain.sql.j2` and `domain_checks.sql.j2`); this is the plan's side.

use super::{comment_on, obj, q, ChangeKind, Ctx, Hazard, Phase};
use crate::catalog::Domain;
use crate::model::names::quote_ident;

/// `CREATE DOMAIN` with its default, NOT NULL and checks.
fn create_sql(s: &str, n: &str, d: &Domain) -> String {
    let mut sql = format!("CREATE DOMAIN {} AS {}", q(s, n), d.base);
    if let Some(def) = &d.default {
        sql.push_str(&format!(" DEFAULT {def}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for (c, def) in &d.checks {
        sql.push_str(&format!(" CONSTRAINT {} {def}", quote_ident(c)));
    }
    sql.push(';');
    sql
}

/// The domain as one text, for reports.
fn text(d: &Domain) -> String {
    let mut t = d.base.clone();
    if let Some(def) = &d.default {
        t.push_str(&format!("\nDEFAULT {def}"));
    }
    if d.not_null {
        t.push_str("\nNOT NULL");
    }
    for (c, def) in &d.checks {
        t.push_str(&format!("\nCONSTRAINT {c} {def}"));
    }
    t
}

pub(super) fn domains(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for ((s, n), want) in &d.domains {
        let o = obj("domain", s, None, n);
        let qn = q(s, n);
        let have = a.domains.get(&(s.clone(), n.clone()));
        match have {
            None => {
                // After the enums a domain may be based on, and after the functions (`Phase::Functions`)
                // its checks call; otherwise before them, as functions may take it.
                let calls = d
                    .functions
                    .keys()
                    .any(|(_, f, _)| want.checks.values().any(|c| c.contains(&format!("{f}("))));
                cx.push(
                    ChangeKind::AddDomain,
                    o.clone(),
                    None,
                    Some(text(want)),
                    vec![],
                    vec![create_sql(s, n, want)],
                    if calls {
                        Phase::Functions
                    } else {
                        Phase::Types
                    },
                );
                if let Some(c) = cx.out.last_mut() {
                    c.order = 1;
                }
            }
            Some(h) if h.base != want.base => cx.push(
                ChangeKind::ReplaceDomain,
                o.clone(),
                Some(text(h)),
                Some(text(want)),
                vec![Hazard::DataLoss],
                vec![format!("DROP DOMAIN {qn};"), create_sql(s, n, want)],
                Phase::Types,
            ),
            Some(h) => {
                let mut sql = Vec::new();
                if h.default != want.default {
                    sql.push(match &want.default {
                        Some(def) => format!("ALTER DOMAIN {qn} SET DEFAULT {def};"),
                        None => format!("ALTER DOMAIN {qn} DROP DEFAULT;"),
                    });
                }
                if h.not_null != want.not_null {
                    let verb = if want.not_null { "SET" } else { "DROP" };
                    sql.push(format!("ALTER DOMAIN {qn} {verb} NOT NULL;"));
                }
                for (c, def) in &h.checks {
                    if want.checks.get(c) != Some(def) {
                        sql.push(format!(
                            "ALTER DOMAIN {qn} DROP CONSTRAINT {};",
                            quote_ident(c)
                        ));
                    }
                }
                for (c, def) in &want.checks {
                    if h.checks.get(c) != Some(def) {
                        sql.push(format!(
                            "ALTER DOMAIN {qn} ADD CONSTRAINT {} {def};",
                            quote_ident(c)
                        ));
                    }
                }
                if !sql.is_empty() {
                    cx.push(
                        ChangeKind::AlterDomain,
                        o.clone(),
                        Some(text(h)),
                        Some(text(want)),
                        vec![Hazard::MayFailOnData],
                        sql,
                        Phase::Types,
                    );
                }
            }
        }
        let from = have.and_then(|h| h.comment.clone());
        comment_on(cx, "domain", (s, n), &from, &want.comment);
    }
    for ((s, n), h) in &a.domains {
        if !d.domains.contains_key(&(s.clone(), n.clone())) {
            cx.push(
                ChangeKind::DropDomain,
                obj("domain", s, None, n),
                Some(text(h)),
                None,
                vec![Hazard::DataLoss],
                vec![format!("DROP DOMAIN {};", q(s, n))],
                // After the tables whose columns use it.
                Phase::DropKinds,
            );
        }
    }
}
