//! The project a benchmark compiles and the database it applies it to (apart from
//! `mod.rs`, which the loader's tests include and which therefore cannot use the schemac
//! crate).

/// A new, empty database `db` on the server of `url` (dropped first when it exists), with
/// the Supabase stubs the projects are applied over: its URL and a session on it.
pub fn database(
    url: &str,
    db: &str,
) -> Result<(String, postgres::Client), Box<dyn std::error::Error>> {
    let mut admin = schemac::pg::connect(url)?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
    admin.batch_execute(&format!("CREATE DATABASE {db}"))?;
    let db_url = format!("{}/{db}", url.rsplit_once('/').map_or(url, |(h, _)| h));
    let mut c = schemac::pg::connect(&db_url)?;
    c.batch_execute(schemac::render::STUBS)?;
    Ok((db_url, c))
}

/// The project in `dir` (named `display` in messages) compiled, and gen's migration of it.
pub fn compiled(
    dir: &std::path::Path,
    display: &str,
) -> Result<(schemac::model::Model, schemac::render::Migration), Box<dyn std::error::Error>> {
    let model =
        schemac::compile(dir, display).map_err(|f| format!("{:?}", f.diagnostics.first()))?;
    let migration = schemac::generate_migration(&model, None)?;
    Ok((model, migration))
}
