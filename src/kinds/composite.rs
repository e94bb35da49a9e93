//! Composite types (`CREATE TYPE pair AS (x int, y int)`): their attributes in order, with
//! collations, and their comment.
//!
//! Attributes dropped, or added at the end, are changed in place (`ALTER TYPE … DROP/ADD
//! ATTRIBUTE`), as is an attribute's type (`ALTER ATTRIBUTE … TYPE`, which PostgreSQL refuses
//! while a table column stores the type). Anything else, such as a new order, drops the type
//! and makes it again; the plan drops and rebuilds what depends on it first.

use super::{comment_sql, qualified, Kind};
use crate::sql::name::Name;
use crate::sql::quote::{quote_ident, quote_literal};
use serde::Serialize;

/// A composite type as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompositeType {
    /// (name, `format_type` with ` COLLATE "c"` where the collation is not the type's own).
    pub attributes: Vec<(String, String)>,
    pub comment: Option<String>,
}

pub struct Composite;

impl Kind for Composite {
    const NOUN: &'static str = "composite type";
    const QUERY: &'static str = include_str!("composite.sql");
    const DROP_LOSES_DATA: bool = true;
    const RELATION: bool = true;
    type Def = CompositeType;

    fn read(row: &postgres::Row) -> CompositeType {
        let names: Vec<String> = row.get(2);
        let types: Vec<String> = row.get(3);
        CompositeType {
            attributes: names.into_iter().zip(types).collect(),
            comment: row.get(4),
        }
    }

    fn text(def: &CompositeType) -> String {
        let mut t: Vec<String> = def
            .attributes
            .iter()
            .map(|(n, ty)| format!("{n} {ty}"))
            .collect();
        if let Some(c) = &def.comment {
            t.push(format!("COMMENT {}", quote_literal(c)));
        }
        t.join("\n")
    }

    fn create(name: &Name, def: &CompositeType) -> Vec<String> {
        let attrs: Vec<String> = def
            .attributes
            .iter()
            .map(|(n, ty)| format!("{} {ty}", quote_ident(n)))
            .collect();
        let mut sql = vec![format!(
            "CREATE TYPE {} AS ({});",
            qualified(name),
            attrs.join(", ")
        )];
        if def.comment.is_some() {
            sql.push(comment_sql("TYPE", name, &def.comment));
        }
        sql
    }

    fn drop(name: &Name) -> Vec<String> {
        vec![format!("DROP TYPE {};", qualified(name))]
    }

    fn alter(name: &Name, have: &CompositeType, want: &CompositeType) -> Option<Vec<String>> {
        let kept: Vec<&(String, String)> = want
            .attributes
            .iter()
            .filter(|(n, _)| have.attributes.iter().any(|(h, _)| h == n))
            .collect();
        let old_kept: Vec<&(String, String)> = have
            .attributes
            .iter()
            .filter(|(n, _)| want.attributes.iter().any(|(w, _)| w == n))
            .collect();
        // The kept attributes keep their order, and the new ones come after all of them.
        let same_order = kept.iter().map(|a| &a.0).eq(old_kept.iter().map(|a| &a.0));
        let appended = want.attributes[..kept.len()]
            .iter()
            .zip(&kept)
            .all(|(a, b)| a.0 == b.0);
        if !same_order || !appended {
            return None;
        }
        let t = qualified(name);
        let mut sql = Vec::new();
        for (n, _) in have
            .attributes
            .iter()
            .filter(|h| !kept.iter().any(|k| k.0 == h.0))
        {
            sql.push(format!("ALTER TYPE {t} DROP ATTRIBUTE {};", quote_ident(n)));
        }
        for ((n, ty), (_, old)) in kept
            .iter()
            .map(|k| (&k.0, &k.1))
            .zip(old_kept.iter().map(|o| (&o.0, &o.1)))
        {
            if ty != old {
                sql.push(format!(
                    "ALTER TYPE {t} ALTER ATTRIBUTE {} TYPE {ty};",
                    quote_ident(n)
                ));
            }
        }
        for (n, ty) in &want.attributes[kept.len()..] {
            sql.push(format!(
                "ALTER TYPE {t} ADD ATTRIBUTE {} {ty};",
                quote_ident(n)
            ));
        }
        if have.comment != want.comment {
            sql.push(comment_sql("TYPE", name, &want.comment));
        }
        Some(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(attrs: &[(&str, &str)]) -> CompositeType {
        CompositeType {
            attributes: attrs
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            comment: None,
        }
    }

    fn name() -> Name {
        ("public".into(), "pair".into())
    }

    #[test]
    fn appended_dropped_and_retyped_attributes_change_in_place() {
        let have = ty(&[("x", "integer"), ("y", "integer"), ("z", "text")]);
        let want = ty(&[("x", "bigint"), ("y", "integer"), ("label", "text")]);
        assert_eq!(
            Composite::alter(&name(), &have, &want),
            Some(vec![
                "ALTER TYPE public.pair DROP ATTRIBUTE z;".to_string(),
                "ALTER TYPE public.pair ALTER ATTRIBUTE x TYPE bigint;".to_string(),
                "ALTER TYPE public.pair ADD ATTRIBUTE label text;".to_string(),
            ])
        );
    }

    #[test]
    fn a_new_order_makes_the_type_again() {
        let have = ty(&[("x", "integer"), ("y", "integer")]);
        assert_eq!(
            Composite::alter(&name(), &have, &ty(&[("y", "integer"), ("x", "integer")])),
            None
        );
        // A new attribute before a kept one cannot be added in place either.
        assert_eq!(
            Composite::alter(
                &name(),
                &have,
                &ty(&[("w", "text"), ("x", "integer"), ("y", "integer")])
            ),
            None
        );
    }

    #[test]
    fn create_quotes_names_and_keeps_the_comment() {
        let mut def = ty(&[("Weird Name", "text")]);
        def.comment = Some("it's a pair".into());
        assert_eq!(
            Composite::create(&name(), &def),
            [
                "CREATE TYPE public.pair AS (\"Weird Name\" text);",
                "COMMENT ON TYPE public.pair IS 'it''s a pair';"
            ]
        );
    }
}
