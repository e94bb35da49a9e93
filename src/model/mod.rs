//! The typed model: what a project means, independent of how its YAML was laid out.
//!
//! `load` hands over raw structs; [`build`] turns them into these types: names qualified,
//! column types parsed, column-level shorthands (`primary_key: true`, `references:`) moved to
//! table-level constraints with PostgreSQL's default names, policy templates expanded, and
//! every object tagged with the [`Loc`] it came from. Things that are wrong but still have a
//! meaning (a duplicate, an unknown reference) are kept for `check` to report; only input
//! that cannot be typed at all is refused here.

pub mod api;
pub mod build;
pub mod names;
pub mod renames;
pub mod templates;
pub mod types;

use crate::diagnostic::{Loc, SourceMap};
use indexmap::IndexMap;
pub use names::QualName;
use std::path::PathBuf;
use std::sync::Arc;
pub use types::SqlType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    SnakeCase,
    CamelCase,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Supabase,
    Postgres,
}

/// `schemac.yaml`, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub loc: Loc,
    pub naming: Naming,
    pub schemas: Vec<String>,
    pub target: Target,
    /// Absolute or relative-to-cwd path of the master migration.
    pub output: PathBuf,
    pub external_tables: Vec<(QualName, Loc)>,
    pub external_functions: Vec<(QualName, Loc)>,
    pub external_roles: Vec<(String, Loc)>,
    pub external_types: Vec<(QualName, Loc)>,
    pub lock_timeout: String,
    pub statement_timeout: String,
    /// `api_roles:` the roles of the Data API, with where each is written; None when the
    /// project does not set it (nothing is derived).
    pub api_roles: Option<Vec<(String, Loc)>>,
    /// What `service_role` gets on every API table when it is an API role.
    pub service_role_privileges: Vec<Privilege>,
    /// `owner:` the role that owns every object that names none (of the kinds that may name
    /// one); None: not managed.
    pub owner: Option<(String, Loc)>,
    /// `raw_sql: true`: the project may hold `sql:` blocks.
    pub raw_sql: bool,
}

/// A whole project.
#[derive(Debug, Clone)]
pub struct Model {
    pub root: PathBuf,
    pub sources: SourceMap,
    pub config: Config,
    pub extensions: Vec<Named>,
    pub roles: Vec<Named>,
    pub enums: IndexMap<QualName, Enum>,
    pub functions: Vec<Function>,
    pub tables: IndexMap<QualName, Table>,
    pub views: IndexMap<QualName, View>,
    pub sequences: IndexMap<QualName, Sequence>,
    pub composite_types: IndexMap<QualName, CompositeType>,
    pub domains: IndexMap<QualName, Domain>,
    pub materialized_views: IndexMap<QualName, MaterializedView>,
    /// The kinds that live whole in one module of [`crate::kinds`] (collations).
    pub declared: crate::kinds::Declarations,
    pub grants: Vec<Grant>,
    /// `grants:` entries on functions (EXECUTE).
    pub function_privileges: Vec<FunctionPrivilege>,
    pub policy_templates: IndexMap<String, templates::PolicyTemplate>,
    /// Objects defined more than once; the model keeps the first definition.
    pub duplicates: Vec<Duplicate>,
    /// Explicit names longer than PostgreSQL's 63 bytes (stored truncated, as PostgreSQL would).
    pub long_names: Vec<(String, Loc)>,
    /// Triggers and policies on tables the project does not manage (`auth.users`,
    /// `storage.objects`).
    pub external: IndexMap<QualName, ExternalTable>,
    pub publications: IndexMap<String, Publication>,
    pub buckets: IndexMap<String, Bucket>,
    pub schema_configs: IndexMap<String, SchemaConfig>,
    pub default_privileges: Vec<DefaultPrivilege>,
    /// What `api_roles` decides beyond the table grants it adds to [`Model::grants`]:
    /// the privileges it resets, sequence and function privileges. None without `api_roles`.
    pub api: Option<api::ApiPrivileges>,
    /// `sql:` blocks, by name, in the order read (gen orders them: [`Model::raw_sql_order`]).
    pub raw_sql: IndexMap<String, RawSql>,
}

/// A raw SQL block (`sql:`): SQL the format cannot say, run as written by gen after every
/// declared object, re-run by apply, never compared by diff.
#[derive(Debug, Clone)]
pub struct RawSql {
    /// A plain identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes): it is written into SQL
    /// comments, so it can hold nothing that ends one.
    pub name: String,
    pub loc: Loc,
    /// What it needs (`after:`), as written, with where.
    pub after: Vec<(String, Loc)>,
    pub comment: Option<String>,
    pub body: String,
    pub body_loc: Loc,
}

/// Triggers and policies the project declares on a table it does not manage.
#[derive(Debug, Clone)]
pub struct ExternalTable {
    pub name: QualName,
    /// Where the table is first named under `external_triggers`/`external_policies`.
    pub loc: Loc,
    pub triggers: IndexMap<String, Trigger>,
    pub policies: IndexMap<String, Policy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PubOperation {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl PubOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            PubOperation::Insert => "insert",
            PubOperation::Update => "update",
            PubOperation::Delete => "delete",
            PubOperation::Truncate => "truncate",
        }
    }
}

/// A publication and the tables it publishes.
#[derive(Debug, Clone)]
pub struct Publication {
    pub name: String,
    /// None when only implied by `realtime: true`.
    pub loc: Option<Loc>,
    pub tables: Vec<(QualName, Loc)>,
    pub operations: Vec<PubOperation>,
}

/// A Supabase Storage bucket (a row of `storage.buckets`).
#[derive(Debug, Clone)]
pub struct Bucket {
    pub id: String,
    pub loc: Loc,
    pub public: bool,
    /// Bytes.
    pub file_size_limit: Option<i64>,
    pub allowed_mime_types: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaPrivilege {
    Usage,
    Create,
}

impl SchemaPrivilege {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaPrivilege::Usage => "USAGE",
            SchemaPrivilege::Create => "CREATE",
        }
    }
}

/// Privileges on a schema granted to roles.
/// A `schemas_config` grant: its privileges, the roles with where each is written, and
/// whether they are granted `WITH GRANT OPTION`.
pub type SchemaGrant = (Vec<SchemaPrivilege>, Vec<(String, Loc)>, bool);

/// A schema with the privileges granted on it.
#[derive(Debug, Clone)]
pub struct SchemaConfig {
    pub name: String,
    pub loc: Loc,
    pub grants: Vec<SchemaGrant>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefaultObjects {
    Tables,
    Sequences,
    Functions,
}

impl DefaultObjects {
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "TABLES",
            DefaultObjects::Sequences => "SEQUENCES",
            DefaultObjects::Functions => "FUNCTIONS",
        }
    }
}

/// `ALTER DEFAULT PRIVILEGES [FOR ROLE r] IN SCHEMA s GRANT … ON … TO …`.
#[derive(Debug, Clone)]
pub struct DefaultPrivilege {
    pub loc: Loc,
    pub in_schema: String,
    pub on: DefaultObjects,
    pub privileges: Vec<Privilege>,
    pub to: Vec<(String, Loc)>,
    pub for_role: Option<String>,
}

/// A bare name with its location (extensions, roles).
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub loc: Loc,
}

/// Kinds of objects, for duplicate reports and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Table,
    Column,
    Constraint,
    Index,
    Policy,
    Trigger,
    Function,
    Enum,
    View,
    Sequence,
    CompositeType,
    Domain,
    MaterializedView,
    Extension,
    Role,
    PolicyTemplate,
    /// A `sql:` block.
    RawSql,
    /// A kind of `crate::kinds::declared_kinds!`, by its noun.
    Declared(&'static str),
    /// Any other repeated YAML key.
    Key,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::Index => "index",
            Kind::Policy => "policy",
            Kind::Trigger => "trigger",
            Kind::Function => "function",
            Kind::Enum => "enum",
            Kind::View => "view",
            Kind::Sequence => "sequence",
            Kind::CompositeType => "composite type",
            Kind::Domain => "domain",
            Kind::MaterializedView => "materialized view",
            Kind::Extension => "extension",
            Kind::Role => "role",
            Kind::PolicyTemplate => "policy template",
            Kind::RawSql => "sql block",
            Kind::Declared(noun) => noun,
            Kind::Key => "key",
        }
    }
}

/// One object defined twice: where first, where again, and what differs when known.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub kind: Kind,
    /// Display name (`public.goals`, `user_id on public.goals`).
    pub name: String,
    pub first: Loc,
    pub second: Loc,
    pub differences: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Enum {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub values: Vec<Named>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Invoker,
    Definer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    Volatile,
    Stable,
    Immutable,
}

/// `PARALLEL`: whether a function may run in parallel mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallel {
    Unsafe,
    Restricted,
    Safe,
}

/// An argument's mode (`IN` unless written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgMode {
    In,
    Out,
    InOut,
    Variadic,
}

impl ArgMode {
    /// The keyword PostgreSQL writes before the argument; empty for `IN`.
    pub fn keyword(self) -> &'static str {
        match self {
            ArgMode::In => "",
            ArgMode::Out => "OUT",
            ArgMode::InOut => "INOUT",
            ArgMode::Variadic => "VARIADIC",
        }
    }

    /// Whether the caller passes it (everything but `OUT`): it is part of the signature.
    pub fn is_input(self) -> bool {
        self != ArgMode::Out
    }
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: String,
    pub ty: SqlType,
    pub default: Option<Sql>,
    pub mode: ArgMode,
    /// Where `mode` is written (the type's position when it is not).
    pub mode_loc: Loc,
    pub loc: Loc,
}

/// A number written in the project (`cost`, `rows`), with where.
#[derive(Debug, Clone, Copy)]
pub struct Number {
    pub value: f64,
    pub loc: Loc,
}

impl Number {
    /// The value as a `float4` column of `pg_proc` stores it (`procost`, `prorows`); None
    /// when it does not fit one (SC315 refuses such numbers).
    pub fn stored(&self) -> Option<f64> {
        float4(self.value)
    }

    /// Whether `pg_get_functiondef`, which prints the stored value with six significant
    /// digits (`COST 1.23457e+06` for 1234567), prints it exactly: a function that a plan
    /// makes again from that text keeps the same number only then.
    pub fn survives_printing(&self) -> bool {
        survives_printing(self.value)
    }
}

/// [`Number::survives_printing`] for a bare number (import reads `procost` and `prorows`).
pub fn survives_printing(v: f64) -> bool {
    let Some(stored) = float4(v) else {
        return false;
    };
    printf_g(stored).parse::<f64>().ok().and_then(float4) == Some(stored)
}

fn float4(v: f64) -> Option<f64> {
    let f = v as f32;
    f.is_finite().then_some(f64::from(f))
}

/// C's `printf("%g", v)`, as PostgreSQL prints `COST` and `ROWS`: six significant digits,
/// trailing zeros dropped, an exponent (`1e+06`, `1.5e-05`) when the exponent is below -4
/// or at least 6.
pub fn printf_g(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{v:.5e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{v:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

/// One `name: value` option: a function's `set:` entry (`SET name = 'value'` while it
/// runs) or an index's storage parameter (`WITH (name = 'value')`).
#[derive(Debug, Clone)]
pub struct Setting {
    pub name: String,
    pub value: String,
    /// Where the name is written.
    pub loc: Loc,
    /// Where the value is written.
    pub value_loc: Loc,
}

/// Whether `s` can name a configuration parameter: one or more parts separated by dots
/// (`work_mem`, `app.tenant`), each an ASCII letter or `_` followed by letters, digits, `_`
/// or `$`, at most 63 bytes in all (PostgreSQL's identifier length). PostgreSQL accepts a
/// name without a dot only when it knows the parameter, which it checks itself.
pub fn is_setting_name(s: &str) -> bool {
    s.len() <= 63
        && s.split('.').all(|part| {
            part.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        })
}

#[derive(Debug, Clone)]
pub struct Function {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub args: Vec<Arg>,
    /// As written (`trigger`, `setof goals`, `table(a int)`), validated loosely.
    pub returns: String,
    pub returns_loc: Loc,
    pub language: String,
    pub security: Security,
    pub search_path: Option<String>,
    pub volatility: Volatility,
    pub strict: bool,
    pub leakproof: bool,
    pub parallel: Parallel,
    pub cost: Option<Number>,
    pub rows: Option<Number>,
    /// `set:`, in the order written (gen writes them after `search_path`).
    pub settings: Vec<Setting>,
    pub comment: Option<String>,
    pub body: String,
    /// `api: true` or `api_roles:`: callable through the Data API. None otherwise.
    pub api: Option<FunctionApi>,
}

/// A function callable through the Data API (`/rpc`).
#[derive(Debug, Clone)]
pub struct FunctionApi {
    /// Where `api`/`api_roles` is written.
    pub loc: Loc,
    /// `api_roles:` on the function; None: the project's `api_roles`.
    pub roles: Option<Vec<(String, Loc)>>,
}

/// Whether `s` can name a procedural language: one plain identifier (`sql`, `plpgsql`,
/// `plv8`), which gen writes quoted where needed.
pub fn is_language_name(s: &str) -> bool {
    let s = s.trim();
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Function {
    /// `type, type`: the input arguments' types (`OUT` arguments are not part of a
    /// function's identity), as DROP, COMMENT ON, GRANT and `regprocedure` name it.
    pub fn identity_args(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .filter(|a| a.mode.is_input())
            .map(|a| a.ty.to_string())
            .collect();
        args.join(", ")
    }

    /// `name(type, type)`: the identity PostgreSQL uses to tell overloads apart.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.identity_args())
    }

    pub fn returns_trigger(&self) -> bool {
        self.returns.trim().eq_ignore_ascii_case("trigger")
    }

    /// Whether it returns a set (`setof x`, `table (…)`); false when `returns` does not
    /// parse (SC401 reports that).
    pub fn returns_set(&self) -> bool {
        matches!(
            types::Returns::parse(&self.returns),
            Ok(types::Returns::Type { setof: true, .. } | types::Returns::Table(_))
        )
    }
}

/// A SQL fragment written by the user, with where it was written. Checked by `check`
/// (it must parse as exactly one expression) before anything renders it.
///
/// Policy conditions are read by several checks (SC401, SC505, SC506, SC507, SC513), and
/// sqlparser was the largest cost of `check`: such a fragment is parsed at most once per run,
/// on first use, and what those checks read is kept ([`crate::sql::parse::Facts`]). Fragments
/// with the same text (a template's condition on every table that uses it) can share one
/// parse ([`Sql::facts_shared`]).
#[derive(Debug, Clone)]
pub struct Sql {
    /// The text, with comments blanked out ([`crate::sql::fragment::clean`]).
    pub text: String,
    pub loc: Loc,
    /// Why PostgreSQL would not read the text as part of one statement (reported by check
    /// SC401; render refuses such a fragment). None for nearly every fragment.
    pub unsafe_reason: Option<Box<crate::sql::fragment::FragmentError>>,
    shape: crate::sql::fragment::Shape,
    parsed: std::sync::OnceLock<Arc<ParsedFacts>>,
}

/// What parsing a policy condition gave: its facts, or why it is not one expression.
pub type ParsedFacts = Result<crate::sql::parse::Facts, String>;

/// Parses already done, by text, for [`Sql::facts_shared`].
pub type SharedFacts<'a, S = std::collections::hash_map::RandomState> =
    std::collections::HashMap<&'a str, Arc<ParsedFacts>, S>;

impl Sql {
    /// An expression, read with PostgreSQL's lexical rules but not parsed yet.
    pub fn new(text: String, loc: Loc) -> Sql {
        Sql::with_shape(text, loc, crate::sql::fragment::Shape::Expr)
    }

    /// A query (a view's body), which may end with one `;`.
    pub fn query(text: String, loc: Loc) -> Sql {
        Sql::with_shape(text, loc, crate::sql::fragment::Shape::Query)
    }

    fn with_shape(text: String, loc: Loc, shape: crate::sql::fragment::Shape) -> Sql {
        let (text, unsafe_reason) = match crate::sql::fragment::clean(&text, shape) {
            Ok(std::borrow::Cow::Borrowed(_)) => (text, None),
            Ok(std::borrow::Cow::Owned(cleaned)) => (cleaned, None),
            Err(e) => (text, Some(Box::new(e))),
        };
        Sql {
            text,
            loc,
            unsafe_reason,
            shape,
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// Whether this is an expression or a query.
    pub fn shape(&self) -> crate::sql::fragment::Shape {
        self.shape
    }

    /// The facts of the fragment parsed as exactly one expression (see
    /// [`crate::sql::parse::parse_expr`]), or why it is not one. Parsed on the first call only.
    pub fn facts(&self) -> Result<&crate::sql::parse::Facts, &str> {
        let parsed = self
            .parsed
            .get_or_init(|| Arc::new(crate::sql::parse::parse_facts(&self.text)));
        match &**parsed {
            Ok(f) => Ok(f),
            Err(e) => Err(e),
        }
    }

    /// [`Sql::facts`], parsed once per distinct text among the fragments that share `seen`
    /// (the result depends on the text alone). A fragment parsed before keeps its facts.
    pub fn facts_shared<'a, S: std::hash::BuildHasher>(
        &'a self,
        seen: &mut SharedFacts<'a, S>,
    ) -> Result<&'a crate::sql::parse::Facts, &'a str> {
        let parsed = self.parsed.get_or_init(|| {
            Arc::clone(
                seen.entry(self.text.as_str())
                    .or_insert_with(|| Arc::new(crate::sql::parse::parse_facts(&self.text))),
            )
        });
        match &**parsed {
            Ok(f) => Ok(f),
            Err(e) => Err(e),
        }
    }
}

// Equality is the text and the place; whether it was parsed yet does not matter.
impl PartialEq for Sql {
    fn eq(&self, other: &Sql) -> bool {
        self.text == other.text && self.loc == other.loc
    }
}

impl Eq for Sql {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    Cascade,
    SetNull,
    SetDefault,
    Restrict,
    NoAction,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub loc: Loc,
    pub ty: SqlType,
    pub ty_loc: Loc,
    /// `COLLATE`, and where it is written.
    pub collation: Option<(String, Loc)>,
    pub nullable: bool,
    pub default: Option<Sql>,
    pub identity: Option<Identity>,
    /// An identity column's sequence, every option resolved for the column's type.
    pub identity_options: Option<crate::kinds::sequence::SequenceDef>,
    pub generated: Option<Sql>,
    pub comment: Option<String>,
    /// `renamed_from:` the column's previous name, and where it is written.
    pub renamed_from: Option<(String, Loc)>,
}

/// A primary key or unique constraint.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub columns: Vec<(String, Loc)>,
    pub loc: Loc,
    /// `DEFERRABLE` (set too when `initially_deferred` is).
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `UNIQUE NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    /// `COMMENT ON CONSTRAINT`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CheckConstraint {
    pub name: String,
    pub expr: Sql,
    pub loc: Loc,
    /// `NO INHERIT` (a table's `checks:` only).
    pub no_inherit: bool,
    /// `NOT VALID` (a table's `checks:` only): existing rows are not checked.
    pub not_valid: bool,
    /// `COMMENT ON CONSTRAINT`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: String,
    pub loc: Loc,
    pub columns: Vec<(String, Loc)>,
    pub ref_table: QualName,
    /// Empty: the referenced table's primary key.
    pub ref_columns: Vec<String>,
    pub ref_loc: Loc,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    /// `MATCH FULL` (false: the default, `MATCH SIMPLE`).
    pub match_full: bool,
    /// `DEFERRABLE` (set too when `initially_deferred` is).
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `NOT VALID` (a table's `foreign_keys:` only): existing rows are not checked.
    pub not_valid: bool,
    /// `COMMENT ON CONSTRAINT`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Spgist,
    Brin,
    Hnsw,
    Ivfflat,
}

impl IndexMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexMethod::Btree => "btree",
            IndexMethod::Hash => "hash",
            IndexMethod::Gin => "gin",
            IndexMethod::Gist => "gist",
            IndexMethod::Spgist => "spgist",
            IndexMethod::Brin => "brin",
            IndexMethod::Hnsw => "hnsw",
            IndexMethod::Ivfflat => "ivfflat",
        }
    }
}

/// One element of an index: a column or an expression (with optional opclass/ordering,
/// kept inside the text, e.g. `title gin_trgm_ops`).
#[derive(Debug, Clone)]
pub enum IndexElem {
    Column(String, Loc),
    Expr(Sql),
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub loc: Loc,
    pub method: IndexMethod,
    pub elems: Vec<IndexElem>,
    pub predicate: Option<Sql>,
    pub unique: bool,
    pub include: Vec<(String, Loc)>,
    /// `NULLS NOT DISTINCT`, and where it is written.
    pub nulls_not_distinct: Option<Loc>,
    /// Storage parameters (`with:`), as written.
    pub storage: Vec<Setting>,
    pub comment: Option<String>,
}

impl Index {
    /// The plain column names at the start of the index, up to the first expression.
    pub fn leading_columns(&self) -> impl Iterator<Item = &str> {
        self.elems.iter().map_while(|e| match e {
            IndexElem::Column(c, _) => Some(c.as_str()),
            IndexElem::Expr(_) => None,
        })
    }
}

/// An exclusion constraint (`excludes:`): no two rows for which every element's operator
/// holds.
#[derive(Debug, Clone)]
pub struct Exclusion {
    pub name: String,
    pub loc: Loc,
    pub method: IndexMethod,
    pub elems: Vec<ExclusionElem>,
    pub include: Vec<(String, Loc)>,
    pub predicate: Option<Sql>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `COMMENT ON CONSTRAINT`.
    pub comment: Option<String>,
}

/// One element of an exclusion constraint, `during WITH &&`: what is compared (a column,
/// or an expression with its operator class) and the operator after `WITH`.
#[derive(Debug, Clone)]
pub struct ExclusionElem {
    pub elem: IndexElem,
    /// The operator as written; None when the element has no `WITH` (SC316 reports it, as
    /// it does an operator that is not one: see [`is_operator`]).
    pub operator: Option<String>,
    /// The whole element as written, and where.
    pub text: Sql,
}

impl ExclusionElem {
    /// Splits `text` (written at `loc`) at its last `WITH` outside parentheses.
    pub fn parse(text: &str, loc: Loc) -> ExclusionElem {
        let whole = Sql::new(text.to_string(), loc);
        let split = (whole.unsafe_reason.is_none())
            .then(|| split_with(&whole.text))
            .flatten();
        let Some((left, op)) = split else {
            return ExclusionElem {
                elem: IndexElem::Expr(whole.clone()),
                operator: None,
                text: whole,
            };
        };
        let elem = match exclusion_column(left) {
            Some(c) => IndexElem::Column(c, loc),
            None => IndexElem::Expr(Sql::new(left.to_string(), loc)),
        };
        ExclusionElem {
            elem,
            operator: Some(op.to_string()),
            text: whole,
        }
    }
}

/// The column an exclusion element compares, when what comes before its `WITH` is one
/// (an identifier, quoted or not); None for an expression.
pub fn exclusion_column(left: &str) -> Option<String> {
    use crate::sql::lexer::Kind;
    let toks: Vec<_> = crate::sql::lexer::tokenize(left)
        .ok()?
        .into_iter()
        .filter(|t| t.kind != Kind::Space)
        .collect();
    match toks.as_slice() {
        [t] if t.kind == Kind::Word && !crate::sql::quote::is_keyword(&left[t.start..t.end]) => {
            Some(left[t.start..t.end].to_string())
        }
        [t] if t.kind == Kind::QuotedIdent && left[t.start..].starts_with('"') => {
            Some(left[t.start + 1..t.end - 1].replace("\"\"", "\""))
        }
        _ => None,
    }
}

/// The name PostgreSQL gives the index column of an element (`FigureIndexColname`): the
/// column's, a function's for a call (`tstzrange(a, b)`), None (`expr`) for another
/// expression. An operator class after it does not count.
pub fn elem_column_name(left: &str) -> Option<String> {
    use crate::sql::lexer::Kind;
    if let Some(c) = exclusion_column(left) {
        return Some(c);
    }
    let (expr, _) = crate::sql::parse::split_index_elem(left)?;
    let mut e = expr.trim();
    while let Some(inner) = e.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        // Only parentheses around the whole expression.
        if crate::sql::parse::split_index_elem(inner).is_none() {
            break;
        }
        e = inner.trim();
    }
    let toks: Vec<_> = crate::sql::lexer::tokenize(e)
        .ok()?
        .into_iter()
        .filter(|t| t.kind != Kind::Space)
        .collect();
    let name = |t: &crate::sql::lexer::Token| match t.kind {
        Kind::Word => Some(e[t.start..t.end].to_ascii_lowercase()),
        Kind::QuotedIdent => Some(e[t.start + 1..t.end - 1].replace("\"\"", "\"")),
        _ => None,
    };
    // `a`, `s.a`, `f(…)`, `s.f(…)`: names joined by dots, then a call or nothing.
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        let n = name(t)?;
        match toks.get(i + 1).map(|t| t.kind) {
            Some(Kind::Punct(b'.')) => i += 2,
            Some(Kind::Punct(b'(')) => {
                // A call only when its `)` ends the expression (not `f(a) + 1`).
                let mut depth = 0;
                for (j, t) in toks.iter().enumerate().skip(i + 1) {
                    match t.kind {
                        Kind::Punct(b'(') => depth += 1,
                        Kind::Punct(b')') => {
                            depth -= 1;
                            if depth == 0 {
                                return (j + 1 == toks.len()).then_some(n);
                            }
                        }
                        _ => {}
                    }
                }
                return None;
            }
            None => return Some(n),
            _ => return None,
        }
    }
    None
}

/// PostgreSQL's name for an exclusion constraint of `table` on these elements and included
/// columns ([`elem_column_name`], None for an expression): `<table>_<names>_excl`, `expr` for
/// an expression, a number added to a name already taken (`ChooseIndexColumnNames`).
pub fn exclusion_name(table: &str, elems: impl IntoIterator<Item = Option<String>>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in elems {
        let base = e.unwrap_or_else(|| "expr".to_string());
        let mut part = base.clone();
        let mut n = 0;
        while parts.contains(&part) {
            n += 1;
            part = format!("{base}{n}");
        }
        parts.push(part);
    }
    names::make_object_name(table, Some(&parts.join("_")), "excl")
}

/// `text` split at its last `WITH` outside parentheses: what comes before and after it,
/// trimmed. None when there is no such `WITH`, or nothing on either side.
pub fn split_with(text: &str) -> Option<(&str, &str)> {
    use crate::sql::lexer::Kind;
    let toks = crate::sql::lexer::tokenize(text).ok()?;
    let mut depth = 0i32;
    let mut at = None;
    for t in &toks {
        match t.kind {
            Kind::Punct(b'(') => depth += 1,
            Kind::Punct(b')') => depth -= 1,
            Kind::Word if depth == 0 && text[t.start..t.end].eq_ignore_ascii_case("with") => {
                at = Some((t.start, t.end))
            }
            _ => {}
        }
    }
    let (start, end) = at?;
    let (left, right) = (text[..start].trim(), text[end..].trim());
    (!left.is_empty() && !right.is_empty()).then_some((left, right))
}

/// Whether `op` is an operator PostgreSQL can name after `WITH`: operator characters
/// (`&&`, `=`, `<->`), or `OPERATOR(schema.op)`; never anything else.
pub fn is_operator(op: &str) -> bool {
    let symbol = |s: &str| {
        !s.is_empty()
            && s.len() < 64
            && s.bytes().all(|b| b"+-*/<>=~!@#%^&|`?".contains(&b))
            && !s.contains("--")
            && !s.contains("/*")
    };
    if symbol(op) {
        return true;
    }
    let Some(inner) = op
        .get(..9)
        .filter(|h| h.eq_ignore_ascii_case("operator("))
        .and_then(|_| op[9..].strip_suffix(')'))
    else {
        return false;
    };
    let (schema, sym) = match inner.split_once('.') {
        Some((s, o)) => (Some(s), o),
        None => (None, inner),
    };
    schema.is_none_or(|s| {
        s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }) && symbol(sym)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

#[derive(Debug, Clone)]
pub struct Trigger {
    pub name: String,
    pub loc: Loc,
    pub timing: TriggerTiming,
    pub events: Vec<TriggerEvent>,
    /// `UPDATE OF` these columns (only with the `update` event).
    pub update_of: Vec<(String, Loc)>,
    pub for_each_row: bool,
    pub function: QualName,
    pub function_loc: Loc,
    pub args: Vec<String>,
    pub condition: Option<Sql>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::All => "all",
            Command::Select => "select",
            Command::Insert => "insert",
            Command::Update => "update",
            Command::Delete => "delete",
        }
    }

    /// The concrete commands this one covers (`all` covers the four).
    pub fn expand(self) -> &'static [Command] {
        match self {
            Command::All => &[
                Command::Select,
                Command::Insert,
                Command::Update,
                Command::Delete,
            ],
            Command::Select => &[Command::Select],
            Command::Insert => &[Command::Insert],
            Command::Update => &[Command::Update],
            Command::Delete => &[Command::Delete],
        }
    }
}

/// A policy's use of a template, kept so that checks can report unknown templates/params.
#[derive(Debug, Clone)]
pub struct TemplateUse {
    pub name: String,
    pub loc: Loc,
    pub params: IndexMap<String, (String, Loc)>,
    /// Which fields the policy set itself; those win over the template's.
    pub explicit: Explicit,
    /// Why the template could not be rendered (reported by check SC306).
    pub render_error: Option<String>,
}

/// Fields of a template-based policy that were written on the policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explicit {
    pub command: bool,
    pub roles: bool,
    pub using: bool,
    pub with_check: bool,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub loc: Loc,
    pub command: Command,
    pub roles: Vec<(String, Loc)>,
    pub using: Option<Sql>,
    pub with_check: Option<Sql>,
    pub permissive: bool,
    pub template: Option<TemplateUse>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rls {
    pub enable: bool,
    pub force: bool,
    /// Where `rls:` is written; None when the table does not mention it.
    pub loc: Option<Loc>,
}

#[derive(Debug, Clone)]
pub struct Table {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    /// `UNLOGGED`.
    pub unlogged: bool,
    pub name: QualName,
    pub loc: Loc,
    pub comment: Option<String>,
    pub columns: IndexMap<String, Column>,
    pub primary_key: Option<Key>,
    pub uniques: Vec<Key>,
    pub checks: Vec<CheckConstraint>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    /// `excludes:` exclusion constraints.
    pub exclusions: Vec<Exclusion>,
    pub triggers: IndexMap<String, Trigger>,
    pub rls: Rls,
    pub policies: IndexMap<String, Policy>,
    /// `realtime: true`: where it is written.
    pub realtime: Option<Loc>,
    /// `renamed_from:` the table's previous name (in the same schema), and where it is
    /// written.
    pub renamed_from: Option<(String, Loc)>,
    /// `api: false`: where it is written (the table is kept off the Data API).
    pub api_off: Option<Loc>,
    /// `api_roles:` on the table, replacing the project's.
    pub api_roles: Option<Vec<(String, Loc)>>,
    /// `partition_by:` the partition key (`RANGE (created_at)`), a fragment like the others.
    pub partition_by: Option<Sql>,
    /// `partition_of:` and `bounds:`: the table is a partition.
    pub partition_of: Option<PartitionOf>,
    /// `inherits:` the parents (`INHERITS`), in order, qualified like any table reference,
    /// with where each is written. The table's columns are its own; it has its parents' too
    /// ([`Model::column_owner`]).
    pub inherits: Vec<(QualName, Loc)>,
}

/// Where a partition belongs (`partition_of:`, `bounds:`).
#[derive(Debug, Clone)]
pub struct PartitionOf {
    /// The parent, qualified like any table reference.
    pub parent: QualName,
    /// Where `partition_of:` is written.
    pub loc: Loc,
    /// `FOR VALUES …`, or `default`; None when `bounds:` is missing (reported by check).
    pub bounds: Option<Sql>,
}

impl Table {
    /// The comments of the table's constraints that have one: (constraint name, comment,
    /// where the constraint is written).
    pub fn constraint_comments(&self) -> Vec<(&str, &str, Loc)> {
        let keys = self.primary_key.iter().chain(&self.uniques);
        let keys = keys.map(|k| (k.name.as_str(), &k.comment, k.loc));
        let checks = self
            .checks
            .iter()
            .map(|c| (c.name.as_str(), &c.comment, c.loc));
        let fks = self
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_str(), &f.comment, f.loc));
        let excl = self
            .exclusions
            .iter()
            .map(|e| (e.name.as_str(), &e.comment, e.loc));
        keys.chain(checks)
            .chain(fks)
            .chain(excl)
            .filter_map(|(n, c, l)| c.as_deref().map(|c| (n, c, l)))
            .collect()
    }

    /// Column name → type, for templates and checks.
    pub fn column_types(&self) -> IndexMap<String, SqlType> {
        self.columns
            .iter()
            .map(|(n, c)| (n.clone(), c.ty.clone()))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct View {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub query: Sql,
    pub security_invoker: bool,
    pub comment: Option<String>,
    /// `instead_of` row triggers and statement-level `before`/`after` triggers.
    pub triggers: IndexMap<String, Trigger>,
}

/// A standalone sequence (`sequences:`).
#[derive(Debug, Clone)]
pub struct Sequence {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    /// The options as PostgreSQL stores them (defaults worked out), without owner or
    /// comment.
    pub options: crate::kinds::sequence::SequenceDef,
    /// `owned_by:` the owning table and column, and where it is written.
    pub owned_by: Option<(QualName, String, Loc)>,
    pub comment: Option<String>,
}

impl Sequence {
    /// The sequence as the catalog describes it once gen's file has run.
    pub fn def(&self) -> crate::kinds::sequence::SequenceDef {
        crate::kinds::sequence::SequenceDef {
            owned_by: self
                .owned_by
                .as_ref()
                .map(|(t, c, _)| format!("{}.{}", t.sql(), names::quote_ident(c))),
            comment: self.comment.clone(),
            ..self.options.clone()
        }
    }
}

/// A field of a composite type.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: SqlType,
    pub loc: Loc,
}

/// A composite type (`types:`).
#[derive(Debug, Clone)]
pub struct CompositeType {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub fields: Vec<Field>,
    pub comment: Option<String>,
}

/// A domain (`domains:`).
#[derive(Debug, Clone)]
pub struct Domain {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub base: SqlType,
    pub base_loc: Loc,
    pub not_null: bool,
    pub default: Option<Sql>,
    /// In the order written; `VALUE` is the value checked.
    pub checks: Vec<CheckConstraint>,
    pub comment: Option<String>,
}

/// A materialized view (`materialized_views:`).
#[derive(Debug, Clone)]
pub struct MaterializedView {
    /// `owner:` as written (the project's default applies when None: [`Model::owner`]).
    pub owner: Option<(String, Loc)>,
    pub name: QualName,
    pub loc: Loc,
    pub query: Sql,
    /// `WITH DATA` when created (a later refresh fills it either way; never compared).
    pub with_data: bool,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    All,
    /// On sequences only (`nextval`, `currval`).
    Usage,
    /// On functions only.
    Execute,
}

impl Privilege {
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::All => "ALL",
            Privilege::Usage => "USAGE",
            Privilege::Execute => "EXECUTE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Grant {
    /// A table, view or sequence ([`Model::grant_on_sequence`] tells which).
    pub on: QualName,
    pub on_loc: Loc,
    pub privileges: Vec<Privilege>,
    /// Where each of `privileges` is written (the entry's position for a derived grant).
    pub privilege_locs: Vec<Loc>,
    /// Column privileges: the columns they hold on (empty: the whole relation).
    pub columns: Vec<(String, Loc)>,
    /// `WITH GRANT OPTION`.
    pub grant_option: bool,
    pub to: Vec<(String, Loc)>,
    pub loc: Loc,
    /// Set when the grant was not written but derived from the policies (`api_roles`).
    pub derived: Option<Derived>,
}

/// A `grants:` entry on a function (`function: name`): EXECUTE for roles.
#[derive(Debug, Clone)]
pub struct FunctionPrivilege {
    pub function: QualName,
    pub function_loc: Loc,
    pub privileges: Vec<Privilege>,
    pub privilege_locs: Vec<Loc>,
    pub to: Vec<(String, Loc)>,
    pub grant_option: bool,
    pub loc: Loc,
}

/// Why a grant was derived: the policies that allow its commands, or (empty) the
/// project's `service_role_privileges`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub policies: Vec<(String, Loc)>,
}

/// Columns of `auth.users` as Supabase defines them (all of them, in the platform's order;
/// `schemac stubs` makes the same ones, and `tests/it/supabase.rs` holds both to the
/// platform's schema dump).
pub const SUPABASE_AUTH_USERS: &[(&str, &str)] = &[
    ("instance_id", "uuid"),
    ("id", "uuid"),
    ("aud", "character varying(255)"),
    ("role", "character varying(255)"),
    ("email", "character varying(255)"),
    ("encrypted_password", "character varying(255)"),
    ("email_confirmed_at", "timestamp with time zone"),
    ("invited_at", "timestamp with time zone"),
    ("confirmation_token", "character varying(255)"),
    ("confirmation_sent_at", "timestamp with time zone"),
    ("recovery_token", "character varying(255)"),
    ("recovery_sent_at", "timestamp with time zone"),
    ("email_change_token_new", "character varying(255)"),
    ("email_change", "character varying(255)"),
    ("email_change_sent_at", "timestamp with time zone"),
    ("last_sign_in_at", "timestamp with time zone"),
    ("raw_app_meta_data", "jsonb"),
    ("raw_user_meta_data", "jsonb"),
    ("is_super_admin", "boolean"),
    ("created_at", "timestamp with time zone"),
    ("updated_at", "timestamp with time zone"),
    ("phone", "text"),
    ("phone_confirmed_at", "timestamp with time zone"),
    ("phone_change", "text"),
    ("phone_change_token", "character varying(255)"),
    ("phone_change_sent_at", "timestamp with time zone"),
    ("confirmed_at", "timestamp with time zone"),
    ("email_change_token_current", "character varying(255)"),
    ("email_change_confirm_status", "smallint"),
    ("banned_until", "timestamp with time zone"),
    ("reauthentication_token", "character varying(255)"),
    ("reauthentication_sent_at", "timestamp with time zone"),
    ("is_sso_user", "boolean"),
    ("deleted_at", "timestamp with time zone"),
    ("is_anonymous", "boolean"),
];

/// Columns of `auth.identities` as Supabase defines them.
pub const SUPABASE_AUTH_IDENTITIES: &[(&str, &str)] = &[
    ("provider_id", "text"),
    ("user_id", "uuid"),
    ("identity_data", "jsonb"),
    ("provider", "text"),
    ("last_sign_in_at", "timestamp with time zone"),
    ("created_at", "timestamp with time zone"),
    ("updated_at", "timestamp with time zone"),
    ("email", "text"),
    ("id", "uuid"),
];

/// Columns of `auth.sessions` as Supabase defines them (`aal` is the platform's enum
/// `auth.aal_level`).
pub const SUPABASE_AUTH_SESSIONS: &[(&str, &str)] = &[
    ("id", "uuid"),
    ("user_id", "uuid"),
    ("created_at", "timestamp with time zone"),
    ("updated_at", "timestamp with time zone"),
    ("factor_id", "uuid"),
    ("aal", "auth.aal_level"),
    ("not_after", "timestamp with time zone"),
    ("refreshed_at", "timestamp without time zone"),
    ("user_agent", "text"),
    ("ip", "inet"),
    ("tag", "text"),
];

/// Columns of `storage.objects` as Supabase defines them.
pub const SUPABASE_STORAGE_OBJECTS: &[(&str, &str)] = &[
    ("id", "uuid"),
    ("bucket_id", "text"),
    ("name", "text"),
    ("owner", "uuid"),
    ("owner_id", "text"),
    ("metadata", "jsonb"),
    ("path_tokens", "text[]"),
    ("version", "text"),
    ("created_at", "timestamp with time zone"),
    ("updated_at", "timestamp with time zone"),
    ("last_accessed_at", "timestamp with time zone"),
    ("user_metadata", "jsonb"),
];

/// Columns of `storage.buckets` as Supabase defines them.
pub const SUPABASE_STORAGE_BUCKETS: &[(&str, &str)] = &[
    ("id", "text"),
    ("name", "text"),
    ("owner", "uuid"),
    ("public", "boolean"),
    ("file_size_limit", "bigint"),
    ("allowed_mime_types", "text[]"),
    ("created_at", "timestamp with time zone"),
    ("updated_at", "timestamp with time zone"),
    ("avif_autodetection", "boolean"),
    ("owner_id", "text"),
];

/// A table that holds policies and triggers: managed, or external (`auth.users`,
/// `storage.objects`), so checks treat both alike.
#[derive(Debug, Clone, Copy)]
pub struct Host<'a> {
    pub name: &'a QualName,
    pub loc: Loc,
    pub policies: &'a IndexMap<String, Policy>,
    pub triggers: &'a IndexMap<String, Trigger>,
    /// The managed table, None for an external one.
    pub table: Option<&'a Table>,
}

impl Host<'_> {
    /// Column types, where known (managed tables, and platform tables schemac knows).
    pub fn column_types(&self) -> IndexMap<String, SqlType> {
        match self.table {
            Some(t) => t.column_types(),
            None => external_column_types(self.name),
        }
    }
}

/// An object that may name an owner: see [`Model::ownable`].
pub type Ownable<'a> = (&'static str, &'a QualName, &'a Option<(String, Loc)>, bool);

impl Model {
    /// The owner an object declares (its own `owner:`, else the project's), if any.
    pub fn owner<'a>(&'a self, own: &'a Option<(String, Loc)>) -> Option<&'a (String, Loc)> {
        own.as_ref().or(self.config.owner.as_ref())
    }

    /// Every object that may name an owner: (noun as diff names it, name, its own `owner:`,
    /// whether it follows a table's owner instead: a sequence owned by a column).
    pub fn ownable(&self) -> Vec<Ownable<'_>> {
        let mut out: Vec<Ownable> = Vec::new();
        out.extend(
            self.tables
                .values()
                .map(|t| ("table", &t.name, &t.owner, false)),
        );
        out.extend(
            self.views
                .values()
                .map(|v| ("view", &v.name, &v.owner, false)),
        );
        out.extend(
            self.materialized_views
                .values()
                .map(|v| ("materialized view", &v.name, &v.owner, false)),
        );
        out.extend(
            self.sequences
                .values()
                .map(|s| ("sequence", &s.name, &s.owner, s.owned_by.is_some())),
        );
        out.extend(
            self.functions
                .iter()
                .map(|f| ("function", &f.name, &f.owner, false)),
        );
        out.extend(
            self.enums
                .values()
                .map(|e| ("enum", &e.name, &e.owner, false)),
        );
        out.extend(
            self.composite_types
                .values()
                .map(|t| ("composite type", &t.name, &t.owner, false)),
        );
        out.extend(
            self.domains
                .values()
                .map(|d| ("domain", &d.name, &d.owner, false)),
        );
        out.extend(
            crate::kinds::entries(&self.declared)
                .into_iter()
                .map(|e| (e.noun, e.name, e.owner, false)),
        );
        out
    }

    /// Every declared owner: (noun as diff names the object, schema, name, owner), the
    /// project's default applied. Functions are named without their arguments (`f`);
    /// [`crate::catalog`] keys add them.
    pub fn declared_owners(&self) -> Vec<(&'static str, &QualName, &(String, Loc))> {
        self.ownable()
            .into_iter()
            .filter(|(_, _, _, follows_table)| !follows_table)
            .filter_map(|(noun, name, own, _)| self.owner(own).map(|o| (noun, name, o)))
            .collect()
    }

    /// How SQL names the collation a column's `collation:` writes, as PostgreSQL prints it:
    /// one the project declares (`ci`, or `schema.name` in a schema it lists) qualified
    /// (`public.ci`), any other (pg_catalog's `C`, `und-x-icu`, `en_US.utf8`) as one
    /// identifier (`"C"`). gen writes it and the catalog prediction expects it.
    pub fn collation_sql(&self, written: &str) -> String {
        let declared = |q: &QualName| crate::kinds::declares(&self.declared, "collation", q);
        if let Ok([schema, name]) = names::split_dotted(written).as_deref() {
            let q = QualName::new(schema, name);
            if declared(&q) || self.config.schemas.contains(schema) {
                return q.sql();
            }
        }
        let schema = self.config.schemas.first().map_or("public", String::as_str);
        let q = QualName::new(schema, written);
        if declared(&q) {
            return q.sql();
        }
        names::quote_ident(written)
    }

    /// What an `after:` entry of a `sql:` block names: whether it is another block, and
    /// whether it is a declared (or external) object: a table, view, materialized view,
    /// sequence, enum, composite type or domain by name, a function as `name()` (arguments
    /// are not compared) or by name.
    pub fn raw_sql_after(&self, entry: &str) -> (bool, bool) {
        let entry = entry.trim();
        let block = self.raw_sql.contains_key(entry);
        let (base, function) = match entry.split_once('(') {
            Some((b, rest)) if rest.trim_end().ends_with(')') => (b.trim(), true),
            Some(_) => return (block, false),
            None => (entry, false),
        };
        let schema = self.config.schemas.first().map_or("public", String::as_str);
        let Ok(q) = QualName::parse(base, schema) else {
            return (block, false);
        };
        // An unqualified name may live in `public` too (external objects, `auth.uid()` aside).
        let public = QualName::parse(base, "public").ok();
        let is = |q: &QualName| {
            let func = self.functions.iter().any(|f| &f.name == q)
                || self.config.external_functions.iter().any(|(f, _)| f == q);
            let rel = self.tables.contains_key(q)
                || self.views.contains_key(q)
                || self.materialized_views.contains_key(q)
                || self.sequences.contains_key(q)
                || self.enums.contains_key(q)
                || self.composite_types.contains_key(q)
                || self.domains.contains_key(q)
                || crate::kinds::entries(&self.declared)
                    .iter()
                    .any(|e| e.name == q)
                || self.config.external_tables.iter().any(|(t, _)| t == q)
                || self.config.external_types.iter().any(|(t, _)| t == q);
            if function {
                func
            } else {
                func || rel
            }
        };
        (block, is(&q) || public.is_some_and(|p| is(&p)))
    }

    /// The `sql:` blocks in the order gen runs them: each after the blocks its `after:`
    /// names, otherwise by name. Err with the names of the blocks on a cycle (SC332).
    pub fn raw_sql_order(&self) -> Result<Vec<&RawSql>, Vec<String>> {
        use std::collections::{BTreeMap, BTreeSet};
        let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for b in self.raw_sql.values() {
            let deps = b
                .after
                .iter()
                .map(|(a, _)| a.trim())
                .filter(|a| self.raw_sql.contains_key(*a))
                .collect();
            needs.insert(b.name.as_str(), deps);
        }
        let mut out = Vec::new();
        while !needs.is_empty() {
            let ready: Option<&str> = needs
                .iter()
                .find(|(_, deps)| deps.is_empty())
                .map(|(n, _)| *n);
            let Some(n) = ready else {
                return Err(needs.keys().map(|k| k.to_string()).collect());
            };
            needs.remove(n);
            for deps in needs.values_mut() {
                deps.remove(n);
            }
            if let Some(b) = self.raw_sql.get(n) {
                out.push(b);
            }
        }
        Ok(out)
    }

    /// Every table with policies or triggers: managed tables first, then external ones,
    /// then the views with triggers (which have no policies, and `table` None).
    pub fn hosts(&self) -> impl Iterator<Item = Host<'_>> {
        static NO_POLICIES: std::sync::LazyLock<IndexMap<String, Policy>> =
            std::sync::LazyLock::new(IndexMap::new);
        self.tables
            .values()
            .map(|t| Host {
                name: &t.name,
                loc: t.loc,
                policies: &t.policies,
                triggers: &t.triggers,
                table: Some(t),
            })
            .chain(self.external.values().map(|e| Host {
                name: &e.name,
                loc: e.loc,
                policies: &e.policies,
                triggers: &e.triggers,
                table: None,
            }))
            .chain(
                self.views
                    .values()
                    .filter(|v| !v.triggers.is_empty())
                    .map(|v| Host {
                        name: &v.name,
                        loc: v.loc,
                        policies: &NO_POLICIES,
                        triggers: &v.triggers,
                        table: None,
                    }),
            )
    }

    /// Whether `name` is a table this project manages.
    pub fn table(&self, name: &QualName) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The table whose columns `t` has: `t` itself, or for a partition (which declares none)
    /// the table at the top of its parents; for a table that inherits (`inherits:`), a copy
    /// with its parents' columns after its own (each name once, the first kept, as
    /// PostgreSQL merges them).
    pub fn column_owner<'a>(&'a self, t: &'a Table) -> std::borrow::Cow<'a, Table> {
        let mut at = t;
        for _ in 0..self.tables.len() {
            match at
                .partition_of
                .as_ref()
                .and_then(|p| self.tables.get(&p.parent))
            {
                Some(parent) => at = parent,
                None => break,
            }
        }
        if at.inherits.is_empty() {
            return std::borrow::Cow::Borrowed(at);
        }
        let mut out = at.clone();
        let mut todo: Vec<&QualName> = at.inherits.iter().rev().map(|(p, _)| p).collect();
        let mut seen: Vec<&QualName> = vec![&at.name];
        while let Some(p) = todo.pop() {
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            let Some(parent) = self.tables.get(p) else {
                continue;
            };
            for (n, c) in &parent.columns {
                out.columns.entry(n.clone()).or_insert_with(|| c.clone());
            }
            todo.extend(parent.inherits.iter().rev().map(|(q, _)| q));
        }
        std::borrow::Cow::Owned(out)
    }

    /// Whether `name` is listed (or implied by the target) as an external table.
    pub fn is_external_table(&self, name: &QualName) -> bool {
        self.config.external_tables.iter().any(|(t, _)| t == name)
            || (self.config.target == Target::Supabase
                && matches!(
                    (name.schema.as_str(), name.name.as_str()),
                    ("auth", "users") | ("storage", "objects") | ("storage", "buckets")
                ))
    }

    /// The type of a column of a managed table or of a known external table.
    pub fn column_type(&self, table: &QualName, column: &str) -> Option<SqlType> {
        self.column_type_ref(table, column).cloned()
    }

    /// [`Model::column_type`], borrowed: checks ask it for every foreign key.
    pub fn column_type_ref(&self, table: &QualName, column: &str) -> Option<&SqlType> {
        match self.tables.get(table) {
            Some(t) => t.columns.get(column).map(|c| &c.ty).or_else(|| {
                // A column of a parent (`inherits:`), the first that has it.
                let mut seen = vec![table];
                let mut todo: Vec<&QualName> = t.inherits.iter().rev().map(|(p, _)| p).collect();
                while let Some(p) = todo.pop() {
                    if seen.contains(&p) {
                        continue;
                    }
                    seen.push(p);
                    let parent = self.tables.get(p)?;
                    if let Some(c) = parent.columns.get(column) {
                        return Some(&c.ty);
                    }
                    todo.extend(parent.inherits.iter().rev().map(|(q, _)| q));
                }
                None
            }),
            None => external_column_type(table, column),
        }
    }

    /// Whether the columns of an external table are known to schemac.
    pub fn knows_external_columns(&self, table: &QualName) -> bool {
        !external_columns(table).is_empty()
    }

    /// Roles a policy or grant may name: declared, external, implied by the target, `public`.
    pub fn role_known(&self, role: &str) -> bool {
        role == "public"
            || self.roles.iter().any(|r| r.name == role)
            || self.config.external_roles.iter().any(|(r, _)| r == role)
            || (self.config.target == Target::Supabase
                && matches!(role, "anon" | "authenticated" | "service_role"))
    }

    /// Whether a function name (any signature) is defined or external.
    pub fn function_known(&self, name: &QualName) -> bool {
        self.functions.iter().any(|f| &f.name == name)
            || self
                .config
                .external_functions
                .iter()
                .any(|(f, _)| f == name)
            || (self.config.target == Target::Supabase
                && name.schema == "auth"
                && matches!(name.name.as_str(), "uid" | "jwt" | "role" | "email"))
    }
}

/// The column types schemac knows for a platform table (empty for others).
pub fn external_column_types(table: &QualName) -> IndexMap<String, SqlType> {
    external_columns(table)
        .iter()
        .filter_map(|(c, ty)| SqlType::parse(ty).ok().map(|t| (c.to_string(), t)))
        .collect()
}

/// The platform tables whose columns schemac knows (in [`external_index`] order).
const EXTERNAL_COLUMNS: [&[(&str, &str)]; 5] = [
    SUPABASE_AUTH_USERS,
    SUPABASE_STORAGE_OBJECTS,
    SUPABASE_STORAGE_BUCKETS,
    SUPABASE_AUTH_IDENTITIES,
    SUPABASE_AUTH_SESSIONS,
];

/// The index of a platform table in [`EXTERNAL_COLUMNS`].
fn external_index(table: &QualName) -> Option<usize> {
    match (table.schema.as_str(), table.name.as_str()) {
        ("auth", "users") => Some(0),
        ("storage", "objects") => Some(1),
        ("storage", "buckets") => Some(2),
        ("auth", "identities") => Some(3),
        ("auth", "sessions") => Some(4),
        _ => None,
    }
}

/// The columns schemac knows for a platform table (empty for others).
pub fn external_columns(table: &QualName) -> &'static [(&'static str, &'static str)] {
    external_index(table).map_or(&[], |i| EXTERNAL_COLUMNS[i])
}

/// The type of a known column of a platform table (the first one of that name), parsed
/// once per process rather than on every foreign key to `auth.users`.
pub fn external_column_type(table: &QualName, column: &str) -> Option<&'static SqlType> {
    static PARSED: std::sync::LazyLock<Vec<Vec<Option<SqlType>>>> =
        std::sync::LazyLock::new(|| {
            EXTERNAL_COLUMNS
                .iter()
                .map(|cols| cols.iter().map(|(_, ty)| SqlType::parse(ty).ok()).collect())
                .collect()
        });
    let i = external_index(table)?;
    let j = EXTERNAL_COLUMNS[i].iter().position(|(c, _)| *c == column)?;
    PARSED[i][j].as_ref()
}

#[cfg(test)]
mod function_option_tests {
    use super::*;

    /// C's `%g`, as glibc prints these (and PostgreSQL's `pg_get_functiondef` printed the
    /// float4 ones on PostgreSQL 15: `COST 1.23457e+06 ROWS 1e-05`, `COST 1e+30 ROWS 3e+38`).
    #[test]
    fn printf_g_is_cs() {
        for (v, want) in [
            (1234567.0, "1.23457e+06"),
            (1e-05, "1e-05"),
            (1e30, "1e+30"),
            (3e38, "3e+38"),
            (0.5, "0.5"),
            (10.0, "10"),
            (1_000_000.0, "1e+06"),
            (999_999.0, "999999"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (123_456.5, "123456"),
            (f64::from(0.1f32), "0.1"),
            (f64::from(1e-05f32), "1e-05"),
        ] {
            assert_eq!(printf_g(v), want, "{v}");
        }
    }

    #[test]
    fn six_significant_digits_survive_printing() {
        for v in [0.1, 0.5, 10.0, 1.5e6, 123_456.0, 1e-5, 3e38] {
            assert!(survives_printing(v), "{v}");
        }
        for v in [1_234_567.0, 1.000_000_1, f64::INFINITY, f64::NAN, 1e39] {
            assert!(!survives_printing(v), "{v}");
        }
    }

    #[test]
    fn setting_names() {
        for ok in ["work_mem", "app.tenant", "DateStyle", "_x.y1$", "a.b.c"] {
            assert!(is_setting_name(ok), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            ".a",
            "a.",
            "1a",
            "a b",
            "a;b",
            "a\"b",
            "x.$y",
            &"a".repeat(64),
        ] {
            assert!(!is_setting_name(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod exclusion_tests {
    use super::*;

    #[test]
    fn exclusion_elements() {
        let loc = Loc {
            file: crate::diagnostic::FileId(0),
            line: 1,
            col: 1,
            len: 1,
        };
        for ok in ["=", "&&", "<->", "OPERATOR(pg_catalog.&&)", "operator(=)"] {
            assert!(is_operator(ok), "{ok}");
        }
        for bad in [
            "",
            "= 1",
            "&&)",
            "--",
            "=/*",
            "OPERATOR(x.&&) y",
            "OPERATOR(\"x\".=)",
            "and",
        ] {
            assert!(!is_operator(bad), "{bad}");
        }
        let e = ExclusionElem::parse("room WITH =", loc);
        assert!(matches!(&e.elem, IndexElem::Column(c, _) if c == "room"));
        assert_eq!(e.operator.as_deref(), Some("="));
        let e = ExclusionElem::parse("tstzrange(a, b, '[)') with &&", loc);
        assert!(matches!(&e.elem, IndexElem::Expr(s) if s.text == "tstzrange(a, b, '[)')"));
        assert_eq!(e.operator.as_deref(), Some("&&"));
        assert_eq!(ExclusionElem::parse("room", loc).operator, None);
        assert_eq!(ExclusionElem::parse("WITH =", loc).operator, None);
        // The names PostgreSQL 15 gives (checked on the server).
        let name = |elems: &[&str], include: &[&str]| {
            exclusion_name(
                "r",
                elems
                    .iter()
                    .map(|e| elem_column_name(e))
                    .chain(include.iter().map(|c| Some(c.to_string()))),
            )
        };
        assert_eq!(name(&["room", "during"], &[]), "r_room_during_excl");
        assert_eq!(
            name(
                &[
                    "(room+1)",
                    "tstzrange(lower(during), upper(during))",
                    "(room)"
                ],
                &["cancelled"]
            ),
            "r_expr_tstzrange_room_cancelled_excl"
        );
        assert_eq!(
            name(&["room gist_int4_ops", "room"], &[]),
            "r_room_room1_excl"
        );
        assert_eq!(name(&["f(a) + g(b)"], &[]), "r_expr_excl");
    }
}
