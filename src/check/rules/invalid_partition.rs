//! SC314 invalid-partition: a partition (`partition_of:`) that PostgreSQL would refuse, a
//! partition key or bound that is not one, or a NO INHERIT check on a partitioned table. A partition has its parent's columns and cannot
//! declare any; its parent must be a table of the project partitioned by a key
//! (`partition_by:`); it needs a bound (`bounds:`), and the partitions may not form a
//! cycle. A key is `RANGE`, `LIST` or `HASH` followed by one parenthesised list, a bound
//! `default` or `FOR VALUES` followed by `FROM (…) TO (…)`, `IN (…)` or `WITH (…)`: with
//! SC401's reading of the fragment (one part of one statement, parentheses balanced), that
//! keeps either from carrying anything else into `CREATE TABLE`. A partitioned table cannot
//! be `unlogged` (it holds no rows; its partitions can), nor have a `not_valid` foreign key.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Sql};
use crate::sql::lexer::{tokenize, Kind};

pub const RULE: Rule = Rule {
    code: "SC314",
    name: "invalid-partition",
    severity: Severity::Error,
    summary: "a partition declares columns, names a table that is not partitioned, has no bound, or a partition key or bound is malformed; a partitioned table is unlogged or has a NOT VALID foreign key",
    run,
};

const KEY_HINT: &str =
    "write the text after PARTITION BY: `RANGE (created_at)`, `LIST (region)` or `HASH (user_id)`";
const BOUND_HINT: &str = "write `default`, or the text after the partition's name: `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `FOR VALUES IN ('eu')` or `FOR VALUES WITH (MODULUS 4, REMAINDER 0)`";

/// The words and symbols of a fragment PostgreSQL reads; None when it does not lex (SC401
/// reports that).
fn tokens(text: &str) -> Option<Vec<(Kind, String)>> {
    let toks = tokenize(text).ok()?;
    Some(
        toks.into_iter()
            .filter(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
            .map(|t| (t.kind, text[t.start..t.end].to_string()))
            .collect(),
    )
}

/// Whether `toks` is one parenthesised group and nothing after it.
fn one_group(toks: &[(Kind, String)]) -> bool {
    if toks.first().map(|t| t.1.as_str()) != Some("(") {
        return false;
    }
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate() {
        match t.1.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == toks.len() && i > 0;
                }
            }
            _ => {}
        }
    }
    false
}

fn word(t: Option<&(Kind, String)>, w: &str) -> bool {
    t.is_some_and(|t| t.0 == Kind::Word && t.1.eq_ignore_ascii_case(w))
}

/// `RANGE (…)`, `LIST (…)` or `HASH (…)`.
fn key_ok(text: &str) -> bool {
    let Some(toks) = tokens(text) else {
        return true;
    };
    ["range", "list", "hash"]
        .iter()
        .any(|k| word(toks.first(), k))
        && one_group(&toks[1..])
}

/// `default`, or `FOR VALUES` then `FROM (…) TO (…)`, `IN (…)` or `WITH (…)`.
fn bound_ok(text: &str) -> bool {
    let Some(toks) = tokens(text) else {
        return true;
    };
    if toks.len() == 1 && word(toks.first(), "default") {
        return true;
    }
    if !(word(toks.first(), "for") && word(toks.get(1), "values")) {
        return false;
    }
    let rest = &toks[2..];
    if word(rest.first(), "in") || word(rest.first(), "with") {
        return one_group(&rest[1..]);
    }
    if !word(rest.first(), "from") {
        return false;
    }
    // FROM (…) TO (…): split at the TO outside parentheses.
    let mut depth = 0i32;
    for (i, t) in rest.iter().enumerate().skip(1) {
        match t.1.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ if depth == 0 && word(Some(t), "to") => {
                return one_group(&rest[1..i]) && one_group(&rest[i + 1..]);
            }
            _ => {}
        }
    }
    false
}

fn malformed(rule: &Rule, sql: &Sql, what: String, hint: &str) -> Diagnostic {
    rule.diag(what)
        .label(sql.loc, format!("in `{}`", sql.text.trim()))
        .hint(hint)
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        let tn = &t.name;
        if let Some(k) = &t.partition_by {
            if t.unlogged {
                out.push(
                    rule.diag(format!("`{tn}` is partitioned and `unlogged`"))
                        .label(t.loc, "")
                        .hint("a partitioned table holds no rows: make its partitions `unlogged` instead (PostgreSQL 17 refuses it, and earlier versions ignore it)"),
                );
            }
            if k.unsafe_reason.is_none() && !key_ok(&k.text) {
                out.push(malformed(
                    rule,
                    k,
                    format!("the partition key of `{tn}` is not `RANGE`, `LIST` or `HASH` and one list of columns or expressions"),
                    KEY_HINT,
                ));
            }
        }
        if t.partition_by.is_some() {
            // PostgreSQL makes a partitioned table's checks on every partition.
            for c in t.checks.iter().filter(|c| c.no_inherit) {
                out.push(
                    rule.diag(format!(
                        "check `{}` on partitioned table `{tn}` is NO INHERIT: PostgreSQL refuses one there",
                        c.name
                    ))
                    .label(c.loc, "a NO INHERIT check")
                    .hint("remove `no_inherit: true`: a partitioned table's checks hold on its partitions"),
                );
            }
            // "cannot add NOT VALID foreign key on partitioned table" (PostgreSQL 15-17).
            for fk in t.foreign_keys.iter().filter(|f| f.not_valid) {
                out.push(
                    rule.diag(format!(
                        "foreign key `{}` on partitioned table `{tn}` is NOT VALID: PostgreSQL cannot add one there",
                        fk.name
                    ))
                    .label(fk.loc, "a NOT VALID foreign key")
                    .hint("remove `not_valid: true`, or declare the foreign key on each partition"),
                );
            }
        }
        let Some(p) = &t.partition_of else {
            continue;
        };
        if let Some(c) = t.columns.values().next() {
            out.push(
                rule.diag(format!(
                    "`{tn}` is a partition of `{}` and declares columns: a partition has its parent's columns",
                    p.parent
                ))
                .label(c.loc, "a column of a partition")
                .hint(format!(
                    "remove `columns:` from `{}`; declare the columns on `{}`",
                    tn.name, p.parent.name
                )),
            );
        }
        match &p.bounds {
            None => out.push(
                rule.diag(format!("partition `{tn}` has no bound"))
                    .label(p.loc, "a partition without `bounds:`")
                    .hint(BOUND_HINT),
            ),
            Some(b) if b.unsafe_reason.is_none() && !bound_ok(&b.text) => out.push(malformed(
                rule,
                b,
                format!("the bound of partition `{tn}` is not `default` or `FOR VALUES …`"),
                BOUND_HINT,
            )),
            Some(_) => {}
        }
        match m.tables.get(&p.parent) {
            None => {
                let hint = match closest(&p.parent.name, m.tables.keys().map(|q| q.name.as_str())) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "name a partitioned table the project defines (one with `partition_by:`)".into(),
                };
                out.push(
                    rule.diag(format!(
                        "`{tn}` is a partition of `{}`, which is not defined",
                        p.parent
                    ))
                    .label(p.loc, "unknown table")
                    .hint(hint),
                );
            }
            Some(parent) if parent.partition_by.is_none() => out.push(
                rule.diag(format!(
                    "`{tn}` is a partition of `{}`, which is not partitioned",
                    p.parent
                ))
                .label(p.loc, "a table without `partition_by:`")
                .hint(format!(
                    "give `{}` a partition key (`partition_by: RANGE (…)`), or remove `partition_of:`",
                    p.parent.name
                )),
            ),
            Some(_) => {
                // A cycle: following the parents comes back here.
                let mut at = &p.parent;
                for _ in 0..m.tables.len() {
                    if at == tn {
                        out.push(
                            rule.diag(format!("`{tn}` is, through its parents, a partition of itself"))
                                .label(p.loc, "a cycle of partitions")
                                .hint("a partition's parents must end at a table that is not a partition"),
                        );
                        break;
                    }
                    match m.tables.get(at).and_then(|t| t.partition_of.as_ref()) {
                        Some(next) => at = &next.parent,
                        None => break,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{bound_ok, key_ok};

    #[test]
    fn keys() {
        assert!(key_ok("RANGE (created_at)"));
        assert!(key_ok("list (lower(region))"));
        assert!(key_ok("HASH (a, b)"));
        assert!(!key_ok("RANGE"));
        assert!(!key_ok("RANGE (a) (b)"));
        assert!(!key_ok("BY RANGE (a)"));
        assert!(!key_ok("RANGE (a) WITH (fillfactor = 10)"));
    }

    #[test]
    fn bounds() {
        assert!(bound_ok("default"));
        assert!(bound_ok("DEFAULT"));
        assert!(bound_ok("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"));
        assert!(bound_ok("for values from (MINVALUE) to (10)"));
        assert!(bound_ok("FOR VALUES IN ('de', 'fr')"));
        assert!(bound_ok("FOR VALUES WITH (MODULUS 2, REMAINDER 0)"));
        assert!(!bound_ok("FOR VALUES FROM (1)"));
        assert!(!bound_ok("FOR VALUES IN ('a') PARTITION BY RANGE (x)"));
        assert!(!bound_ok("VALUES IN (1)"));
        assert!(!bound_ok("default default"));
    }
}
