//! The database a benchmark applies a project to (apart from `mod.rs`, which the loader's
//! tests include and which therefore cannot use the schemac crate).

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
