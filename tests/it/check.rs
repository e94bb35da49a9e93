//! `schemac check`: seed projects are clean, seed conflicts and every rule produce exactly
//! the diagnostics in the snapshots (text and JSON), and bad input exits 2 with a positioned
//! message and no panic.

use crate::{leaf, schemac, settings, subdirs};

#[test]
fn shipped_schema_is_clean() {
    let r = schemac(&["check", "schema", "--deny-warnings"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

#[test]
fn default_dir_is_schema() {
    let r = schemac(&["check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("schema: "), "{}", r.stdout);
}

#[test]
fn seed_projects_have_no_errors() {
    for dir in subdirs("tests/fixtures/projects") {
        let r = schemac(&["check", &dir, "--format", "json"]);
        assert_eq!(r.code, 0, "{dir}:\n{}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(v["summary"]["errors"], 0, "{dir}");
    }
}

#[test]
fn production_seed_has_at_least_120_tables() {
    let m = schemac::compile(
        &crate::root().join("tests/fixtures/projects/production"),
        "p",
    )
    .unwrap_or_else(|f| panic!("production does not load: {:?}", f.diagnostics));
    assert!(
        m.tables.len() >= 120,
        "production has {} tables",
        m.tables.len()
    );
}

/// Runs check on every project below `dir` and snapshots text and JSON output.
fn snapshot_projects(dir: &str, prefix: &str) {
    let dirs = subdirs(dir);
    assert!(!dirs.is_empty(), "no fixtures in {dir}");
    for d in dirs {
        let text = schemac(&["check", &d]);
        assert!(
            text.code == 0 || text.code == 1,
            "{d}: exit {}\n{}",
            text.code,
            text.stderr
        );
        assert!(!text.stdout.is_empty(), "{d} produced no findings");
        let json = schemac(&["check", &d, "--format", "json"]);
        assert_eq!(json.code, text.code, "{d}");
        settings().bind(|| {
            insta::assert_snapshot!(format!("{prefix}__{}__text", leaf(&d)), text.stdout);
            insta::assert_snapshot!(format!("{prefix}__{}__json", leaf(&d)), json.stdout);
        });
    }
}

#[test]
fn seed_conflicts() {
    snapshot_projects("tests/fixtures/conflicts", "conflict");
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let dirs = subdirs("tests/fixtures/rules");
    for rule in schemac::check::rules::ALL {
        let name = format!("tests/fixtures/rules/{}-{}", rule.code, rule.name);
        assert!(dirs.contains(&name), "missing fixture {name}");
        let r = schemac(&["check", &name, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        let codes: Vec<&str> = v["diagnostics"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d["code"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            codes.contains(&rule.code),
            "{name} does not trigger {}: {codes:?}",
            rule.code
        );
    }
}

#[test]
fn rule_snapshots() {
    snapshot_projects("tests/fixtures/rules", "rule");
}

#[test]
fn bad_input_exits_2_with_a_position() {
    let dirs = subdirs("tests/fixtures/bad");
    assert!(dirs.len() >= 25, "only {} bad-input cases", dirs.len());
    for d in dirs {
        let r = schemac(&["check", &d]);
        assert_eq!(
            r.code, 2,
            "{d}: exit {}\nstdout:{}\nstderr:{}",
            r.code, r.stdout, r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{d} panicked: {}", r.stderr);
        assert!(
            r.stdout.is_empty(),
            "{d}: nothing else may happen, got stdout {}",
            r.stdout
        );
        settings().bind(|| insta::assert_snapshot!(format!("bad__{}", leaf(&d)), r.stderr));
    }
}

#[test]
fn missing_directory_exits_2() {
    let r = schemac(&["check", "tests/fixtures/does-not-exist"]);
    assert_eq!(r.code, 2);
    settings().bind(|| insta::assert_snapshot!("bad__missing_directory", r.stderr));
}

#[test]
fn github_annotations() {
    let r = schemac(&[
        "check",
        "tests/fixtures/conflicts/user_kpis_types",
        "--format",
        "github",
    ]);
    assert_eq!(r.code, 1);
    settings().bind(|| insta::assert_snapshot!("github__user_kpis_types", r.stdout));
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let d = "tests/fixtures/conflicts/audit_log_plural";
    assert_eq!(schemac(&["check", d]).code, 0);
    assert_eq!(schemac(&["check", d, "--deny-warnings"]).code, 1);
}

#[test]
fn rules_list() {
    let r = schemac(&["rules"]);
    assert_eq!(r.code, 0);
    settings().bind(|| insta::assert_snapshot!("rules_list", r.stdout));
}

#[test]
fn json_schemas() {
    for (args, name) in [
        (vec!["schema-json"], "schema_json_definitions"),
        (vec!["schema-json", "--config"], "schema_json_config"),
    ] {
        let r = schemac(&args);
        assert_eq!(r.code, 0);
        let _: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
        settings().bind(|| insta::assert_snapshot!(name, r.stdout));
    }
}

#[test]
fn output_is_deterministic() {
    let a = schemac(&[
        "check",
        "tests/fixtures/projects/platform",
        "--format",
        "json",
    ]);
    let b = schemac(&[
        "check",
        "tests/fixtures/projects/platform",
        "--format",
        "json",
    ]);
    assert_eq!(a.stdout, b.stdout);
}

/// The reference and enum findings are what PostgreSQL itself refuses: each fixture's
/// objects (gen's SQL, which the library renders without checking) are run one by one on a
/// real database, and every finding has its PostgreSQL error among the failures.
#[test]
fn reference_findings_are_what_postgres_refuses() {
    let Some(mut db) = crate::pg::test_db("check_refs") else {
        return;
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "tests/fixtures/rules/SC301-unknown-table",
            &[
                r#"relation "taskz" does not exist"#,
                r#"relation "tenant_members" does not exist"#,
                r#"relation "note_tags" does not exist"#,
            ],
        ),
        (
            "tests/fixtures/rules/SC302-unknown-column",
            &[
                "column d.titel does not exist",
                r#"column "bodyy" does not exist"#,
                r#"column "title_len" does not exist"#,
                r#"column "archived" does not exist"#,
                r#"column "titl" does not exist"#,
                r#"column "archived_at" of relation "notes" does not exist"#,
            ],
        ),
        (
            "tests/fixtures/rules/SC507-policy-unknown-column",
            &[
                "column m.role_name does not exist",
                r#"column "orgid" does not exist"#,
                "column org_notes.tenant_id does not exist",
            ],
        ),
        (
            "tests/fixtures/rules/SC315-invalid-function-option",
            &[
                "COST must be positive",
                "ROWS is not applicable when function does not return a set",
                "ROWS must be positive",
                "invalid configuration parameter name",
                // A misplaced `variadic` and an `out` default (invalid_function_definition,
                // which gen's recovery re-raises for a function that does not exist yet).
                "VARIADIC parameter must be the last input parameter",
                "only input parameters can have default values",
            ],
        ),
        (
            "tests/fixtures/rules/SC318-invalid-index-option",
            &[
                r#"unrecognized parameter "deduplicate_items""#,
                r#"unrecognized parameter "FillFactor""#,
                r#"value 5 out of bounds for option "fillfactor""#,
                r#"invalid value for integer option "fillfactor": seventy"#,
                r#"invalid value for boolean option "fastupdate": maybe"#,
                r#"invalid value for enum option "buffering": sometimes"#,
            ],
        ),
        (
            "tests/fixtures/rules/SC317-invalid-inheritance",
            &[
                r#"relation "public.stamp" does not exist"#,
                r#"cannot inherit from partitioned table "logs""#,
                r#"cannot inherit from partition "logs_2024""#,
                r#"relation "stamped" would be inherited from more than once"#,
                r#"relation "public.loop_a" does not exist"#,
                r#"column "at" has a type conflict"#,
                r#"inherited column "at" has a type conflict"#,
            ],
        ),
        (
            "tests/fixtures/rules/SC319-invalid-collation",
            &[
                "collations are not supported by type integer",
                "collations are not supported by type mood",
                "collations are not supported by type small_count",
            ],
        ),
        (
            "tests/fixtures/rules/SC320-invalid-grant-privilege",
            &[
                "invalid privilege type USAGE for table",
                "invalid privilege type DELETE for sequence",
                "invalid privilege type DELETE for column",
                "invalid privilege type EXECUTE for relation",
                "invalid privilege type SELECT for function",
            ],
        ),
        (
            "tests/fixtures/rules/SC321-fk-to-unlogged",
            &["constraints on permanent tables may reference only permanent tables"],
        ),
        (
            "tests/fixtures/rules/SC311-invalid-enum-default",
            &[
                r#"invalid input value for enum goal_status: "actve""#,
                r#"invalid input value for enum priority: "urgent""#,
            ],
        ),
    ];
    for (dir, expected) in cases {
        crate::gen::apply(
            &mut db,
            "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            "reset",
        );
        crate::gen::apply(&mut db, &crate::gen::stubs(), "stubs");
        let model = schemac::compile(&crate::root().join(dir), dir)
            .unwrap_or_else(|_| panic!("compile {dir}"));
        let migration = schemac::generate_migration(&model, None).expect("render");
        let mut errors = Vec::new();
        for object in &migration.objects {
            if let Err(e) = db.client.batch_execute(object) {
                errors.push(
                    e.as_db_error()
                        .map_or(e.to_string(), |d| d.message().to_string()),
                );
            }
        }
        for want in *expected {
            assert!(
                errors.iter().any(|e| e.contains(want)),
                "{dir}: PostgreSQL did not refuse with `{want}`; its errors: {errors:#?}"
            );
        }
    }
}
