//! The synthetic project both benchmarks use: N tables, each with 10 columns, 2 foreign keys,
//! 2 indexes, 1 trigger and 2 template-based policies, in files of 50 tables. Names and the
//! check constraint differ per table; defaults and the templates' conditions repeat, as they
//! do in real projects. Also what the benchmarks time their peer with: medians and
//! `pg_dump --schema-only`. (The loader's tests include this file too, so it does not
//! use the schemac crate; `fresh.rs` beside it does.)

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// The median of some timings (the middle one of an odd count).
#[allow(dead_code)] // the loader's tests read only the project
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// How long `pg_dump --schema-only` of `db_url` takes, with `PG_BIN`'s pg_dump.
#[allow(dead_code)] // bench_gen and the loader's tests read no database
pub fn time_pg_dump(db_url: &str) -> Result<Duration, Box<dyn std::error::Error>> {
    let pg_bin = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let t = Instant::now();
    let out = std::process::Command::new(Path::new(&pg_bin).join("pg_dump"))
        .args(["--schema-only", "--dbname", db_url])
        .output()?;
    let elapsed = t.elapsed();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    Ok(elapsed)
}

/// Writes the synthetic project with `n` tables into `dir`.
pub fn write_project(dir: &Path, n: usize) -> std::io::Result<()> {
    std::fs::write(
        dir.join("schemac.yaml"),
        "schemac: 1\napi_roles: [anon, authenticated, service_role]\n",
    )?;
    std::fs::write(
        dir.join("functions.yaml"),
        "functions:\n  touch_updated_at:\n    returns: trigger\n    language: plpgsql\n    search_path: public\n    body: \"BEGIN NEW.updated_at = now(); RETURN NEW; END;\"\n",
    )?;
    std::fs::create_dir_all(dir.join("tables"))?;
    for chunk in 0..n.div_ceil(50) {
        let mut y = String::from("tables:\n");
        for i in chunk * 50..((chunk + 1) * 50).min(n) {
            let parent = if i == 0 { 0 } else { i - 1 };
            let other = i / 2;
            // Each table's own check text: no two tables share it, so nothing a check or gen
            // learns from one fragment text is reused for another table's.
            let limit = 1_000_000 + i;
            let _ = write!(
                y,
                "  t{i}:
    columns:
      id: {{ type: uuid, primary_key: true, default: gen_random_uuid() }}
      user_id: {{ type: uuid, nullable: false, references: auth.users(id), on_delete: cascade }}
      parent_id: {{ type: uuid, references: t{parent}(id) }}
      other_id: {{ type: uuid, references: t{other}(id) }}
      title: {{ type: text, nullable: false }}
      amount: {{ type: \"numeric(12,2)\", default: 0, check: \"amount >= 0 AND amount < {limit}\" }}
      status: {{ type: text, nullable: false, default: \"'new'\" }}
      tags: \"text[]\"
      created_at: {{ type: timestamptz, nullable: false, default: now() }}
      updated_at: {{ type: timestamptz, nullable: false, default: now() }}
    indexes:
      - {{ columns: [user_id, created_at] }}
      - {{ columns: [parent_id] }}
    triggers:
      t{i}_touch: {{ when: before, events: [update], for_each: row, function: touch_updated_at }}
    rls: true
    policies:
      t{i}_owner: {{ template: owner, column: user_id }}
      t{i}_service: {{ template: service_role }}
"
            );
        }
        std::fs::write(dir.join(format!("tables/t{chunk:05}.yaml")), y)?;
    }
    Ok(())
}
