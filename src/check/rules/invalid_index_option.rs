//! SC318 invalid-index-option: an index option PostgreSQL would refuse, or one that does
//! nothing. A storage parameter (`with:`) is one its access method has (PostgreSQL 15's, and
//! pgvector's for `hnsw` and `ivfflat`), written in lower case as PostgreSQL stores it, with
//! a value of its kind and range: an integer, a boolean (`true`, `false`, `on`, `off`, `yes`,
//! `no`, `1`, `0`) or, for `buffering`, `on`, `off` or `auto`. `nulls_not_distinct` is given
//! to a unique index only: PostgreSQL accepts it on any index and ignores it on the others.
//! Names are quoted and values written as literals whatever this check says; it exists so that
//! the mistake is reported with its position instead of by PostgreSQL halfway through a
//! migration, and so that what the catalog prints is what the project says (a parameter
//! written `FillFactor` would be made as `"FillFactor"` and refused).

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Index, IndexMethod, Model, Setting};

pub const RULE: Rule = Rule {
    code: "SC318",
    name: "invalid-index-option",
    severity: Severity::Error,
    summary: "an index's storage parameter is not one its access method has, or its value is not of its kind or out of range; nulls_not_distinct on an index that is not unique",
    run,
};

/// What a storage parameter takes.
#[derive(Clone, Copy)]
enum Kind {
    Int(i64, i64),
    Bool,
    Buffering,
}

/// The storage parameters of each access method, with what they take (PostgreSQL 15's
/// `reloptions.c`, `brin.c`, `ginutil.c`; pgvector 0.8's `hnsw.c`, `ivfflat.c`).
fn parameters(method: IndexMethod) -> &'static [(&'static str, Kind)] {
    const FILLFACTOR: (&str, Kind) = ("fillfactor", Kind::Int(10, 100));
    match method {
        IndexMethod::Btree => &[FILLFACTOR, ("deduplicate_items", Kind::Bool)],
        IndexMethod::Hash | IndexMethod::Spgist => &[FILLFACTOR],
        IndexMethod::Gist => &[FILLFACTOR, ("buffering", Kind::Buffering)],
        IndexMethod::Gin => &[
            ("fastupdate", Kind::Bool),
            ("gin_pending_list_limit", Kind::Int(64, i32::MAX as i64)),
        ],
        IndexMethod::Brin => &[
            ("pages_per_range", Kind::Int(1, 131_072)),
            ("autosummarize", Kind::Bool),
        ],
        IndexMethod::Hnsw => &[
            ("m", Kind::Int(2, 100)),
            ("ef_construction", Kind::Int(4, 1000)),
        ],
        IndexMethod::Ivfflat => &[("lists", Kind::Int(1, 32_768))],
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let tables = m.tables.values().flat_map(|t| t.indexes.iter());
    let matviews = m.materialized_views.values().flat_map(|v| v.indexes.iter());
    for ix in tables.chain(matviews) {
        for s in &ix.storage {
            parameter(rule, ix, s, out);
        }
        if let (Some(loc), false) = (ix.nulls_not_distinct, ix.unique) {
            out.push(
                rule.diag(format!(
                    "index `{}` has `nulls_not_distinct` but is not unique",
                    ix.name
                ))
                .label(loc, "")
                .hint("`nulls_not_distinct: true` makes a unique index take NULLs as equal: add `unique: true`, or remove it"),
            );
        }
    }
}

fn parameter(rule: &Rule, ix: &Index, s: &Setting, out: &mut Vec<Diagnostic>) {
    let method = ix.method.as_str();
    let known = parameters(ix.method);
    let Some((_, kind)) = known.iter().find(|(n, _)| *n == s.name) else {
        let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        let hint = match known.iter().find(|(n, _)| n.eq_ignore_ascii_case(&s.name)) {
            Some((n, _)) => format!("write it in lower case: `{n}`"),
            None => format!("a {method} index takes {}", names.join(", ")),
        };
        out.push(
            rule.diag(format!(
                "index `{}` sets `{}`, which is not a storage parameter of {method} indexes",
                ix.name,
                s.name.escape_debug()
            ))
            .label(s.loc, "")
            .hint(hint),
        );
        return;
    };
    let problem = match *kind {
        Kind::Int(min, max) => match integer(&s.value) {
            Some(v) if (min..=max).contains(&v) => None,
            Some(_) => Some(format!("an integer from {min} to {max}")),
            None => Some(format!("an integer (from {min} to {max})")),
        },
        Kind::Bool => (!boolean(&s.value)).then(|| "true or false".to_string()),
        Kind::Buffering => (!["on", "off", "auto"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(s.value.trim())))
        .then(|| "on, off or auto".to_string()),
    };
    if let Some(want) = problem {
        out.push(
            rule.diag(format!(
                "`{}` of index `{}` is `{}`, not {want}",
                s.name,
                ix.name,
                s.value.escape_debug()
            ))
            .label(s.value_loc, "")
            .hint(format!("write `{}:` as {want}", s.name)),
        );
    }
}

/// A decimal integer, as PostgreSQL reads an integer storage parameter (which also rounds a
/// fraction: `70.4` is 70).
fn integer(v: &str) -> Option<i64> {
    let v = v.trim();
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let f: f64 = v.parse().ok()?;
    (f.is_finite() && f.abs() < 1e15).then(|| f.round() as i64)
}

/// A boolean as PostgreSQL reads one (`parse_bool`), but for its abbreviations.
fn boolean(v: &str) -> bool {
    ["true", "false", "on", "off", "yes", "no", "1", "0"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(v.trim()))
}

#[cfg(test)]
mod tests {
    use super::{boolean, integer};

    #[test]
    fn integers_and_booleans_as_postgres_reads_them() {
        assert_eq!(integer("70"), Some(70));
        assert_eq!(integer(" 77"), Some(77));
        assert_eq!(integer("78.0"), Some(78));
        assert_eq!(integer("-3"), Some(-3));
        for bad in ["", "1e3", "inf", "NaN", "7o", "0x10", "."] {
            assert_eq!(integer(bad), None, "{bad}");
        }
        assert!(boolean("On") && boolean("false") && boolean("0"));
        assert!(!boolean("maybe") && !boolean(""));
    }
}
