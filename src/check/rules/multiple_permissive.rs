//! SC508 multiple-permissive-policies: several PERMISSIVE policies for the same role and
//! command on one table. PostgreSQL ORs them and must evaluate every one for every row;
//! it is also a sign that policies were copy-pasted and drifted.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Command, Model, Policy};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "SC508",
    name: "multiple-permissive-policies",
    severity: Severity::Warning,
    summary: "several permissive policies apply to the same role and command",
    run,
};

/// The roles a policy applies to (`public` when it names none).
fn roles(p: &Policy) -> impl Iterator<Item = &str> {
    let public = p.roles.is_empty().then_some("public");
    p.roles.iter().map(|(r, _)| r.as_str()).chain(public)
}

/// Whether some role and command is covered twice by `ps`: by two of the policies, or by
/// one that names a role twice. Only then is there a finding; asked without allocating.
fn any_overlap(ps: &[&Policy]) -> bool {
    ps.iter().enumerate().any(|(i, a)| {
        let twice = a
            .roles
            .iter()
            .enumerate()
            .any(|(j, (r, _))| a.roles[..j].iter().any(|(s, _)| s == r));
        twice
            || ps[i + 1..].iter().any(|b| {
                let commands = a.command == Command::All
                    || b.command == Command::All
                    || a.command == b.command;
                commands && roles(a).any(|r| roles(b).any(|s| s == r))
            })
    })
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let mut permissive: Vec<&Policy> = Vec::new();
    for t in m.tables.values() {
        permissive.clear();
        permissive.extend(t.policies.values().filter(|p| p.permissive));
        if !any_overlap(&permissive) {
            continue;
        }
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
