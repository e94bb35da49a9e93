//! Collations (`CREATE COLLATION`): a libc locale or an ICU locale under a name that columns
//! name in `collation:`, such as a case-insensitive ICU collation (`deterministic: false`).
//!
//! The first kind written whole as a [`Declared`] kind: its YAML form, its checks, gen's
//! SQL, the catalog it predicts, its catalog query and comparison, and import's YAML are all
//! here (with its query in `collation.sql` and gen's template in
//! `templates/sql/collation.sql.j2`).
//!
//! PostgreSQL has no `ALTER COLLATION` for a collation's locale or provider: a changed one is
//! dropped and made again, which PostgreSQL refuses while a column uses it (the plan then
//! fails whole and changes nothing). Only its comment and owner change in place.

use super::{comment_sql, qualified, BuildCx, Declared, Kind};
use crate::sql::name::Name;
use crate::sql::quote::quote_literal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who implements the collation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollationProvider {
    /// The operating system's C library (`LC_COLLATE`, `LC_CTYPE`).
    Libc,
    /// ICU, with a BCP 47 locale tag (`und-u-ks-level2`).
    Icu,
}

impl CollationProvider {
    fn as_str(self) -> &'static str {
        match self {
            CollationProvider::Libc => "libc",
            CollationProvider::Icu => "icu",
        }
    }
}

/// A collation as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollationDef {
    pub provider: CollationProvider,
    /// libc: `LC_COLLATE` (None for ICU).
    pub lc_collate: Option<String>,
    /// libc: `LC_CTYPE` (None for ICU).
    pub lc_ctype: Option<String>,
    /// ICU: the locale (None for libc).
    pub icu_locale: Option<String>,
    pub deterministic: bool,
    pub comment: Option<String>,
}

/// A collation (`collations:`). Either `locale`, or (libc only) both `lc_collate` and
/// `lc_ctype`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCollation {
    /// `libc` (the operating system's locales) or `icu`. Default: libc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<CollationProvider>,
    /// The locale: a libc locale (`C`, `POSIX`, `fr_FR.utf8`) or an ICU locale tag
    /// (`und-u-ks-level2`, `en-u-kn-true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// libc only, with `lc_ctype` and instead of `locale`: how strings sort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    /// libc only, with `lc_collate` and instead of `locale`: character classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
    /// false: strings that differ may compare equal (a case-insensitive ICU collation).
    /// ICU only. Default: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deterministic: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

pub struct Collation;

impl Kind for Collation {
    const NOUN: &'static str = "collation";
    const QUERY: &'static str = include_str!("collation.sql");
    const DROP_LOSES_DATA: bool = false;
    const RELATION: bool = false;
    const CATALOG: Option<&'static str> = Some("pg_collation");
    type Def = CollationDef;

    fn read(row: &postgres::Row) -> CollationDef {
        let provider: String = row.get(2);
        CollationDef {
            provider: if provider == "i" {
                CollationProvider::Icu
            } else {
                CollationProvider::Libc
            },
            lc_collate: row.get(3),
            lc_ctype: row.get(4),
            icu_locale: row.get(5),
            deterministic: row.get(6),
            comment: row.get(8),
        }
    }

    fn owner(row: &postgres::Row) -> Option<String> {
        row.get(7)
    }

    fn text(def: &CollationDef) -> String {
        let mut t = vec![format!("provider {}", def.provider.as_str())];
        for (key, value) in [
            ("lc_collate", &def.lc_collate),
            ("lc_ctype", &def.lc_ctype),
            ("locale", &def.icu_locale),
        ] {
            if let Some(v) = value {
                t.push(format!("{key} {}", quote_literal(v)));
            }
        }
        t.push(format!("deterministic {}", def.deterministic));
        if let Some(c) = &def.comment {
            t.push(format!("COMMENT {}", quote_literal(c)));
        }
        t.join("\n")
    }

    fn create(name: &Name, def: &CollationDef) -> Vec<String> {
        let mut options = vec![format!("provider = {}", def.provider.as_str())];
        match (&def.lc_collate, &def.lc_ctype, &def.icu_locale) {
            (Some(a), Some(b), _) if a == b => {
                options.push(format!("locale = {}", quote_literal(a)))
            }
            (a, b, locale) => {
                for (key, value) in [("lc_collate", a), ("lc_ctype", b), ("locale", locale)] {
                    if let Some(v) = value {
                        options.push(format!("{key} = {}", quote_literal(v)));
                    }
                }
            }
        }
        if !def.deterministic {
            options.push("deterministic = false".into());
        }
        let mut sql = vec![format!(
            "CREATE COLLATION {} ({});",
            qualified(name),
            options.join(", ")
        )];
        if def.comment.is_some() {
            sql.push(comment_sql("COLLATION", name, &def.comment));
        }
        sql
    }

    fn drop(name: &Name) -> Vec<String> {
        vec![format!("DROP COLLATION {};", qualified(name))]
    }

    fn alter(name: &Name, have: &CollationDef, want: &CollationDef) -> Option<Vec<String>> {
        let same = CollationDef {
            comment: want.comment.clone(),
            ..have.clone()
        };
        (same == *want).then(|| vec![comment_sql("COLLATION", name, &want.comment)])
    }
}

impl Declared for Collation {
    const KEY: &'static str = "collations";
    const SQL_NOUN: &'static str = "COLLATION";
    const SECTION: &'static str =
        "Collations (one defined otherwise is made again; PostgreSQL refuses while a column uses it)";
    const TEMPLATE: (&'static str, &'static str) = (
        "collation.sql.j2",
        include_str!("../../templates/sql/collation.sql.j2"),
    );
    type Raw = RawCollation;
    type Model = CollationDef;

    fn raw_owner(raw: &RawCollation) -> Option<&String> {
        raw.owner.as_ref()
    }

    fn build(cx: &mut dyn BuildCx, raw: RawCollation) -> Option<CollationDef> {
        let provider = raw.provider.unwrap_or(CollationProvider::Libc);
        let mut ok = true;
        for (key, value) in [
            ("locale", &raw.locale),
            ("lc_collate", &raw.lc_collate),
            ("lc_ctype", &raw.lc_ctype),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.is_empty() || v.contains('\0'))
            {
                cx.invalid(
                    cx.val(&[key]),
                    format!("`{key}` is empty or holds a NUL character"),
                    "write a locale name, such as `C`, `fr_FR.utf8` or `und-u-ks-level2`",
                );
                ok = false;
            }
        }
        let (lc_collate, lc_ctype, icu_locale) = match (
            provider,
            raw.locale,
            raw.lc_collate,
            raw.lc_ctype,
        ) {
            (CollationProvider::Icu, Some(l), None, None) => (None, None, Some(l)),
            (CollationProvider::Icu, _, c, t) if c.is_some() || t.is_some() => {
                let key = if c.is_some() {
                    "lc_collate"
                } else {
                    "lc_ctype"
                };
                cx.invalid(
                    cx.key(&[key]),
                    format!("an ICU collation has no `{key}`"),
                    "give an ICU collation its locale tag in `locale:` (`und-u-ks-level2`)",
                );
                return None;
            }
            (CollationProvider::Icu, _, _, _) => {
                cx.invalid(
                    cx.val(&[]),
                    "an ICU collation needs `locale:`".into(),
                    "add `locale:` with an ICU locale tag, such as `und-u-ks-level2`",
                );
                return None;
            }
            (CollationProvider::Libc, Some(l), None, None) => (Some(l.clone()), Some(l), None),
            (CollationProvider::Libc, None, Some(c), Some(t)) => (Some(c), Some(t), None),
            (CollationProvider::Libc, Some(_), _, _) => {
                cx.invalid(
                    cx.val(&["locale"]),
                    "`locale:` is given with `lc_collate:` or `lc_ctype:`".into(),
                    "write either `locale:` or both `lc_collate:` and `lc_ctype:`",
                );
                return None;
            }
            (CollationProvider::Libc, None, c, _) => {
                let missing = if c.is_some() {
                    "lc_ctype"
                } else {
                    "lc_collate"
                };
                cx.invalid(
                    cx.val(&[]),
                    format!("a libc collation needs `locale:`, or `lc_collate:` and `lc_ctype:` (`{missing}` is missing)"),
                    "write `locale: C` or the name of a locale the server has, such as `fr_FR.utf8`",
                );
                return None;
            }
        };
        let deterministic = raw.deterministic.unwrap_or(true);
        if !deterministic && provider == CollationProvider::Libc {
            cx.invalid(
                cx.val(&["deterministic"]),
                "only an ICU collation can be nondeterministic".into(),
                "add `provider: icu` with an ICU `locale:`, or remove `deterministic: false`",
            );
            ok = false;
        }
        ok.then_some(CollationDef {
            provider,
            lc_collate,
            lc_ctype,
            icu_locale,
            deterministic,
            comment: raw.comment,
        })
    }

    fn def(model: &CollationDef) -> CollationDef {
        model.clone()
    }

    fn import(def: &CollationDef) -> Result<RawCollation, String> {
        let mut raw = RawCollation {
            deterministic: (!def.deterministic).then_some(false),
            comment: def.comment.clone(),
            ..RawCollation::default()
        };
        match (
            def.provider,
            &def.lc_collate,
            &def.lc_ctype,
            &def.icu_locale,
        ) {
            (CollationProvider::Icu, _, _, Some(l)) => {
                raw.provider = Some(CollationProvider::Icu);
                raw.locale = Some(l.clone());
            }
            (CollationProvider::Libc, Some(c), Some(t), _) if c == t => {
                raw.locale = Some(c.clone())
            }
            (CollationProvider::Libc, Some(c), Some(t), _) => {
                raw.lc_collate = Some(c.clone());
                raw.lc_ctype = Some(t.clone());
            }
            _ => return Err("a collation without its locale".into()),
        }
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> Name {
        ("public".into(), "ci".into())
    }

    fn icu(locale: &str, deterministic: bool) -> CollationDef {
        CollationDef {
            provider: CollationProvider::Icu,
            lc_collate: None,
            lc_ctype: None,
            icu_locale: Some(locale.into()),
            deterministic,
            comment: None,
        }
    }

    #[test]
    fn create_spells_each_provider_and_quotes_every_text() {
        let mut def = icu("und-u-ks-level2", false);
        def.comment = Some("case'insensitive".into());
        assert_eq!(
            Collation::create(&name(), &def),
            [
                "CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
                "COMMENT ON COLLATION public.ci IS 'case''insensitive';"
            ]
        );
        let libc = CollationDef {
            provider: CollationProvider::Libc,
            lc_collate: Some("C".into()),
            lc_ctype: Some("x'); DROP TABLE t; --".into()),
            icu_locale: None,
            deterministic: true,
            comment: None,
        };
        assert_eq!(
            Collation::create(&("s".into(), "Odd Name".into()), &libc),
            ["CREATE COLLATION s.\"Odd Name\" (provider = libc, lc_collate = 'C', lc_ctype = 'x''); DROP TABLE t; --');"]
        );
    }

    #[test]
    fn only_the_comment_changes_in_place() {
        let have = icu("und-u-ks-level2", false);
        let mut want = have.clone();
        want.comment = Some("x".into());
        assert_eq!(
            Collation::alter(&name(), &have, &want),
            Some(vec!["COMMENT ON COLLATION public.ci IS 'x';".to_string()])
        );
        assert_eq!(
            Collation::alter(&name(), &have, &icu("und-u-ks-level2", true)),
            None
        );
    }

    #[test]
    fn import_writes_what_build_reads_back() {
        for def in [
            icu("en-u-kn-true", true),
            icu("und-u-ks-level2", false),
            CollationDef {
                provider: CollationProvider::Libc,
                lc_collate: Some("POSIX".into()),
                lc_ctype: Some("POSIX".into()),
                icu_locale: None,
                deterministic: true,
                comment: Some("c".into()),
            },
            CollationDef {
                provider: CollationProvider::Libc,
                lc_collate: Some("C".into()),
                lc_ctype: Some("C.utf8".into()),
                icu_locale: None,
                deterministic: true,
                comment: None,
            },
        ] {
            let raw = Collation::import(&def).unwrap();
            let mut cx = Cx(Vec::new());
            assert_eq!(Collation::build(&mut cx, raw), Some(def));
            assert!(cx.0.is_empty());
        }
    }

    /// A build context that records refusals.
    struct Cx(Vec<String>);

    impl BuildCx for Cx {
        fn enter(
            &mut self,
            _: &str,
            _: &str,
        ) -> Option<(crate::sql::name::QualName, crate::diagnostic::Loc)> {
            None
        }
        fn key(&self, _: &[&str]) -> crate::diagnostic::Loc {
            loc()
        }
        fn val(&self, _: &[&str]) -> crate::diagnostic::Loc {
            loc()
        }
        fn invalid(&mut self, _: crate::diagnostic::Loc, message: String, _: &str) {
            self.0.push(message);
        }
        fn duplicate(
            &mut self,
            _: &'static str,
            _: String,
            _: crate::diagnostic::Loc,
            _: crate::diagnostic::Loc,
        ) {
        }
    }

    fn loc() -> crate::diagnostic::Loc {
        crate::diagnostic::Loc {
            file: crate::diagnostic::FileId(0),
            line: 1,
            col: 1,
            len: 1,
        }
    }

    #[test]
    fn build_refuses_what_postgresql_refuses() {
        let cases = [
            (
                RawCollation {
                    provider: Some(CollationProvider::Icu),
                    ..Default::default()
                },
                "needs `locale:`",
            ),
            (
                RawCollation {
                    provider: Some(CollationProvider::Icu),
                    locale: Some("und".into()),
                    lc_collate: Some("C".into()),
                    ..Default::default()
                },
                "has no `lc_collate`",
            ),
            (
                RawCollation {
                    lc_collate: Some("C".into()),
                    ..Default::default()
                },
                "`lc_ctype` is missing",
            ),
            (
                RawCollation {
                    locale: Some("C".into()),
                    lc_ctype: Some("C".into()),
                    ..Default::default()
                },
                "is given with",
            ),
            (
                RawCollation {
                    locale: Some("C".into()),
                    deterministic: Some(false),
                    ..Default::default()
                },
                "only an ICU collation",
            ),
            (
                RawCollation {
                    locale: Some(String::new()),
                    ..Default::default()
                },
                "is empty",
            ),
        ];
        for (raw, message) in cases {
            let mut cx = Cx(Vec::new());
            assert_eq!(Collation::build(&mut cx, raw), None, "{message}");
            assert!(
                cx.0.iter().any(|m| m.contains(message)),
                "{:?} lacks {message}",
                cx.0
            );
        }
    }
}
