//! Connections, connection strings shown without passwords, and throwaway shadow databases.
//!
//! Everything that talks to PostgreSQL goes through here, so that two promises hold in one
//! place: no message or report ever contains a password ([`url`]), and a shadow database
//! that `schemac diff` creates is dropped however the run ends ([`shadow`]).

pub mod session;
pub mod shadow;
pub mod snapshot;
mod tls;
pub mod url;

use postgres::{Client, Config, NoTls};
use std::str::FromStr;

pub use session::{Reads, Session};
pub use shadow::Shadow;
pub use url::redact;

/// Why talking to PostgreSQL failed. Messages never contain a password: URLs are shown
/// through [`redact`], driver and server messages through [`url::scrub`].
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("invalid database URL `{url}`: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("cannot create the shadow database on {url}: {message} (pass --dev-url with a database schemac may use, or grant CREATEDB)")]
    Shadow { url: String, message: String },
    #[error("{what} failed: {message}")]
    Query { what: String, message: String },
    #[error("interrupted")]
    Interrupted,
}

/// A readable reason from a postgres error (the database's message when there is one).
pub fn reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = db.message().to_string();
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            m
        }
        None => {
            let mut m = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                m.push_str(&format!(": {s}"));
                src = s.source();
            }
            m
        }
    }
}

/// [`reason`], scrubbed of anything [`redact`] withholds from `url`.
pub fn reason_for(e: &postgres::Error, url: &str) -> String {
    url::scrub(&reason(e), url)
}

/// Parses a URL or conninfo string.
pub fn config(url: &str) -> Result<Config, PgError> {
    Config::from_str(url).map_err(|e| PgError::BadUrl {
        url: redact(url),
        message: url::parse_reason(&e),
    })
}

/// Connects to `url`, honouring its `sslmode`.
pub fn connect(url: &str) -> Result<Client, PgError> {
    let cfg = config(url)?;
    connect_with(&cfg, url)
}

/// Connects with `cfg` (parsed from `url`, perhaps changed); `url` is only for messages.
pub fn connect_with(cfg: &Config, url: &str) -> Result<Client, PgError> {
    let result = match cfg.get_ssl_mode() {
        postgres::config::SslMode::Disable => cfg.connect(NoTls),
        _ => cfg.connect(tls::connector()),
    };
    result.map_err(|e| PgError::Connect {
        url: redact(url),
        message: reason_for(&e, url),
    })
}

/// Asks the server to cancel what the connection of `token` is running.
fn cancel(token: &postgres::CancelToken, cfg: &Config) -> Result<(), postgres::Error> {
    match cfg.get_ssl_mode() {
        postgres::config::SslMode::Disable => token.cancel_query(NoTls),
        _ => token.cancel_query(tls::connector()),
    }
}

/// Runs SQL statements in batches of `batch` objects per transaction: a shadow database must
/// not depend on a lock table large enough for the whole schema in one transaction.
pub fn apply_in_batches(
    client: &mut Client,
    parts: &[String],
    batch: usize,
) -> Result<(), PgError> {
    client
        .batch_execute("SET check_function_bodies = off; SET client_min_messages = warning;")
        .map_err(|e| PgError::Query {
            what: "preparing the shadow database".into(),
            message: reason(&e),
        })?;
    for chunk in parts.chunks(batch.max(1)) {
        let sql = format!("BEGIN;\n{}\nCOMMIT;", chunk.join("\n"));
        if let Err(e) = client.batch_execute(&sql) {
            let _ = client.batch_execute("ROLLBACK");
            return Err(PgError::Query {
                what: "applying the project to the shadow database".into(),
                message: reason(&e),
            });
        }
    }
    Ok(())
}
