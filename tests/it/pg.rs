//! Tests against a real PostgreSQL: the test command starts a throwaway cluster and passes
//! its URL in `TEST_DATABASE_URL`. Without it the tests are skipped locally, but under
//! `CI=true` they fail: CI must never pass without having talked to PostgreSQL.

use postgres::{Client, NoTls};
use schemac::model::SqlType;

/// A connection to a fresh database created for one test, dropped at the end.
pub struct TestDb {
    pub client: Client,
    /// URL of this test's database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Creates a database for `test`, or returns None (skip) when no server is configured and
/// we are not in CI.
pub fn test_db(test: &str) -> Option<TestDb> {
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but TEST_DATABASE_URL is not set: run the tests through scripts/test.sh");
            }
            eprintln!("skipping {test}: TEST_DATABASE_URL not set (run scripts/test.sh)");
            return None;
        }
    };
    let mut admin = Client::connect(&url, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"));
    let name = format!("schemac_{test}_{}", std::process::id());
    // Two calls: a multi-statement string runs as one transaction, which CREATE DATABASE
    // refuses.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .expect("drop old test database");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .expect("create test database");
    let db_url = with_database(&url, &name);
    let client = Client::connect(&db_url, NoTls).expect("connect to test database");
    Some(TestDb {
        client,
        url: db_url,
        admin_url: url,
        name,
    })
}

/// Replaces the database name in a `postgres://` URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    format!("{host}/{db}{query}")
}

#[test]
fn every_builtin_column_type_is_known_to_postgres_with_the_same_spelling() {
    let Some(mut db) = test_db("types") else {
        return;
    };
    for spelling in schemac::model::types::builtin_spellings() {
        let ty = SqlType::parse(spelling).expect("parse");
        let canonical = ty.to_string();
        // serial types exist only in CREATE TABLE; PostgreSQL stores them as integers.
        let (sql_type, expect) = match canonical.as_str() {
            "serial" => ("integer".to_string(), "integer".to_string()),
            "bigserial" => ("bigint".to_string(), "bigint".to_string()),
            "smallserial" => ("smallint".to_string(), "smallint".to_string()),
            "citext" => continue, // an extension type, checked only when the extension is declared
            _ => (canonical.clone(), canonical.clone()),
        };
        let row = db
            .client
            .query_one(
                &format!("SELECT format_type('{sql_type}'::regtype, NULL)"),
                &[],
            )
            .unwrap_or_else(|e| {
                panic!("PostgreSQL does not know `{spelling}` (rendered `{sql_type}`): {e}")
            });
        let got: String = row.get(0);
        assert_eq!(
            got, expect,
            "`{spelling}` is canonicalised differently by PostgreSQL"
        );
    }
}

#[test]
fn typmods_and_arrays_render_as_postgres_prints_them() {
    let Some(mut db) = test_db("typmods") else {
        return;
    };
    let cases = [
        "varchar(255)",
        "numeric(5,2)",
        "timestamp(3) with time zone",
        "time(2)",
        "text[]",
        "int[][]",
        "bit(8)",
        "char(3)",
    ];
    let cols: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, t)| format!("c{i} {}", SqlType::parse(t).expect("parse")))
        .collect();
    db.client
        .batch_execute(&format!("CREATE TABLE t ({})", cols.join(", ")))
        .expect("create table with every case");
    for (i, t) in cases.iter().enumerate() {
        let row = db
            .client
            .query_one(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = $1",
                &[&format!("c{i}")],
            )
            .expect("query");
        let got: String = row.get(0);
        let ours = SqlType::parse(t).expect("parse").to_string();
        // PostgreSQL prints one [] whatever the declared dimensions.
        let ours = ours.replace("[][]", "[]");
        assert_eq!(got, ours, "{t}");
    }
}

#[test]
fn url_database_replacement() {
    assert_eq!(
        with_database("postgres://u@h:5/postgres", "x"),
        "postgres://u@h:5/x"
    );
    assert_eq!(
        with_database("postgres://u@h:5/postgres?sslmode=disable", "x"),
        "postgres://u@h:5/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
}
