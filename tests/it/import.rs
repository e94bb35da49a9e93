//! `schemac import` on a real PostgreSQL: every seed project, applied by gen, imports into a
//! project whose own gen makes the same database (database-to-database diff empty) and
//! re-imports byte for byte; hostile names read back exactly; bad input exits 2 and writes
//! nothing; a migrations folder's history is reported.

use crate::gen::{apply, create_external_roles, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::{schemac, settings, subdirs};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file of a project directory, relative path → text.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
                out.insert(rel, std::fs::read_to_string(&p).expect("read file"));
            }
        }
    }
    out
}

/// Imports `db` into `out` (which must not exist), returning the run and the report.
fn import(db: &TestDb, out: &Path) -> (crate::Run, String) {
    let report = out.with_extension("md");
    let r = schemac(&[
        "import",
        "--db",
        &db.url,
        "--out",
        out.to_str().expect("utf-8 path"),
        "--report",
        report.to_str().expect("utf-8 path"),
    ]);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    (r, text)
}

/// The report with the database URL and the output folder masked.
fn masked(report: &str, db: &TestDb, out: &Path) -> String {
    report
        .replace(&schemac::pg::redact(&db.url), "<database>")
        .replace(&out.display().to_string(), "<out>")
}

/// gen of `dir` applied to a fresh database (after the stubs and the roles it names).
fn fresh(dir: &str, name: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    apply(&mut db, &stubs(), "stubs");
    if Path::new(dir).is_relative() {
        create_external_roles(&mut db, dir);
    }
    apply(&mut db, &gen_stdout(dir), &format!("gen of {dir}"));
    Some(db)
}

#[test]
fn every_seed_project_round_trips_exactly_and_reimports_identically() {
    let mut dirs = vec!["schema".to_string()];
    dirs.extend(subdirs("tests/fixtures/projects"));
    let tmp = tempfile::tempdir().expect("tempdir");
    for dir in dirs {
        let leaf = crate::leaf(&dir).to_string();
        let Some(db) = fresh(&dir, &format!("import_{leaf}")) else {
            return;
        };
        let out = tmp.path().join(&leaf);
        let (r, report) = import(&db, &out);
        assert_eq!(r.code, 0, "import {dir}:\n{}\n{report}", r.stderr);
        assert!(report.contains("round trip: exact"), "{dir}:\n{report}");
        assert!(
            report.contains("## schemac check (") && !report.contains("(error)"),
            "{report}"
        );
        // The imported project's own gen makes the same database.
        let out_s = out.to_str().expect("utf-8");
        let Some(back) = fresh(out_s, &format!("import_back_{leaf}")) else {
            return;
        };
        let d = schemac(&[
            "diff", "--from", &db.url, "--to", &back.url, "--schema", "public",
        ]);
        assert_eq!(
            d.code, 0,
            "{dir}: the import's gen differs:\n{}{}",
            d.stdout, d.stderr
        );
        // Importing again gives the same bytes.
        let again = tmp.path().join(format!("{leaf}-again"));
        let (r2, report2) = import(&db, &again);
        assert_eq!(r2.code, 0, "{}", r2.stderr);
        assert_eq!(files(&out), files(&again), "{dir}: a second import differs");
        assert_eq!(masked(&report, &db, &out), masked(&report2, &db, &again));
        if leaf == "numoraq" {
            let project: String = files(&out)
                .iter()
                .map(|(p, t)| format!("=== {p}\n{t}"))
                .collect();
            settings().bind(|| {
                insta::assert_snapshot!("import__numoraq_project", project);
                insta::assert_snapshot!("import__numoraq_report", masked(&report, &db, &out));
            });
        }
    }
}

#[test]
fn hostile_names_read_back_exactly() {
    let Some(mut db) = test_db("import_hostile") else {
        return;
    };
    apply(
        &mut db,
        r#"
        CREATE TYPE "mood: ""x"" #1" AS ENUM ('a: b', ' lead', 'it''s', 'ünï', E'new\nline');
        CREATE TABLE "a: ""b"" #c" (
          " id" uuid UNIQUE,
          "key: #1" uuid PRIMARY KEY,
          "col # x" text DEFAULT 'x: #y',
          "new
line" int,
          "名前" "mood: ""x"" #1",
          "yes" text,
          "1e3" text,
          "- item" boolean NOT NULL DEFAULT false
        );
        COMMENT ON TABLE "a: ""b"" #c" IS E'multi\nline: comment #';
        CREATE INDEX "idx: ""q""" ON "a: ""b"" #c" ("col # x");
        ALTER TABLE "a: ""b"" #c" ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "policy: ""p"" #1" ON "a: ""b"" #c" FOR SELECT USING ("col # x" = 'a: b');
        CREATE TABLE "other.table" (id int PRIMARY KEY, ref uuid REFERENCES "a: ""b"" #c" ("key: #1"));
        "#,
        "hostile schema",
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("hostile");
    let (r, report) = import(&db, &out);
    assert_eq!(r.code, 0, "{}\n{report}", r.stderr);
    assert!(report.contains("round trip: exact"), "{report}");
    let again = tmp.path().join("hostile-again");
    let (r2, _) = import(&db, &again);
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    assert_eq!(files(&out), files(&again));
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("never");
    let o = out.to_str().expect("utf-8");
    // An unreachable database: exit 2, the password never shown, nothing written.
    let r = schemac(&[
        "import",
        "--db",
        "postgres://someone:s3cr3t-pw@127.0.0.1:1/db",
        "--out",
        o,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("s3cr3t-pw"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing written"), "{}", r.stderr);
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 0);
    // A non-empty --out is refused, and left as it was.
    let full = tmp.path().join("full");
    std::fs::create_dir(&full).expect("mkdir");
    std::fs::write(full.join("keep.txt"), "mine").expect("write");
    let Some(db) = test_db("import_empty") else {
        return;
    };
    let f = full.to_str().expect("utf-8");
    let r = schemac(&["import", "--db", &db.url, "--out", f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not empty"), "{}", r.stderr);
    assert_eq!(files(&full).len(), 1);
    // An empty database: an empty project that checks clean; --force replaces.
    let (r, report) = import(&db, &out);
    assert_eq!(r.code, 0, "{}\n{report}", r.stderr);
    assert_eq!(files(&out).keys().collect::<Vec<_>>(), ["schemac.yaml"]);
    let c = schemac(&["check", o]);
    assert_eq!(c.code, 0, "{}{}", c.stdout, c.stderr);
    let r = schemac(&["import", "--db", &db.url, "--out", f, "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!full.join("keep.txt").exists());
    // A failing migration: exit 2 with the file, the line and PostgreSQL's error.
    let bad = tmp.path().join("bad-migrations");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::write(bad.join("001_ok.sql"), "CREATE TABLE t (id int);\n").expect("write");
    std::fs::write(
        bad.join("002_bad.sql"),
        "-- a typo\nALTER TABLE t\n  ADD COLUMN x int,\n  ADD COLUMN y nosuchtype;\n",
    )
    .expect("write");
    let out2 = tmp.path().join("never2");
    let r = schemac(&[
        "import",
        "--migrations",
        bad.to_str().expect("utf-8"),
        "--db",
        &db.url,
        "--out",
        out2.to_str().expect("utf-8"),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("002_bad.sql:4: type \"nosuchtype\" does not exist"),
        "{}",
        r.stderr
    );
    assert!(!out2.exists());
}

#[test]
fn a_migrations_folder_tells_its_history() {
    let Some(db) = test_db("import_history") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("privacy");
    let report = tmp.path().join("privacy.md");
    let r = schemac(&[
        "import",
        "--migrations",
        "tests/fixtures/imports/privacy-history",
        "--db",
        &db.url,
        "--out",
        out.to_str().expect("utf-8"),
        "--report",
        report.to_str().expect("utf-8"),
    ]);
    // The legacy grants give the identity column's sequence privileges, which the project
    // declares as grants on the sequence: the round trip is exact.
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&report).expect("report");
    let text = masked(&text, &db, &out)
        .lines()
        .map(|l| {
            // The server's extension directory varies between installations.
            match l.find("(Could not open extension control file") {
                Some(i) => format!("{}(…)", &l[..i]),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    settings().bind(|| insta::assert_snapshot!("import__privacy_history_report", text));
}
