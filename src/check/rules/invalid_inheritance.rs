//! SC317 invalid-inheritance: a table's parents (`inherits:`) that PostgreSQL would refuse.
//! A parent must be a table the project defines (or an external table), neither
//! partitioned nor a partition, listed once, and not the table itself through its parents (a
//! cycle); a partition or a partitioned table cannot inherit. A column the child declares
//! and a parent has, or that two parents have, is merged into one when both have the same
//! type, and refused otherwise (`column "x" has a type conflict`).

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::types::SqlType;
use crate::model::{Model, QualName, Table};

pub const RULE: Rule = Rule {
    code: "SC317",
    name: "invalid-inheritance",
    severity: Severity::Error,
    summary: "a table inherits from an unknown, partitioned or partition table, twice, from itself, or a column's type conflicts with its parent's",
    run,
};

/// Whether PostgreSQL merges columns of these types: the same type, modifiers and array
/// dimensions (a serial is its integer type). Types of the project's own (named) are
/// compared by name alone, which may miss a conflict and never invents one.
fn same_type(a: &SqlType, b: &SqlType) -> bool {
    use crate::model::types::BaseType;
    match (&a.base, &b.base) {
        (BaseType::Builtin(_), BaseType::Builtin(_)) => {
            a.family() == b.family() && a.mods == b.mods && a.array_dims == b.array_dims
        }
        _ => a.base_name() == b.base_name() && a.array_dims == b.array_dims,
    }
}

/// The table's parents in the project, following `inherits:` (each once, in order; a cycle
/// stops), each with where the parent of `t` it comes through is written: for column merges.
fn ancestors<'a>(m: &'a Model, t: &'a Table) -> Vec<(&'a Table, Loc)> {
    let mut out: Vec<(&Table, Loc)> = Vec::new();
    let mut todo: Vec<(&QualName, Loc)> = t.inherits.iter().rev().map(|(p, l)| (p, *l)).collect();
    while let Some((p, via)) = todo.pop() {
        if p == &t.name || out.iter().any(|(o, _)| &o.name == p) {
            continue;
        }
        if let Some(parent) = m.tables.get(p) {
            out.push((parent, via));
            todo.extend(parent.inherits.iter().rev().map(|(q, _)| (q, via)));
        }
    }
    out
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values().filter(|t| !t.inherits.is_empty()) {
        let tn = &t.name;
        let first = t.inherits[0].1;
        if let Some(p) = &t.partition_of {
            out.push(
                rule.diag(format!(
                    "`{tn}` is a partition of `{}` and inherits: a partition cannot",
                    p.parent
                ))
                .label(first, "the parents of a partition")
                .hint(
                    "remove `inherits:` (a partition has its parent's columns), or `partition_of:`",
                ),
            );
        }
        if let Some(k) = &t.partition_by {
            out.push(
                rule.diag(format!("`{tn}` is partitioned and inherits: PostgreSQL cannot create a partitioned table as an inheritance child"))
                    .label(k.loc, "a partition key")
                    .hint("remove `inherits:`, or `partition_by:`"),
            );
        }
        for (i, (p, loc)) in t.inherits.iter().enumerate() {
            if t.inherits[..i].iter().any(|(q, _)| q == p) {
                out.push(
                    rule.diag(format!("`{tn}` inherits from `{p}` more than once"))
                        .label(*loc, "listed again")
                        .hint("list each parent once"),
                );
                continue;
            }
            let Some(parent) = m.tables.get(p) else {
                if m.is_external_table(p) {
                    continue;
                }
                let hint = match closest(&p.name, m.tables.keys().map(|q| q.name.as_str())) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "name a table the project defines".into(),
                };
                out.push(
                    rule.diag(format!("`{tn}` inherits from `{p}`, which is not defined"))
                        .label(*loc, "unknown table")
                        .hint(hint),
                );
                continue;
            };
            if parent.partition_by.is_some() {
                out.push(
                    rule.diag(format!("`{tn}` inherits from `{p}`, which is partitioned"))
                        .label(*loc, "a partitioned table")
                        .hint(format!("make `{}` a partition of `{p}` (`partition_of:`, `bounds:`), or inherit from a plain table", tn.name)),
                );
            }
            if let Some(pp) = &parent.partition_of {
                out.push(
                    rule.diag(format!(
                        "`{tn}` inherits from `{p}`, which is a partition of `{}`",
                        pp.parent
                    ))
                    .label(*loc, "a partition")
                    .hint("inherit from a table that is not a partition"),
                );
            }
            if ancestors(m, parent).iter().any(|(a, _)| &a.name == tn) || p == tn {
                out.push(
                    rule.diag(format!("`{tn}` inherits, through its parents, from itself"))
                        .label(*loc, "a cycle of parents")
                        .hint("a table's parents must end at tables that inherit from nothing"),
                );
            }
        }
        // Columns merged from the parents, then the child's own: each must have one type.
        let mut seen: Vec<(&str, &SqlType, &QualName)> = Vec::new();
        for (a, via) in ancestors(m, t) {
            for c in a.columns.values() {
                match seen.iter().find(|(n, _, _)| *n == c.name) {
                    Some((_, ty, from)) if !same_type(ty, &c.ty) => out.push(
                        rule.diag(format!(
                            "`{tn}` inherits column `{}` as `{ty}` from `{from}` and as `{}` from `{}`",
                            c.name, c.ty, a.name
                        ))
                        .label(via, "the parent whose column conflicts")
                        .hint("give the column one type on every parent, or rename it on one"),
                    ),
                    Some(_) => {}
                    None => seen.push((&c.name, &c.ty, &a.name)),
                }
            }
        }
        for c in t.columns.values() {
            if let Some((_, ty, from)) = seen.iter().find(|(n, _, _)| *n == c.name) {
                if !same_type(ty, &c.ty) {
                    out.push(
                        rule.diag(format!(
                            "column `{}` of `{tn}` is `{}`, but its parent `{from}` has it as `{ty}`",
                            c.name, c.ty
                        ))
                        .label(c.ty_loc, "a type conflict")
                        .hint(format!("declare it as `{ty}` (it is then merged with the parent's), or leave it to the parent")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_type;
    use crate::model::types::SqlType;

    #[test]
    fn types_merge_when_they_are_the_same() {
        let t = |s: &str| SqlType::parse(s).unwrap();
        assert!(same_type(&t("int4"), &t("integer")));
        assert!(same_type(&t("serial"), &t("integer")));
        assert!(!same_type(&t("varchar"), &t("text")));
        assert!(!same_type(&t("varchar(10)"), &t("varchar(20)")));
        assert!(!same_type(&t("int[]"), &t("int")));
    }
}
