//! Sequences (`CREATE SEQUENCE`): data type, start, increment, bounds, cache, cycle, the
//! column that owns it and comment. Every option can change in place (`ALTER SEQUENCE`), so
//! a sequence is never dropped to be changed, and its current value is kept. A new
//! sequence's owner is set where its column is made (a serial column's table or column
//! change, see diff), since the column cannot exist before the sequence its default draws
//! from. Identity columns' sequences belong to the column and are not read here.

use super::{comment_sql, qualified, Kind};
use crate::catalog::Name;
use crate::sql::quote::quote_literal;
use serde::Serialize;

/// A sequence's options as the catalog holds them (all explicit, whatever was written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SequenceDef {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The owning column, `schema.table.column` quoted (serial's `OWNED BY`).
    pub owned_by: Option<String>,
    pub comment: Option<String>,
}

pub struct Sequence;

/// The options clause, all of it: the catalog's values leave nothing to defaults.
fn options(d: &SequenceDef) -> String {
    format!(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        d.data_type,
        d.increment,
        d.min,
        d.max,
        d.start,
        d.cache,
        if d.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

impl Kind for Sequence {
    const NOUN: &'static str = "sequence";
    const QUERY: &'static str = include_str!("sequence.sql");
    const DROP_LOSES_DATA: bool = true;
    const RELATION: bool = true;
    type Def = SequenceDef;

    fn read(row: &postgres::Row) -> SequenceDef {
        SequenceDef {
            data_type: row.get(2),
            start: row.get(3),
            increment: row.get(4),
            min: row.get(5),
            max: row.get(6),
            cache: row.get(7),
            cycle: row.get(8),
            owned_by: row.get(9),
            comment: row.get(10),
        }
    }

    fn text(d: &SequenceDef) -> String {
        let mut t = vec![
            format!("AS {}", d.data_type),
            format!("INCREMENT BY {}", d.increment),
            format!("MINVALUE {}", d.min),
            format!("MAXVALUE {}", d.max),
            format!("START WITH {}", d.start),
            format!("CACHE {}", d.cache),
            (if d.cycle { "CYCLE" } else { "NO CYCLE" }).to_string(),
        ];
        if let Some(o) = &d.owned_by {
            t.push(format!("OWNED BY {o}"));
        }
        if let Some(c) = &d.comment {
            t.push(format!("COMMENT {}", quote_literal(c)));
        }
        t.join("\n")
    }

    fn create(name: &Name, d: &SequenceDef) -> Vec<String> {
        let mut sql = vec![format!(
            "CREATE SEQUENCE {} {};",
            qualified(name),
            options(d)
        )];
        if d.comment.is_some() {
            sql.push(comment_sql("SEQUENCE", name, &d.comment));
        }
        sql
    }

    fn drop(name: &Name) -> Vec<String> {
        // A sequence owned by a dropped column is already gone with it.
        vec![format!("DROP SEQUENCE IF EXISTS {};", qualified(name))]
    }

    fn alter(name: &Name, have: &SequenceDef, want: &SequenceDef) -> Option<Vec<String>> {
        let mut sql = Vec::new();
        let (mut h, mut w) = (have.clone(), want.clone());
        (h.comment, w.comment) = (None, None);
        (h.owned_by, w.owned_by) = (None, None);
        if h != w {
            sql.push(format!(
                "ALTER SEQUENCE {} {};",
                qualified(name),
                options(want)
            ));
        }
        if have.owned_by != want.owned_by {
            let owner = want.owned_by.as_deref().unwrap_or("NONE");
            sql.push(format!(
                "ALTER SEQUENCE {} OWNED BY {owner};",
                qualified(name)
            ));
        }
        if have.comment != want.comment {
            sql.push(comment_sql("SEQUENCE", name, &want.comment));
        }
        Some(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> SequenceDef {
        SequenceDef {
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: i64::MAX,
            cache: 1,
            cycle: false,
            owned_by: None,
            comment: None,
        }
    }

    fn name() -> Name {
        ("public".into(), "order_no".into())
    }

    #[test]
    fn every_option_is_written_and_changed_in_place() {
        assert_eq!(
            Sequence::create(&name(), &def()),
            ["CREATE SEQUENCE public.order_no AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE;"]
        );
        let mut want = def();
        want.increment = 10;
        want.cycle = true;
        want.comment = Some("Order numbers".into());
        assert_eq!(
            Sequence::alter(&name(), &def(), &want),
            Some(vec![
                "ALTER SEQUENCE public.order_no AS bigint INCREMENT BY 10 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 CYCLE;".to_string(),
                "COMMENT ON SEQUENCE public.order_no IS 'Order numbers';".to_string(),
            ])
        );
    }

    #[test]
    fn an_owner_is_set_or_released_in_place() {
        let mut owned = def();
        owned.owned_by = Some("public.orders.no".into());
        assert_eq!(
            Sequence::alter(&name(), &def(), &owned),
            Some(vec![
                "ALTER SEQUENCE public.order_no OWNED BY public.orders.no;".to_string()
            ])
        );
        assert_eq!(
            Sequence::alter(&name(), &owned, &def()),
            Some(vec![
                "ALTER SEQUENCE public.order_no OWNED BY NONE;".to_string()
            ])
        );
    }

    #[test]
    fn the_report_text_has_one_option_per_line() {
        assert_eq!(
            Sequence::text(&def()),
            "AS bigint\nINCREMENT BY 1\nMINVALUE 1\nMAXVALUE 9223372036854775807\nSTART WITH 1\nCACHE 1\nNO CYCLE"
        );
    }
}
