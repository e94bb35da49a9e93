//! The registry of checks, one per file. Codes group by theme: SC1xx duplicates, SC2xx
//! naming, SC3xx references, SC4xx SQL, SC5xx row-level security, SC6xx hygiene.
//! (SC0xx are load errors, reported by `load` and `model::build`.)

use super::Rule;

mod api_privileges;
mod api_table_without_rls;
mod auth_uid_per_row;
mod case_collision;
mod definer_executable_by_anon;
mod definer_search_path;
mod duplicate_constraint;
mod duplicate_definition;
mod duplicate_index;
mod external_trigger_function;
mod fk_to_unlogged;
mod fk_type_mismatch;
mod granted_role_without_policy;
mod invalid_collation;
mod invalid_enum_default;
mod invalid_exclusion;
mod invalid_function_option;
mod invalid_grant;
mod invalid_index_option;
mod invalid_inheritance;
mod invalid_partition;
mod invalid_raw_sql;
mod invalid_sql;
mod missing_primary_key;
mod multiple_permissive;
mod name_clash;
mod name_too_long;
mod naming_convention;
mod near_duplicate_table;
mod policies_without_rls;
mod policy_clause;
mod policy_true_write;
mod policy_unknown_column;
mod policy_without_condition;
mod policy_without_privilege;
mod published_without_replica_identity;
mod published_without_rls;
mod raw_sql_not_enabled;
mod raw_sql_not_idempotent;
mod rename_conflict;
mod rls_disabled;
mod rls_without_policies;
mod template_params;
mod unindexed_foreign_key;
mod unknown_bucket;
mod unknown_column;
mod unknown_external_table;
mod unknown_function;
mod unknown_publication_table;
mod unknown_raw_sql_dependency;
mod unknown_role;
mod unknown_schema;
mod unknown_sequence_owner;
mod unknown_table;
mod unknown_template;
mod unknown_type;

/// Load errors: not checks (nothing else runs after them) but listed by `schemac rules` and
/// documented with the same stable codes.
pub static LOAD_ERRORS: &[(&str, &str, &str)] = &[
    (
        "SC001",
        "io-error",
        "a file or directory cannot be read, or a directory is named like a YAML file",
    ),
    ("SC002", "invalid-utf8", "a file is not valid UTF-8"),
    ("SC003", "yaml-syntax", "a file is not valid YAML"),
    (
        "SC004",
        "invalid-structure",
        "an unknown key, a wrong type, a missing field, a repeated fixed key",
    ),
    ("SC005", "empty-file", "a file holds no YAML content"),
    (
        "SC006",
        "invalid-value",
        "an unparseable type, a malformed name or reference, an impossible combination",
    ),
    (
        "SC007",
        "no-project",
        "the directory or its schemac.yaml does not exist",
    ),
];

/// Every check, in code order.
pub static ALL: &[Rule] = &[
    duplicate_definition::TABLE,
    duplicate_definition::COLUMN,
    duplicate_constraint::RULE,
    duplicate_index::RULE,
    duplicate_definition::POLICY,
    duplicate_definition::TRIGGER,
    duplicate_definition::FUNCTION,
    duplicate_definition::ENUM,
    duplicate_definition::VIEW,
    duplicate_definition::KEY,
    name_clash::RULE,
    rename_conflict::RULE,
    duplicate_definition::OBJECT,
    case_collision::RULE,
    naming_convention::RULE,
    near_duplicate_table::RULE,
    name_too_long::RULE,
    unknown_table::RULE,
    unknown_column::RULE,
    unknown_function::RULE,
    unknown_type::RULE,
    unknown_template::RULE,
    template_params::RULE,
    unknown_role::RULE,
    fk_type_mismatch::RULE,
    unknown_external_table::RULE,
    unknown_publication_table::RULE,
    invalid_enum_default::RULE,
    unknown_sequence_owner::RULE,
    unknown_schema::RULE,
    invalid_partition::RULE,
    invalid_function_option::RULE,
    invalid_exclusion::RULE,
    invalid_inheritance::RULE,
    invalid_index_option::RULE,
    invalid_collation::RULE,
    invalid_grant::RULE,
    fk_to_unlogged::RULE,
    raw_sql_not_enabled::RULE,
    invalid_raw_sql::RULE,
    unknown_raw_sql_dependency::RULE,
    raw_sql_not_idempotent::RULE,
    invalid_sql::RULE,
    rls_disabled::RULE,
    rls_without_policies::RULE,
    policies_without_rls::RULE,
    policy_clause::RULE,
    policy_true_write::RULE,
    auth_uid_per_row::RULE,
    policy_unknown_column::RULE,
    multiple_permissive::RULE,
    definer_search_path::RULE,
    policy_without_condition::RULE,
    published_without_rls::RULE,
    published_without_replica_identity::RULE,
    unknown_bucket::RULE,
    external_trigger_function::RULE,
    policy_without_privilege::RULE,
    api_table_without_rls::RULE,
    granted_role_without_policy::RULE,
    definer_executable_by_anon::RULE,
    missing_primary_key::RULE,
    unindexed_foreign_key::RULE,
];

/// Every parsed policy expression (`using` and `with_check`) with its table and policy.
/// Expressions that do not parse are skipped: SC401 reports them. Each fragment is parsed
/// once per run ([`crate::model::Sql::facts`]), however many checks read it.
pub(crate) fn policy_exprs(
    m: &crate::model::Model,
) -> impl Iterator<
    Item = (
        crate::model::Host<'_>,
        &crate::model::Policy,
        &crate::model::Sql,
        &crate::sql::parse::Facts,
    ),
> {
    m.hosts().flat_map(|t| {
        t.policies.values().flat_map(move |p| {
            [&p.using, &p.with_check]
                .into_iter()
                .flatten()
                .filter_map(move |sql| sql.facts().ok().map(|f| (t, p, sql, f)))
        })
    })
}

/// A hash map for the maps a check builds over the whole project (index names, parsed
/// fragments): keyed by names the project wrote, so SipHash's protection against chosen
/// keys buys nothing, and hashing tens of thousands of short names is a visible part of
/// those checks.
pub(crate) type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// Closest candidate by edit distance, case-insensitively, for "did you mean" hints: within
/// a quarter of its length (at least 2 edits). Bounded by [`crate::load::suggest`]: names
/// longer than 64 characters get no hint.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    crate::load::suggest(name, candidates, true, |c| 2.max(c.len() / 4))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_and_names_are_unique() {
        let mut codes: Vec<_> = super::ALL.iter().map(|r| r.code).collect();
        let mut names: Vec<_> = super::ALL.iter().map(|r| r.name).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(codes.len(), n);
        assert_eq!(names.len(), n);
    }
}
