//! Object kinds that each live in one file: catalog type, catalog query, comparison and SQL.
//!
//! Adding a kind to schemac used to touch about twelve files (raw, model, build, render,
//! catalog, introspect and its query, diff, the fast path, the checks…). A kind written as a
//! [`Kind`] lives in one module of this folder and is registered once in [`kinds!`] below:
//! introspection reads it ([`read_all`]), diff compares it ([`compare_all`]) and the plan
//! orders its changes by the dependencies PostgreSQL records, with no other file knowing it.
//! CONTRIBUTING.md says what a new kind touches.
//!
//! The layer sits below `catalog` (which holds an [`Objects`]) and above `sql` (quoting). It
//! knows nothing of `diff`: a comparison returns neutral [`Step`]s that diff turns into its
//! changes.

pub mod composite;
pub mod sequence;

use crate::catalog::Name;
use serde::Serialize;
use std::collections::BTreeMap;

/// `schema.name`, quoted.
pub fn qualified(name: &Name) -> String {
    use crate::sql::quote::quote_ident;
    format!("{}.{}", quote_ident(&name.0), quote_ident(&name.1))
}

/// `COMMENT ON <noun> schema.name IS …;` (`NULL` removes it).
pub fn comment_sql(noun: &str, name: &Name, comment: &Option<String>) -> String {
    let text = comment
        .as_deref()
        .map_or("NULL".to_string(), crate::sql::quote::quote_literal);
    format!("COMMENT ON {noun} {} IS {text};", qualified(name))
}

/// What a step does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Add,
    /// Changed in place.
    Alter,
    /// Dropped and made again.
    Replace,
    Drop,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Add => "add",
            Verb::Alter => "alter",
            Verb::Replace => "replace",
            Verb::Drop => "drop",
        }
    }
}

/// One difference of one object of a [`Kind`], with the SQL that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub verb: Verb,
    pub name: Name,
    /// The actual definition as one text (None when it is missing there).
    pub from: Option<String>,
    /// The desired definition as one text (None when it should not exist).
    pub to: Option<String>,
    pub sql: Vec<String>,
    /// Rows, columns or values are lost.
    pub data_loss: bool,
    /// Fails if existing data does not fit.
    pub may_fail: bool,
}

/// An object kind owned by one module.
pub trait Kind {
    /// The kind's name in reports and plans (`composite type`).
    const NOUN: &'static str;
    /// The catalog query: one row per object of the schemas in `$1`, first columns schema
    /// and name, with no extension-owned objects.
    const QUERY: &'static str;
    /// The object as the catalog describes it.
    type Def: Clone + PartialEq + Eq + std::fmt::Debug + Serialize;

    /// The object of one row of [`Kind::QUERY`].
    fn read(row: &postgres::Row) -> Self::Def;
    /// The definition as one text, for reports and their unified diffs.
    fn text(def: &Self::Def) -> String;
    /// The statements that make the object.
    fn create(name: &Name, def: &Self::Def) -> Vec<String>;
    /// The statements that drop the object.
    fn drop(name: &Name) -> Vec<String>;
    /// How `have` becomes `want` in place, or None when it must be dropped and made again.
    fn alter(name: &Name, have: &Self::Def, want: &Self::Def) -> Option<Vec<String>>;
    /// Whether dropping the object loses data (a type that columns use does).
    const DROP_LOSES_DATA: bool;
    /// Whether its name is a relation name (composite types, sequences): then it cannot
    /// share a name with a table, view or index of its schema, and the plan frees a name
    /// before another relation takes it.
    const RELATION: bool;
}

/// The steps that turn `actual` into `desired` for one kind, in name order: adds, alters
/// and replaces, then drops (the plan orders them by dependencies).
pub fn compare<K: Kind>(
    desired: &BTreeMap<Name, K::Def>,
    actual: &BTreeMap<Name, K::Def>,
) -> Vec<Step> {
    let mut out = Vec::new();
    for (name, want) in desired {
        let step = |verb, from: Option<&K::Def>, sql, data_loss, may_fail| Step {
            verb,
            name: name.clone(),
            from: from.map(K::text),
            to: Some(K::text(want)),
            sql,
            data_loss,
            may_fail,
        };
        match actual.get(name) {
            None => out.push(step(Verb::Add, None, K::create(name, want), false, false)),
            Some(have) if have != want => match K::alter(name, have, want) {
                Some(sql) => out.push(step(Verb::Alter, Some(have), sql, false, true)),
                None => {
                    let mut sql = K::drop(name);
                    sql.extend(K::create(name, want));
                    out.push(step(
                        Verb::Replace,
                        Some(have),
                        sql,
                        K::DROP_LOSES_DATA,
                        false,
                    ));
                }
            },
            Some(_) => {}
        }
    }
    for (name, have) in actual {
        if !desired.contains_key(name) {
            out.push(Step {
                verb: Verb::Drop,
                name: name.clone(),
                from: Some(K::text(have)),
                to: None,
                sql: K::drop(name),
                data_loss: K::DROP_LOSES_DATA,
                may_fail: false,
            });
        }
    }
    out
}

/// Declares the registered kinds: a field of [`Objects`] for each, read by [`read_all`] and
/// compared by [`compare_all`]. One line per kind.
macro_rules! kinds {
    ($($field:ident: $kind:ty,)*) => {
        /// The objects of every registered kind, by (schema, name).
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
        pub struct Objects {
            $(pub $field: BTreeMap<Name, <$kind as Kind>::Def>,)*
        }

        /// Whether objects of `noun` (a registered kind's [`Kind::NOUN`]) have relation
        /// names.
        pub fn is_relation(noun: &str) -> bool {
            $(noun == <$kind as Kind>::NOUN && <$kind as Kind>::RELATION ||)* false
        }

        /// How many queries [`read_all`] sends (its round trips).
        pub const QUERIES: usize = [$(stringify!($field)),*].len();

        /// The catalog query of each registered kind, in registry order: [`read_all`]
        /// sends them, [`from_rows`] reads their rows.
        pub const KIND_QUERIES: [&str; QUERIES] = [$(<$kind as Kind>::QUERY),*];

        /// The objects of every registered kind from the rows of [`KIND_QUERIES`]
        /// (`rows[i]` answers `KIND_QUERIES[i]`; introspection may run them on several
        /// connections at once).
        pub fn from_rows(rows: &[Vec<postgres::Row>]) -> Objects {
            let mut out = Objects::default();
            let mut rows = rows.iter();
            $(
                for r in rows.next().into_iter().flatten() {
                    out.$field.insert((r.get(0), r.get(1)), <$kind as Kind>::read(r));
                }
            )*
            out
        }

        /// Reads every registered kind of `schemas` (one query each).
        pub fn read_all(
            client: &mut impl crate::pg::Reads,
            schemas: &[String],
        ) -> Result<Objects, postgres::Error> {
            let rows = KIND_QUERIES
                .iter()
                .map(|q| client.rows(q, &[&schemas]))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(from_rows(&rows))
        }

        /// Leaves out of `objects` every object, of any registered kind, that `other` does
        /// not hold and `hide` says to leave out (by noun and name).
        pub fn hide_absent(
            objects: &mut Objects,
            other: &Objects,
            hide: &dyn Fn(&'static str, &Name) -> bool,
        ) {
            $(
                objects.$field.retain(|k, _| {
                    other.$field.contains_key(k) || !hide(<$kind as Kind>::NOUN, k)
                });
            )*
        }

        /// The steps of every registered kind, each with its kind's noun.
        pub fn compare_all(desired: &Objects, actual: &Objects) -> Vec<(&'static str, Step)> {
            let mut out = Vec::new();
            $(
                out.extend(
                    compare::<$kind>(&desired.$field, &actual.$field)
                        .into_iter()
                        .map(|s| (<$kind as Kind>::NOUN, s)),
                );
            )*
            out
        }
    };
}

kinds! {
    composite_types: composite::Composite,
    sequences: sequence::Sequence,
}
