//! The YAML format as plain serde structs, exactly as written by users.
//!
//! These types mirror the files one to one (`deny_unknown_fields` everywhere, so a typo is an
//! error rather than a silently ignored key) and derive `JsonSchema`, which is what
//! `schemac schema-json` prints for editor completion. They carry no meaning yet: names are
//! strings, types are unparsed; `model` turns them into typed values.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// `schemac.yaml`, the project's root file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Format version; must be 1.
    pub schemac: u32,
    /// Naming convention for tables, columns, functions, enums and views.
    #[serde(default)]
    pub naming: Option<RawNaming>,
    /// Schemas this project manages. Default: `[public]`.
    #[serde(default)]
    pub schemas: Option<Vec<String>>,
    /// `supabase` (auth schema and roles known) or `postgres`. Default: `supabase`.
    #[serde(default)]
    pub target: Option<RawTarget>,
    /// Where `schemac gen` writes the master migration, relative to this file.
    #[serde(default)]
    pub output: Option<String>,
    /// Objects that exist in the database but are not managed by this project.
    #[serde(default)]
    pub external: Option<RawExternal>,
    /// `SET lock_timeout` at the top of the generated migration. Default: `5s`.
    #[serde(default)]
    pub lock_timeout: Option<String>,
    /// `SET statement_timeout` at the top of the generated migration. Default: `5min`.
    #[serde(default)]
    pub statement_timeout: Option<String>,
    /// Roles that reach the database through the Data API (PostgREST), such as
    /// `[anon, authenticated, service_role]`. When set, gen grants each of them exactly the
    /// commands the policies of a table allow it, and nothing else. Absent: nothing is derived.
    #[serde(default)]
    pub api_roles: Option<Vec<String>>,
    /// What `service_role` (which bypasses row-level security, so no policy speaks for it)
    /// is granted on every API table when it is one of the `api_roles`. Default: select,
    /// insert, update, delete.
    #[serde(default)]
    pub service_role_privileges: Option<Vec<RawPrivilege>>,
    /// The role that owns every table, view, materialized view, sequence, function, enum,
    /// composite type and domain that does not name its own `owner`. Absent: owners are not
    /// managed.
    #[serde(default)]
    pub owner: Option<String>,
    /// Allows `sql:` blocks (raw SQL that gen runs as written). Default: false, and any
    /// `sql:` block is then an error (SC330). See SECURITY.md.
    #[serde(default)]
    pub raw_sql: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RawNaming {
    #[serde(rename = "snake_case")]
    SnakeCase,
    #[serde(rename = "camelCase")]
    CamelCase,
    #[serde(rename = "any")]
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawTarget {
    Supabase,
    Postgres,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    /// Tables such as `auth.users`.
    #[serde(default)]
    pub tables: Vec<String>,
    /// Functions such as `auth.uid()`.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Roles such as `authenticated`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Type names provided by something outside the project.
    #[serde(default)]
    pub types: Vec<String>,
}

/// Declares [`RawFile`] with a section for each kind of `crate::kinds::declared_kinds!`
/// beside the sections written here (serde cannot refuse unknown keys of a flattened struct).
macro_rules! raw_file {
    ($($field:ident: $kind:ty,)*) => {
        /// A definition file: any `*.yaml`/`*.yml` other than `schemac.yaml`.
        #[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RawFile {
            #[serde(default, deserialize_with = "null_as_default")]
            pub extensions: Vec<String>,
            /// Roles this project creates.
            #[serde(default, deserialize_with = "null_as_default")]
            pub roles: Vec<String>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub enums: IndexMap<String, RawEnumDef>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub functions: IndexMap<String, RawFunction>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub tables: IndexMap<String, RawTable>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub views: IndexMap<String, RawView>,
            /// Standalone sequences (`CREATE SEQUENCE`).
            #[serde(default, deserialize_with = "null_as_default")]
            pub sequences: IndexMap<String, RawSequence>,
            /// Composite types (`CREATE TYPE … AS (…)`).
            #[serde(default, deserialize_with = "null_as_default")]
            pub types: IndexMap<String, RawCompositeType>,
            /// Domains (`CREATE DOMAIN`): a base type with a default, NOT NULL and named checks.
            #[serde(default, deserialize_with = "null_as_default")]
            pub domains: IndexMap<String, RawDomain>,
            /// Materialized views with their indexes.
            #[serde(default, deserialize_with = "null_as_default")]
            pub materialized_views: IndexMap<String, RawMaterializedView>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub grants: Vec<RawGrant>,
            #[serde(default, deserialize_with = "null_as_default")]
            pub policy_templates: IndexMap<String, RawPolicyTemplate>,
            /// Triggers on tables the project does not manage (listed in `external.tables`), per
            /// table: `auth.users: { on_auth_user_created: {...} }`.
            #[serde(default, deserialize_with = "null_as_default")]
            pub external_triggers: IndexMap<String, IndexMap<String, RawTrigger>>,
            /// Policies on tables the project does not manage, such as `storage.objects`.
            #[serde(default, deserialize_with = "null_as_default")]
            pub external_policies: IndexMap<String, IndexMap<String, RawPolicy>>,
            /// Logical-replication publications (Supabase Realtime uses `supabase_realtime`).
            #[serde(default, deserialize_with = "null_as_default")]
            pub publications: IndexMap<String, RawPublication>,
            /// Supabase Storage.
            #[serde(default)]
            pub storage: Option<RawStorage>,
            /// Schemas with their privileges.
            #[serde(default, deserialize_with = "null_as_default")]
            pub schemas_config: IndexMap<String, RawSchemaConfig>,
            /// `ALTER DEFAULT PRIVILEGES` entries.
            #[serde(default, deserialize_with = "null_as_default")]
            pub default_privileges: Vec<RawDefaultPrivilege>,
            /// Raw SQL blocks for what the format cannot say (pg_cron schedules, aggregates,
            /// operators), run as written after every declared object. Only with `raw_sql: true`
            /// in schemac.yaml.
            #[serde(default, deserialize_with = "null_as_default")]
            pub sql: IndexMap<String, RawSqlBlock>,
            $(
                #[serde(default, deserialize_with = "null_as_default")]
                pub $field: IndexMap<String, <$kind as crate::kinds::Declared>::Raw>,
            )*
        }

        impl RawFile {
            /// Moves out the sections of the kinds in `crate::kinds::declared_kinds!`, which
            /// [`crate::kinds::build_all`] builds.
            pub fn take_declared(&mut self) -> crate::kinds::RawDeclared {
                crate::kinds::RawDeclared {
                    $($field: std::mem::take(&mut self.$field),)*
                }
            }
        }
    };
}
crate::kinds::declared_kinds!(raw_file);

/// A raw SQL block (`sql:`): named, ordered after the objects and blocks it names, and
/// re-runnable.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSqlBlock {
    /// Declared objects (tables, views, materialized views, functions as `name()`, enums,
    /// types, domains, sequences) and other blocks this block needs.
    #[serde(default)]
    pub after: Vec<String>,
    /// Shown in gen's output above the block.
    #[serde(default)]
    pub comment: Option<String>,
    /// The SQL, run as written: it must be safe to run again (idempotent).
    pub body: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPublication {
    /// Tables, `name` or `schema.name`.
    #[serde(default)]
    pub tables: Vec<String>,
    /// Published operations. Default: insert, update, delete, truncate.
    #[serde(default)]
    pub operations: Option<Vec<RawPubOperation>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawPubOperation {
    Insert,
    Update,
    Delete,
    Truncate,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    #[serde(default)]
    pub buckets: IndexMap<String, RawBucket>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBucket {
    #[serde(default)]
    pub public: bool,
    /// Bytes, or a size such as `5MB`, `512KB`, `1GB`.
    #[serde(default, deserialize_with = "sql_scalar")]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub file_size_limit: Option<String>,
    #[serde(default)]
    pub allowed_mime_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchemaConfig {
    #[serde(default)]
    pub grants: Vec<RawSchemaGrant>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchemaGrant {
    pub privileges: Vec<RawSchemaPrivilege>,
    pub to: Vec<String>,
    /// `WITH GRANT OPTION`: the roles may grant the privileges on. Default: false.
    #[serde(default)]
    pub with_grant_option: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawSchemaPrivilege {
    Usage,
    Create,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultPrivilege {
    pub in_schema: String,
    pub on: RawDefaultObjects,
    pub privileges: Vec<RawPrivilege>,
    pub to: Vec<String>,
    /// The role whose future objects get the privileges (default: the role running the
    /// migration).
    #[serde(default)]
    pub for_role: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawDefaultObjects {
    Tables,
    Sequences,
    Functions,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub args: Vec<RawArg>,
    pub returns: String,
    pub language: String,
    #[serde(default)]
    pub security: Option<RawSecurity>,
    #[serde(default)]
    pub search_path: Option<String>,
    #[serde(default)]
    pub volatility: Option<RawVolatility>,
    /// `STRICT` (`RETURNS NULL ON NULL INPUT`): called with a null argument, the function
    /// is not run and returns null. Default: false.
    #[serde(default)]
    pub strict: Option<bool>,
    /// `LEAKPROOF`: the function reveals nothing about its arguments but its result (only a
    /// superuser may say so). Default: false.
    #[serde(default)]
    pub leakproof: Option<bool>,
    /// `PARALLEL`: whether the function may run in parallel mode. Default: unsafe.
    #[serde(default)]
    pub parallel: Option<RawParallel>,
    /// `COST`: the planner's estimated cost of a call, in units of `cpu_operator_cost`; a
    /// positive number. Default: PostgreSQL's (100).
    #[serde(default)]
    pub cost: Option<f64>,
    /// `ROWS`: the planner's estimated number of rows; a positive number, only for a
    /// function that returns a set (`setof x`, `table (…)`). Default: PostgreSQL's (1000).
    #[serde(default)]
    pub rows: Option<f64>,
    /// `SET name = value` while the function runs, for configuration parameters other than
    /// `search_path` (which has its own key): `{ work_mem: 64MB, statement_timeout: 30s }`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, SqlScalarSchema>")]
    pub set: IndexMap<String, RawSetting>,
    #[serde(default)]
    pub comment: Option<String>,
    pub body: String,
    /// Callable through the Data API (`/rpc`): EXECUTE is granted to the project's
    /// `api_roles`. Default: false.
    #[serde(default)]
    pub api: Option<bool>,
    /// The roles that may call it through the Data API (implies `api: true`).
    #[serde(default)]
    pub api_roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArg {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, deserialize_with = "sql_scalar")]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub default: Option<String>,
    /// `in` (default), `out`, `inout` or `variadic`.
    #[serde(default)]
    pub mode: Option<RawArgMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawArgMode {
    In,
    Out,
    Inout,
    Variadic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawParallel {
    Unsafe,
    Restricted,
    Safe,
}

/// A configuration parameter's value in a function's `set:`: a string, number or boolean,
/// kept as text (`64MB`, `0`, `true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSetting(pub String);

impl<'de> Deserialize<'de> for RawSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Null is refused (`null: false`), so the value is always there.
        d.deserialize_any(ScalarText {
            what: "a configuration parameter's value (string, number or boolean)",
            null: false,
        })
        .map(|v| RawSetting(v.unwrap_or_default()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawSecurity {
    Invoker,
    Definer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawVolatility {
    Volatile,
    Stable,
    Immutable,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    /// `CREATE UNLOGGED TABLE`: not written to the WAL, emptied after a crash. Default: false.
    #[serde(default)]
    pub unlogged: bool,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub columns: IndexMap<String, RawColumnDef>,
    #[serde(default)]
    pub primary_key: Option<RawKey>,
    #[serde(default)]
    pub unique: Vec<RawKey>,
    #[serde(default)]
    pub checks: IndexMap<String, RawCheck>,
    #[serde(default)]
    pub foreign_keys: Vec<RawForeignKey>,
    #[serde(default)]
    pub indexes: Vec<RawIndex>,
    /// Exclusion constraints (`EXCLUDE USING gist (room WITH =, during WITH &&)`).
    #[serde(default)]
    pub excludes: Vec<RawExclude>,
    #[serde(default)]
    pub triggers: IndexMap<String, RawTrigger>,
    #[serde(default)]
    pub rls: Option<RawRls>,
    #[serde(default)]
    pub policies: IndexMap<String, RawPolicy>,
    /// Shorthand for adding the table to the `supabase_realtime` publication.
    #[serde(default)]
    pub realtime: bool,
    /// The table's previous name (same schema): diff, apply and gen rename it, keeping its
    /// rows, while the database still has that name and not this one.
    #[serde(default)]
    pub renamed_from: Option<String>,
    /// `false` keeps the table off the Data API: the project's `api_roles` get no privilege
    /// on it. Default: true.
    #[serde(default)]
    pub api: Option<bool>,
    /// The roles that reach this table through the Data API, instead of the project's.
    #[serde(default)]
    pub api_roles: Option<Vec<String>>,
    /// `PARTITION BY`: the table is partitioned by this key, e.g. `RANGE (created_at)`.
    #[serde(default)]
    pub partition_by: Option<String>,
    /// The partitioned table this table is a partition of (it declares no columns: it has
    /// its parent's).
    #[serde(default)]
    pub partition_of: Option<String>,
    /// A partition's bound: `FOR VALUES FROM (…) TO (…)`, `FOR VALUES IN (…)`, `FOR VALUES
    /// WITH (MODULUS …, REMAINDER …)`, or `default`.
    #[serde(default)]
    pub bounds: Option<String>,
    /// `INHERITS`: the tables this table inherits from, in order (it declares only its own
    /// columns: it has its parents').
    #[serde(default)]
    pub inherits: Vec<String>,
}

/// An enum: its labels, or a mapping with its labels and a comment.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawEnumDef {
    Short(Vec<String>),
    Full(RawEnum),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEnum {
    pub values: Vec<String>,
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    /// `COMMENT ON TYPE`.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A column: either a full mapping or the shorthand `name: type`.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawColumnDef {
    Short(String),
    Full(RawColumn),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    #[serde(rename = "type")]
    pub ty: String,
    /// `COLLATE`: a collation's name (in `pg_catalog` or on the search path), e.g. `C`.
    #[serde(default)]
    pub collation: Option<String>,
    #[serde(default)]
    pub nullable: Option<bool>,
    #[serde(default)]
    pub primary_key: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default, deserialize_with = "sql_scalar")]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub default: Option<String>,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub references: Option<String>,
    #[serde(default)]
    pub on_delete: Option<RawFkAction>,
    #[serde(default)]
    pub on_update: Option<RawFkAction>,
    #[serde(default)]
    pub identity: Option<RawIdentity>,
    #[serde(default)]
    pub generated: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The column's previous name: diff, apply and gen rename it, keeping its values, while
    /// the table still has that column and not this one.
    #[serde(default)]
    pub renamed_from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RawFkAction {
    #[serde(rename = "cascade")]
    Cascade,
    #[serde(rename = "set null")]
    SetNull,
    #[serde(rename = "set default")]
    SetDefault,
    #[serde(rename = "restrict")]
    Restrict,
    #[serde(rename = "no action")]
    NoAction,
}

/// A table's check constraint: its expression, or a mapping with the expression and its
/// options.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawCheck {
    Short(String),
    Full(RawCheckFull),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCheckFull {
    /// The boolean expression.
    pub check: String,
    /// `NO INHERIT`: the check is not made on the table's children.
    #[serde(default)]
    pub no_inherit: bool,
    /// `NOT VALID`: the rows already in the table are not checked, new ones are.
    #[serde(default)]
    pub not_valid: bool,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A primary key or unique constraint: its columns (`[a, b]`, named as PostgreSQL would
/// name it), or `{ name, columns }` for a name of the project's own or options.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawKey {
    Columns(Vec<String>),
    Named(RawNamedKey),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNamedKey {
    /// Default: PostgreSQL's (`<table>_pkey`, `<table>_<columns>_key`).
    #[serde(default)]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// `DEFERRABLE`.
    #[serde(default)]
    pub deferrable: bool,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    #[serde(default)]
    pub initially_deferred: bool,
    /// `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15): a unique constraint only.
    #[serde(default)]
    pub nulls_not_distinct: bool,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `identity: always`, or a map with the sequence's options.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawIdentity {
    Mode(RawIdentityMode),
    Full(Box<RawIdentityFull>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RawIdentityMode {
    #[serde(rename = "always")]
    Always,
    #[serde(rename = "by_default")]
    ByDefault,
}

/// An identity column with its sequence's options; what is left out takes PostgreSQL's
/// default for the column's type, as for `sequences:`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIdentityFull {
    /// `always` or `by_default`.
    pub generated: RawIdentityMode,
    #[serde(default)]
    pub start: Option<i64>,
    #[serde(default)]
    pub increment: Option<i64>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub cache: Option<i64>,
    #[serde(default)]
    pub cycle: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    #[serde(default)]
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: String,
    #[serde(default)]
    pub on_delete: Option<RawFkAction>,
    #[serde(default)]
    pub on_update: Option<RawFkAction>,
    /// `MATCH FULL` (`full`) or the default `MATCH SIMPLE` (`simple`).
    #[serde(default, rename = "match")]
    pub match_type: Option<RawFkMatch>,
    /// `DEFERRABLE`.
    #[serde(default)]
    pub deferrable: bool,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    #[serde(default)]
    pub initially_deferred: bool,
    /// `NOT VALID`: the rows already in the table are not checked, new ones are.
    #[serde(default)]
    pub not_valid: bool,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default)]
    pub comment: Option<String>,
}

/// How a foreign key treats a row with some of its columns null: `simple` (the default,
/// the row is not checked) or `full` (all null or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawFkMatch {
    Simple,
    Full,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub expressions: Vec<String>,
    #[serde(default)]
    pub using: Option<RawIndexMethod>,
    #[serde(default, rename = "where")]
    pub predicate: Option<String>,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT`: a unique index that takes NULLs as equal.
    #[serde(default)]
    pub nulls_not_distinct: bool,
    /// Storage parameters: `WITH (fillfactor = 70, …)`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, SqlScalarSchema>")]
    pub with: IndexMap<String, RawSetting>,
    /// `COMMENT ON INDEX`.
    #[serde(default)]
    pub comment: Option<String>,
}

/// An exclusion constraint: no two rows for which every element's operator holds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExclude {
    /// Default: PostgreSQL's, `<table>_<columns>_excl`.
    #[serde(default)]
    pub name: Option<String>,
    /// The index method; default btree, as in PostgreSQL (most exclusions need `gist`).
    #[serde(default)]
    pub using: Option<RawIndexMethod>,
    /// `<column or expression> [opclass] WITH <operator>`, e.g. `during WITH &&`.
    pub elements: Vec<String>,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default, rename = "where")]
    pub predicate: Option<String>,
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default)]
    pub initially_deferred: bool,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawIndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Spgist,
    Brin,
    Hnsw,
    Ivfflat,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    pub when: RawTriggerTiming,
    pub events: Vec<RawTriggerEvent>,
    /// `UPDATE OF` these columns: the `update` event fires only when one of them is set.
    #[serde(default)]
    pub update_of: Vec<String>,
    #[serde(default)]
    pub for_each: Option<RawForEach>,
    pub function: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub condition: Option<String>,
    /// `COMMENT ON TRIGGER`.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawTriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawTriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawForEach {
    Row,
    Statement,
}

/// `rls: true` or `rls: { enable: true, force: true }`.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawRls {
    Flag(bool),
    Full(RawRlsFull),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRlsFull {
    #[serde(default = "yes")]
    pub enable: bool,
    #[serde(default)]
    pub force: bool,
}

fn yes() -> bool {
    true
}

/// A policy: raw fields, or `template:` plus the template's parameters.
#[derive(Debug, Clone, Default, JsonSchema)]
pub struct RawPolicy {
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub command: Option<RawCommand>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub using: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub with_check: Option<String>,
    #[serde(default)]
    pub permissive: Option<bool>,
    /// `COMMENT ON POLICY`.
    #[serde(default)]
    pub comment: Option<String>,
    /// Template parameters (only with `template`): any other key.
    #[serde(flatten)]
    #[schemars(with = "IndexMap<String, SqlScalarSchema>")]
    pub params: IndexMap<String, String>,
}

// Hand-written so that template parameters can sit beside the fixed keys while every value
// keeps serde_yaml's exact error position (`#[serde(flatten)]` would buffer and lose it).
impl<'de> Deserialize<'de> for RawPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawPolicy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a policy mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut p = RawPolicy::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "template" => p.template = map.next_value()?,
                        "command" => p.command = map.next_value()?,
                        "roles" => p.roles = map.next_value()?,
                        "using" => p.using = map.next_value::<SqlScalar>()?.0,
                        "with_check" => p.with_check = map.next_value::<SqlScalar>()?.0,
                        "permissive" => p.permissive = map.next_value()?,
                        "comment" => p.comment = map.next_value()?,
                        _ => {
                            let v = map.next_value::<SqlScalar>()?.0.unwrap_or_default();
                            p.params.insert(key, v);
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_map(V)
    }
}

/// A SQL fragment or scalar parameter as written in YAML.
struct SqlScalar(Option<String>);

impl<'de> Deserialize<'de> for SqlScalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        sql_scalar(d).map(SqlScalar)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawCommand {
    Select,
    Insert,
    Update,
    Delete,
    All,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawView {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    pub query: String,
    #[serde(default)]
    pub security_invoker: bool,
    #[serde(default)]
    pub comment: Option<String>,
    /// Triggers on the view: `instead_of` row triggers, or statement-level `before`/`after`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub triggers: IndexMap<String, RawTrigger>,
}

/// A standalone sequence; every option left out takes PostgreSQL's default.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSequence {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    /// `smallint`, `integer` or `bigint`. Default: bigint.
    #[serde(default, rename = "as")]
    pub data_type: Option<String>,
    #[serde(default)]
    pub start: Option<i64>,
    /// Default: 1.
    #[serde(default)]
    pub increment: Option<i64>,
    /// Default: 1 (ascending) or the type's lowest value (descending).
    #[serde(default)]
    pub min: Option<i64>,
    /// Default: the type's highest value (ascending) or -1 (descending).
    #[serde(default)]
    pub max: Option<i64>,
    /// Default: 1.
    #[serde(default)]
    pub cache: Option<i64>,
    /// Default: false.
    #[serde(default)]
    pub cycle: bool,
    /// The column that owns it, `table.column` or `schema.table.column`: dropping the
    /// column drops the sequence.
    #[serde(default)]
    pub owned_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A composite type: its fields in order, `name: type`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCompositeType {
    pub fields: IndexMap<String, String>,
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    /// The base type.
    #[serde(rename = "type")]
    pub ty: String,
    /// `NOT NULL`. Default: false.
    #[serde(default)]
    pub not_null: bool,
    #[serde(default, deserialize_with = "sql_scalar")]
    #[schemars(with = "Option<SqlScalarSchema>")]
    pub default: Option<String>,
    /// Named CHECK constraints; `VALUE` is the value checked.
    #[serde(default)]
    pub checks: IndexMap<String, String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMaterializedView {
    /// `ALTER … OWNER TO`: the role that owns it (default: the project's `owner`, else not
    /// managed).
    #[serde(default)]
    pub owner: Option<String>,
    pub query: String,
    /// Whether it is filled when created (`WITH DATA`). Default: true.
    #[serde(default)]
    pub with_data: Option<bool>,
    #[serde(default)]
    pub indexes: Vec<RawIndex>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGrant {
    /// A table, view or sequence: a declared sequence, or the sequence of a `serial` or
    /// identity column (`<table>_<column>_seq`, as PostgreSQL names it). Either `on` or
    /// `function`.
    #[serde(default)]
    pub on: Option<String>,
    /// A function of the project (EXECUTE), instead of `on`.
    #[serde(default)]
    pub function: Option<String>,
    /// Column privileges: the privileges hold on these columns of the table or view only
    /// (`GRANT SELECT (a, b) ON …`; select, insert, update and references).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    pub privileges: Vec<RawPrivilege>,
    pub to: Vec<String>,
    /// `WITH GRANT OPTION`: the roles may grant the privileges to others. Default: false.
    #[serde(default)]
    pub with_grant_option: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawPrivilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    All,
    // On sequences only (check SC320).
    Usage,
    // On functions only (check SC320).
    Execute,
}

/// A policy template, in the project or built in (`templates/policies/*.yaml`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicyTemplate {
    #[serde(default)]
    pub description: Option<String>,
    /// Parameter names; `name=default` gives a default value.
    #[serde(default)]
    pub params: Vec<String>,
    #[serde(default)]
    pub command: Option<RawCommand>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    pub using: Option<String>,
    #[serde(default)]
    pub with_check: Option<String>,
}

/// Schema stand-in for SQL values that may be written as YAML scalars.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SqlScalarSchema {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// Accepts a SQL fragment written as a string, number or boolean (`default: 0`,
/// `default: false`, `using: true`) and keeps its text.
fn sql_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(ScalarText {
        what: "a SQL expression (string, number or boolean)",
        null: true,
    })
}

/// A string, number or boolean, kept as its text; `null` is None where `null` allows it,
/// and refused (as not `what`) elsewhere.
struct ScalarText {
    what: &'static str,
    null: bool,
}

impl<'de> Visitor<'de> for ScalarText {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.null {
            Ok(None)
        } else {
            Err(E::invalid_type(de::Unexpected::Unit, &self))
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
        d.deserialize_any(self)
    }
}

// The two "either a scalar or a mapping" shapes get hand-written visitors instead of
// `#[serde(untagged)]`: untagged enums buffer the input and replace serde_yaml's precise
// "unknown field `typ` at line 4 column 7" with "data did not match any variant".
impl<'de> Deserialize<'de> for RawColumnDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawColumnDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column type (string) or a column mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawColumnDef::Short(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawColumn::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawColumnDef::Full)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a check expression (string) or a mapping {check, no_inherit, not_valid, comment}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawCheck::Short(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(RawCheck::Short(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawCheckFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawCheck::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// `Deserialize` for an either-or shape "a list of strings, or a mapping": `$short` holds
/// the list, `$full` the mapping read as `$map`.
macro_rules! list_or_mapping {
    ($ty:ident, $short:ident, $full:ident, $map:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(
                        self,
                        seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                            .map($ty::$short)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                        <$map>::deserialize(de::value::MapAccessDeserializer::new(map))
                            .map($ty::$full)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

list_or_mapping!(
    RawEnumDef,
    Short,
    Full,
    RawEnum,
    "a list of labels or a mapping {values, comment}"
);

impl<'de> Deserialize<'de> for RawRls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawRls;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or a mapping {enable, force}")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(RawRls::Flag(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawRlsFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawRls::Full)
            }
        }
        d.deserialize_any(V)
    }
}

list_or_mapping!(
    RawKey,
    Columns,
    Named,
    RawNamedKey,
    "a list of columns or a mapping {name, columns}"
);

impl<'de> Deserialize<'de> for RawIdentity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawIdentity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("always, by_default or a mapping {generated, start, increment, …}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                RawIdentityMode::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(RawIdentity::Mode)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawIdentityFull::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|f| RawIdentity::Full(Box::new(f)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `tables:` with nothing after it, `tables: ~` and `tables: null` all mean "none".
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
