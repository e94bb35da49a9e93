//! SC508 multiple-permissive-policies: several PERMISSIVE policies for the same role and
//! command on one table. PostgreSQL ORs them and must evaluate every one for every row;
//! it is also a sign that policies were copy-pasted and drifted.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Command, Model};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC508",
    name: "multiple-permissive-policies",
    severity: Severity::Warning,
    summary: "several permissive policies apply to the same role and command",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        let mut by: BTreeMap<(String, Command), Vec<(&str, Loc)>> = BTreeMap::new();
        for p in t.policies.values().filter(|p| p.permissive) {
            let roles: Vec<String> = if p.roles.is_empty() {
                vec!["public".into()]
            } else {
                p.roles.iter().map(|(r, _)| r.clone()).collect()
            };
            for r in roles {
                for c in p.command.expand() {
                    by.entry((r.clone(), *c))
                        .or_default()
                        .push((&p.name, p.loc));
                }
            }
        }
        // One finding per distinct set of policies, listing the roles and commands it covers.
        let mut sets: BTreeMap<Vec<&str>, (Vec<Loc>, Vec<String>)> = BTreeMap::new();
        for ((role, cmd), ps) in &by {
            if ps.len() > 1 {
                let names: Vec<&str> = ps.iter().map(|(n, _)| *n).collect();
                let e = sets
                    .entry(names)
                    .or_insert_with(|| (ps.iter().map(|(_, l)| *l).collect(), Vec::new()));
                e.1.push(format!("{role}/{}", cmd.as_str()));
            }
        }
        for (names, (locs, pairs)) in sets {
            let mut d = rule.diag(format!(
                "{} permissive policies on `{}` apply to the same role and command ({}): {}",
                names.len(),
                t.name,
                pairs.join(", "),
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for (n, l) in names.iter().zip(locs) {
                d = d.label(l, format!("`{n}`"));
            }
            out.push(d.hint("combine them into one policy per role and command, or mark the narrowing ones `permissive: false`"));
        }
    }
}
