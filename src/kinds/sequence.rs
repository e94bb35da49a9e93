//! Sequences (`CREATE SEQUENCE`): data type, start, increment, bounds, cache, cycle, the
//! column that owns it and comment. Every option can change in place (`ALTER SEQUENCE`), so
//! a sequence is never dropped to be changed, and its current value is kept. A new
//! sequence's owner is set where its column is made (a serial column's table or column
//! change, see diff), since the column cannot exist before the sequence its default draws
//! from. Identity columns' sequences belong to the column and are not read here.

use super::{comment_sql, qualified, Kind};
use crate::sql::name::Name;
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

/// A sequence's options as a project declares them: what is left out takes PostgreSQL's
/// default, which [`Options::resolve`] works out as `CREATE SEQUENCE` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub data_type: Option<String>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

/// `smallint`, `integer` or `bigint` as `format_type` prints it, with its range.
fn integer_type(name: &str) -> Option<(&'static str, i64, i64)> {
    match name.trim().to_ascii_lowercase().as_str() {
        "smallint" | "int2" => Some(("smallint", i16::MIN.into(), i16::MAX.into())),
        "integer" | "int" | "int4" => Some(("integer", i32::MIN.into(), i32::MAX.into())),
        "bigint" | "int8" => Some(("bigint", i64::MIN, i64::MAX)),
        _ => None,
    }
}

impl Options {
    /// The catalog's values for these options (no owner, no comment), or why PostgreSQL
    /// would refuse them.
    pub fn resolve(&self) -> Result<SequenceDef, String> {
        let (data_type, lo, hi) = match &self.data_type {
            None => ("bigint", i64::MIN, i64::MAX),
            Some(t) => integer_type(t).ok_or_else(|| {
                format!("`{t}` is not a sequence type (smallint, integer or bigint)")
            })?,
        };
        let increment = self.increment.unwrap_or(1);
        if increment == 0 {
            return Err("`increment` must not be zero".into());
        }
        let up = increment > 0;
        let min = self.min.unwrap_or(if up { 1 } else { lo });
        let max = self.max.unwrap_or(if up { hi } else { -1 });
        for (what, v) in [("min", min), ("max", max)] {
            if v < lo || v > hi {
                return Err(format!("`{what}: {v}` is out of range for {data_type}"));
            }
        }
        if min >= max {
            return Err(format!("`min` ({min}) must be less than `max` ({max})"));
        }
        let start = self.start.unwrap_or(if up { min } else { max });
        if start < min || start > max {
            return Err(format!(
                "`start: {start}` must lie between `min` ({min}) and `max` ({max})"
            ));
        }
        let cache = self.cache.unwrap_or(1);
        if cache < 1 {
            return Err(format!("`cache: {cache}` must be at least 1"));
        }
        Ok(SequenceDef {
            data_type: data_type.to_string(),
            start,
            increment,
            min,
            max,
            cache,
            cycle: self.cycle,
            owned_by: None,
            comment: None,
        })
    }
}

/// `ALTER SEQUENCE … OWNED BY …` (`owner` quoted, or None for `NONE`).
pub fn owner_sql(name: &Name, owner: Option<&str>) -> String {
    format!(
        "ALTER SEQUENCE {} OWNED BY {};",
        qualified(name),
        owner.unwrap_or("NONE")
    )
}

/// The options clause of `CREATE SEQUENCE` and `ALTER SEQUENCE`, all of it: the catalog's
/// values leave nothing to defaults (gen's template writes it after both verbs, so that an
/// older sequence converges).
pub fn options_sql(d: &SequenceDef) -> String {
    format!("AS {} {}", d.data_type, numbers_sql(d))
}

/// Every option but the data type, which an identity column's sequence takes from its column.
fn numbers_sql(d: &SequenceDef) -> String {
    format!(
        "INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        d.increment,
        d.min,
        d.max,
        d.start,
        d.cache,
        if d.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// The options of `d` that differ from what PostgreSQL picks for its data type and
/// direction, by their names in the project format, in a fixed order (`cycle` aside: it is
/// not a number, and its default is false).
pub fn non_default_options(d: &SequenceDef) -> Vec<(&'static str, i64)> {
    let defaults = Options {
        data_type: Some(d.data_type.clone()),
        increment: Some(d.increment),
        ..Options::default()
    }
    .resolve()
    .ok();
    let def = defaults.as_ref();
    let start = if d.increment > 0 { d.min } else { d.max };
    [
        ("increment", d.increment, Some(1)),
        ("min", d.min, def.map(|x| x.min)),
        ("max", d.max, def.map(|x| x.max)),
        ("start", d.start, Some(start)),
        ("cache", d.cache, Some(1)),
    ]
    .into_iter()
    .filter(|(_, v, default)| *default != Some(*v))
    .map(|(k, v, _)| (k, v))
    .collect()
}

/// An identity column's sequence options as `GENERATED … AS IDENTITY ( … )` takes them:
/// only those that differ from what PostgreSQL picks for a column of that type
/// ([`non_default_options`]), and "" when every option is a default. Two identity columns'
/// sequences are alike when this text is: the sequence's data type follows the column's, so
/// options written for an `integer` column still match once it becomes `bigint`.
pub fn identity_clause(d: &SequenceDef) -> String {
    let mut out: Vec<String> = non_default_options(d)
        .into_iter()
        .map(|(k, v)| {
            let word = match k {
                "increment" => "INCREMENT BY",
                "min" => "MINVALUE",
                "max" => "MAXVALUE",
                "start" => "START WITH",
                _ => "CACHE",
            };
            format!("{word} {v}")
        })
        .collect();
    if d.cycle {
        out.push("CYCLE".into());
    }
    out.join(" ")
}

/// The statement that gives the identity column `column` of `table` (quoted, qualified)
/// these sequence options. PostgreSQL refuses bounds that the sequence's current value lies
/// outside; when the value has not been handed out yet, or the new bound is ahead of it in
/// the sequence's direction, no value already used can come again, so the sequence restarts
/// at that bound. Otherwise the statement fails, and with it the plan, which changes nothing.
pub fn identity_options_sql(table: &str, column: &str, d: &SequenceDef) -> String {
    let options = numbers_sql(d);
    let (min, max, inc) = (d.min, d.max, d.increment);
    let (table, column) = (quote_literal(table), quote_literal(column));
    let body = format!(
        "DECLARE\n  seq regclass := pg_get_serial_sequence({table}, {column})::regclass;\n  \
         last bigint;\n  called boolean;\n  restart text := '';\nBEGIN\n  \
         EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO last, called;\n  \
         IF last < {min} AND (NOT called OR {inc} > 0) THEN restart := ' RESTART WITH {min}';\n  \
         ELSIF last > {max} AND (NOT called OR {inc} < 0) THEN restart := ' RESTART WITH {max}';\n  \
         END IF;\n  EXECUTE format('ALTER SEQUENCE %s {options}', seq) || restart;\nEND\n"
    );
    // The names are pasted into the block: its quote must not occur in them.
    let tag = crate::sql::quote::dollar_tag("schemac", [body.as_str()]);
    format!("DO {tag}\n{body}{tag};")
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
            options_sql(d)
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
                options_sql(want)
            ));
        }
        if have.owned_by != want.owned_by {
            sql.push(owner_sql(name, want.owned_by.as_deref()));
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

    #[test]
    fn identity_clause_names_only_what_is_not_a_default() {
        let int = |o: Options| {
            Options {
                data_type: Some("integer".into()),
                ..o
            }
            .resolve()
            .expect("valid")
        };
        assert_eq!(identity_clause(&int(Options::default())), "");
        // Descending: min is the type's lowest, max -1 and start max by default.
        let down = int(Options {
            increment: Some(-1),
            ..Options::default()
        });
        assert_eq!((down.min, down.max, down.start), (i32::MIN.into(), -1, -1));
        assert_eq!(identity_clause(&down), "INCREMENT BY -1");
        let odd = int(Options {
            start: Some(-100),
            increment: Some(5),
            min: Some(-100),
            max: Some(200),
            cache: Some(20),
            cycle: true,
            ..Options::default()
        });
        // START WITH -100 is the default: an ascending sequence starts at its minimum.
        assert_eq!(
            identity_clause(&odd),
            "INCREMENT BY 5 MINVALUE -100 MAXVALUE 200 CACHE 20 CYCLE"
        );
        // The integer type's maximum is a default for integer, not for bigint.
        let wide = SequenceDef {
            data_type: "bigint".into(),
            ..int(Options::default())
        };
        assert_eq!(identity_clause(&wide), "MAXVALUE 2147483647");
        // A name holding the block's usual quote gets another one.
        let sql = identity_options_sql("public.\"a$schemac$b\"", "c$schemac$", &odd);
        assert!(
            sql.starts_with("DO $schemac1$\n") && sql.ends_with("$schemac1$;"),
            "{sql}"
        );
    }

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
    fn declared_options_resolve_to_postgres_defaults() {
        assert_eq!(Options::default().resolve(), Ok(def()));
        let down = Options {
            data_type: Some("int".into()),
            increment: Some(-2),
            ..Options::default()
        }
        .resolve()
        .expect("valid");
        assert_eq!(
            (down.data_type.as_str(), down.min, down.max, down.start),
            ("integer", i64::from(i32::MIN), -1, -1)
        );
        for bad in [
            Options {
                increment: Some(0),
                ..Options::default()
            },
            Options {
                min: Some(10),
                max: Some(5),
                ..Options::default()
            },
            Options {
                start: Some(0),
                ..Options::default()
            },
            Options {
                data_type: Some("smallint".into()),
                max: Some(1 << 20),
                ..Options::default()
            },
            Options {
                data_type: Some("numeric".into()),
                ..Options::default()
            },
            Options {
                cache: Some(0),
                ..Options::default()
            },
        ] {
            assert!(bad.resolve().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_report_text_has_one_option_per_line() {
        assert_eq!(
            Sequence::text(&def()),
            "AS bigint\nINCREMENT BY 1\nMINVALUE 1\nMAXVALUE 9223372036854775807\nSTART WITH 1\nCACHE 1\nNO CYCLE"
        );
    }
}
