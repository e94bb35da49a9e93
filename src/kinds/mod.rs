//! Object kinds that each live in one module: catalog type, catalog query, comparison and
//! SQL, and for a kind a project declares, its YAML form, checks, prediction and import.
//!
//! Adding a kind to schemac used to touch about twelve files (raw, model, build, render,
//! catalog, introspect and its query, diff, the fast path, the checks…). A kind written as a
//! [`Kind`] lives in one module of this folder and is registered once: introspection reads
//! it ([`read_all`], [`from_rows`]), diff compares it ([`compare_all`]) and the plan orders
//! its changes by the dependencies PostgreSQL records, with no other file knowing it. A kind
//! that is also [`Declared`] (listed in `declared_kinds!`) is read from a project's YAML
//! (`crate::load::raw::RawFile` gets a field), built into `crate::model::Model::declared`
//! ([`build_all`], through the builder's [`BuildCx`]), checked for what every kind needs
//! ([`entries`]), written by gen through its template ([`render_all`]), predicted
//! ([`predict_all`]) and imported ([`import_all`]). CONTRIBUTING.md says what a new kind
//! touches: its module, its query, its template and one line here.
//!
//! The layer sits below `load`, `model`, `render`, `catalog` (which holds an [`Objects`]) and
//! `diff`, and above `sql` (quoting, names) and `diagnostic` (positions). It knows none of
//! them: a comparison returns neutral [`Step`]s that diff turns into its changes, and
//! building reports through [`BuildCx`].

pub mod collation;
pub mod composite;
pub mod sequence;

use crate::diagnostic::Loc;
use crate::sql::name::Name;
use crate::sql::name::QualName;
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
    /// The owner a row of [`Kind::QUERY`] names, for a kind that reads it there (kinds whose
    /// owners `introspect`'s own owner query reads leave this out).
    fn owner(_row: &postgres::Row) -> Option<String> {
        None
    }
    /// The system catalog of its objects when it is not `pg_class` or `pg_type`
    /// (`pg_collation`): the plan's dependency graph then names them through it.
    const CATALOG: Option<&'static str> = None;
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

/// Where a declared object's parts are written, and how building it reports problems: what
/// a [`Declared`] kind's `build` needs from the model builder (which implements it).
pub trait BuildCx {
    /// Starts the object `name` of the section `key`: its qualified name and where it is
    /// written. None when the name is refused (the builder has reported why).
    fn enter(&mut self, key: &str, name: &str) -> Option<(QualName, Loc)>;
    /// Where the key at `path` below the current object is written.
    fn key(&self, path: &[&str]) -> Loc;
    /// Where the value at `path` below the current object is written (`&[]`: the object).
    fn val(&self, path: &[&str]) -> Loc;
    /// Refuses a value (SC006 invalid-value; nothing runs further, exit 2).
    fn invalid(&mut self, loc: Loc, message: String, hint: &str);
    /// The object `name` is declared again at `second` (the first definition is kept).
    fn duplicate(&mut self, noun: &'static str, name: String, first: Loc, second: Loc);
}

/// A declared object: its name, where it is written, its `owner:` and the kind's own part.
#[derive(Debug, Clone)]
pub struct Object<M> {
    pub name: QualName,
    pub loc: Loc,
    /// `owner:` as written (the project's default applies when None).
    pub owner: Option<(String, Loc)>,
    pub model: M,
}

/// A kind a project declares in its YAML, owned end to end by its module: the YAML form,
/// its checks, gen's SQL, the catalog gen's SQL produces, and import's YAML, beside its
/// catalog side ([`Kind`]). Registered in `declared_kinds!`, it needs nothing else: load
/// reads its key, the model holds it ([`Declarations`]), check reports duplicates, unknown
/// schemas and owners, gen writes it after the enums (before domains, composite types,
/// sequences, functions and tables, which may use it) through its template, diff predicts
/// its catalog, and import writes it.
pub trait Declared: Kind {
    /// Its key in a definition file (`collations`).
    const KEY: &'static str;
    /// What `ALTER … OWNER TO` calls it (`COLLATION`).
    const SQL_NOUN: &'static str;
    /// The heading of its section in gen's file.
    const SECTION: &'static str;
    /// gen's template (file name under `templates/sql/`, embedded text). It is rendered
    /// with `schema`, `name`, `qualified`, `statements` ([`Kind::create`] of the object:
    /// the first makes it, the others set what can be set again), `def` (the definition),
    /// `fresh` (the database is empty) and `tag` (a dollar-quote tag the texts do not hold),
    /// and must converge over an older version of the object.
    const TEMPLATE: (&'static str, &'static str);
    /// The YAML form: serde reads it (unknown keys refused), import writes it, and it is
    /// part of the format's JSON Schema.
    type Raw: serde::de::DeserializeOwned
        + Serialize
        + schemars::JsonSchema
        + Clone
        + std::fmt::Debug;
    /// The object as the project declares it, checked.
    type Model: Clone + std::fmt::Debug;

    /// `owner:` of the YAML form.
    fn raw_owner(raw: &Self::Raw) -> Option<&String>;
    /// Checks the YAML form: None when a value is refused (reported through `cx`).
    fn build(cx: &mut dyn BuildCx, raw: Self::Raw) -> Option<Self::Model>;
    /// The definition the project asks for, as gen makes it.
    fn def(model: &Self::Model) -> Self::Def;
    /// The definition PostgreSQL will report once gen's SQL has run, or why it cannot be
    /// told without a shadow database. It may fail to recognise a match, never invent one.
    fn predict(model: &Self::Model) -> Result<Self::Def, String> {
        Ok(Self::def(model))
    }
    /// The YAML that declares `def` (import), or why the format cannot say it.
    fn import(def: &Self::Def) -> Result<Self::Raw, String>;
}

/// A declared object as the checks that hold for every kind see it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub noun: &'static str,
    pub name: &'a QualName,
    pub loc: Loc,
    pub owner: &'a Option<(String, Loc)>,
    /// Its name is a relation name ([`Kind::RELATION`]).
    pub relation: bool,
}

/// What gen renders for one declared object.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub section: &'static str,
    pub template: &'static str,
    pub loc: Loc,
    /// The template's context, less `fresh` and `tag` (which gen adds).
    pub context: serde_json::Value,
    /// The texts the dollar-quote tag must not occur in.
    pub texts: Vec<String>,
}

fn rendered<K: Declared>(o: &Object<K::Model>) -> Rendered {
    let name: Name = (o.name.schema.clone(), o.name.name.clone());
    let def = K::def(&o.model);
    let statements = K::create(&name, &def);
    Rendered {
        section: K::SECTION,
        template: K::TEMPLATE.0,
        loc: o.loc,
        context: serde_json::json!({
            "schema": o.name.schema,
            "name": o.name.name,
            "qualified": o.name.sql(),
            "statements": statements,
            "def": def,
        }),
        texts: statements,
    }
}

/// Declares what the pipeline does with the declared kinds (`declared_kinds!`).
macro_rules! declared {
    ($($field:ident: $kind:ty,)*) => {
        /// The declared kinds' YAML sections of one file, as read.
        #[derive(Debug, Clone, Default)]
        pub struct RawDeclared {
            $(pub $field: indexmap::IndexMap<String, <$kind as Declared>::Raw>,)*
        }

        /// The objects of every declared kind, by name.
        #[derive(Debug, Clone, Default)]
        pub struct Declarations {
            $(pub $field: BTreeMap<QualName, Object<<$kind as Declared>::Model>>,)*
        }

        /// gen's templates of the declared kinds (name, embedded text).
        pub const TEMPLATES: &[(&str, &str)] = &[$(<$kind as Declared>::TEMPLATE),*];

        /// (YAML key, noun) of each declared kind.
        pub const DECLARED: &[(&str, &str)] = &[$((<$kind as Declared>::KEY, <$kind as Kind>::NOUN)),*];

        /// Whether the project declares the object `q` of the kind `noun`.
        #[allow(unused_variables)]
        pub fn declares(d: &Declarations, noun: &str, q: &QualName) -> bool {
            $(if noun == <$kind as Kind>::NOUN && d.$field.contains_key(q) {
                return true;
            })*
            false
        }

        /// What `ALTER … OWNER TO` calls objects of `noun`, for a declared kind.
        #[allow(unused_variables, unused_mut)]
        pub fn sql_noun(noun: &str) -> Option<&'static str> {
            $(if noun == <$kind as Kind>::NOUN {
                return Some(<$kind as Declared>::SQL_NOUN);
            })*
            None
        }

        /// Builds one file's declared objects into `into`, in the order written; a name
        /// declared again is reported and the first definition kept.
        #[allow(unused_variables, unused_mut)]
        pub fn build_all(raw: RawDeclared, cx: &mut dyn BuildCx, into: &mut Declarations) {
            $(
                for (name, r) in raw.$field {
                    let Some((q, loc)) = cx.enter(<$kind as Declared>::KEY, &name) else {
                        continue;
                    };
                    let owner = <$kind as Declared>::raw_owner(&r)
                        .map(|o| (o.clone(), cx.val(&["owner"])));
                    let Some(model) = <$kind as Declared>::build(cx, r) else {
                        continue;
                    };
                    if let Some(prev) = into.$field.get(&q) {
                        cx.duplicate(<$kind as Kind>::NOUN, q.to_string(), prev.loc, loc);
                    } else {
                        into.$field.insert(q.clone(), Object { name: q, loc, owner, model });
                    }
                }
            )*
        }

        /// Every declared object, kind by kind, by name.
        #[allow(unused_variables, unused_mut)]
        pub fn entries(d: &Declarations) -> Vec<Entry<'_>> {
            let mut out = Vec::new();
            $(
                out.extend(d.$field.values().map(|o| Entry {
                    noun: <$kind as Kind>::NOUN,
                    name: &o.name,
                    loc: o.loc,
                    owner: &o.owner,
                    relation: <$kind as Kind>::RELATION,
                }));
            )*
            out
        }

        /// The catalog gen's SQL gives the declared objects, into `into`; Err with the
        /// first object it cannot be told for, and why.
        #[allow(unused_variables, unused_mut)]
        pub fn predict_all(d: &Declarations, into: &mut Objects) -> Result<(), String> {
            $(
                for o in d.$field.values() {
                    let def = <$kind as Declared>::predict(&o.model).map_err(|why| {
                        format!("{} {}: {why}", <$kind as Kind>::NOUN, o.name)
                    })?;
                    into.$field.insert((o.name.schema.clone(), o.name.name.clone()), def);
                }
            )*
            Ok(())
        }

        /// What gen renders for the declared objects: kind by kind, by name.
        #[allow(unused_variables, unused_mut)]
        pub fn render_all(d: &Declarations) -> Vec<Rendered> {
            let mut out = Vec::new();
            $(out.extend(d.$field.values().map(rendered::<$kind>));)*
            out
        }

        /// The YAML of every declared kind's objects in `objects` (import): for each kind
        /// its key and noun, and for each object its name and YAML, or why the format
        /// cannot say it.
        #[allow(clippy::type_complexity)]
        #[allow(unused_variables, unused_mut)]
        pub fn import_all(
            objects: &Objects,
        ) -> Vec<(&'static str, &'static str, Vec<(&Name, Result<serde_json::Value, String>)>)> {
            let mut out = Vec::new();
            $(
                let items = objects
                    .$field
                    .iter()
                    .map(|(name, def)| {
                        let yaml = <$kind as Declared>::import(def).and_then(|raw| {
                            serde_json::to_value(raw).map_err(|e| e.to_string())
                        });
                        (name, yaml)
                    })
                    .collect();
                out.push((<$kind as Declared>::KEY, <$kind as Kind>::NOUN, items));
            )*
            out
        }
    };
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

        /// The system catalogs of the kinds that have one of their own ([`Kind::CATALOG`]),
        /// and their nouns, for the dependency graph's names.
        pub fn dependency_catalogs() -> (Vec<String>, Vec<String>) {
            let mut out = (Vec::new(), Vec::new());
            $(
                if let Some(c) = <$kind as Kind>::CATALOG {
                    out.0.push(c.to_string());
                    out.1.push(<$kind as Kind>::NOUN.to_string());
                }
            )*
            out
        }

        /// How many queries [`read_all`] sends (its round trips).
        pub const QUERIES: usize = [$(stringify!($field)),*].len();

        /// The catalog query of each registered kind, in registry order: [`read_all`]
        /// sends them, [`from_rows`] reads their rows.
        pub const KIND_QUERIES: [&str; QUERIES] = [$(<$kind as Kind>::QUERY),*];

        /// The objects of every registered kind from the rows of [`KIND_QUERIES`]
        /// (`rows[i]` answers `KIND_QUERIES[i]`; introspection may run them on several
        /// connections at once).
        /// Owners a kind reads in its own query go into `owners`, keyed (noun, schema,
        /// name) as `crate::catalog::Catalog::owners` is.
        pub fn from_rows(
            rows: &[Vec<postgres::Row>],
            owners: &mut BTreeMap<(String, String, String), String>,
        ) -> Objects {
            let mut out = Objects::default();
            let mut rows = rows.iter();
            $(
                for r in rows.next().into_iter().flatten() {
                    let name: Name = (r.get(0), r.get(1));
                    if let Some(o) = <$kind as Kind>::owner(r) {
                        let noun = <$kind as Kind>::NOUN.to_string();
                        owners.insert((noun, name.0.clone(), name.1.clone()), o);
                    }
                    out.$field.insert(name, <$kind as Kind>::read(r));
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
            Ok(from_rows(&rows, &mut BTreeMap::new()))
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

/// The kinds a project declares in its YAML (see [`Declared`]), one line each: its key in a
/// definition file and its type. Each stage of the pipeline expands its own code from this
/// list (`declared_kinds!(a_macro)` calls `a_macro! { key: Type, … }`): the raw YAML's
/// fields (`crate::load::raw`), the model ([`Declarations`]), the catalog ([`Objects`]).
macro_rules! declared_kinds {
    ($cb:ident) => {
        $cb! {
            collations: $crate::kinds::collation::Collation,
        }
    };
}
pub(crate) use declared_kinds;

/// Every kind of the catalog: those a project declares (`declared_kinds!`) and those
/// only read from databases. One line per catalog-only kind.
macro_rules! catalog_kinds {
    ($($field:ident: $kind:ty,)*) => {
        kinds! {
            composite_types: composite::Composite,
            sequences: sequence::Sequence,
            $($field: $kind,)*
        }
        declared! { $($field: $kind,)* }
    };
}
declared_kinds!(catalog_kinds);
