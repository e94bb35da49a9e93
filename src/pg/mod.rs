//! Connections, URL redaction, and throwaway shadow databases.
//!
//! `schemac diff` compares a project with a database by compiling the project into a shadow
//! database on the same server (or `--dev-url`), so both sides are introspected by the same
//! PostgreSQL. The shadow database is always dropped: on success, on error (a guard's
//! `Drop`), and on Ctrl-C (the CLI calls [`drop_registered_shadows`] from its signal handler).

use postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::sync::Mutex;

/// Why talking to PostgreSQL failed. Messages never contain a password.
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
}

/// Replaces the password in a URL (`postgres://u:secret@h/db`) or conninfo string
/// (`password=secret`) with `***`.
pub fn redact(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                let mut out = url[..scheme_end + 3].to_string();
                out.push_str(&userinfo[..colon]);
                out.push_str(":***");
                out.push_str(&rest[at..]);
                return redact_params(&out);
            }
        }
        return redact_params(url);
    }
    redact_params(url)
}

/// `password=x` in conninfo strings or URL query parameters.
fn redact_params(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("password=") {
        out.push_str(&rest[..i + "password=".len()]);
        out.push_str("***");
        rest = &rest[i + "password=".len()..];
        let end = rest.find(['&', ' ']).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
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

/// Parses a URL or conninfo string.
pub fn config(url: &str) -> Result<Config, PgError> {
    Config::from_str(url).map_err(|e| PgError::BadUrl {
        url: redact(url),
        message: e.to_string(),
    })
}

/// Connects to `url`, honouring its `sslmode`.
pub fn connect(url: &str) -> Result<Client, PgError> {
    let cfg = config(url)?;
    connect_with(&cfg, url)
}

fn connect_with(cfg: &Config, url: &str) -> Result<Client, PgError> {
    let result = match cfg.get_ssl_mode() {
        postgres::config::SslMode::Disable => cfg.connect(NoTls),
        _ => cfg.connect(tls::connector()),
    };
    result.map_err(|e| PgError::Connect {
        url: redact(url),
        message: reason(&e),
    })
}

/// TLS with the semantics of libpq's `sslmode=prefer` and `require` (the modes the driver
/// knows): the connection is encrypted, the server certificate is not verified — exactly
/// what `psql` does with these modes. `prefer` falls back to plain text when the server
/// does not offer TLS.
mod tls {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};
    use std::sync::Arc;

    #[derive(Debug)]
    struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

    impl ServerCertVerifier for NoVerification {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    pub fn connector() -> tokio_postgres_rustls::MakeRustlsConnect {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore {
                        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                    })
                    .with_no_client_auth()
            });
        tokio_postgres_rustls::MakeRustlsConnect::new(config)
    }
}

static SHADOWS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Drops every shadow database still registered (for signal handlers).
pub fn drop_registered_shadows() {
    let list = SHADOWS
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default();
    for (url, name) in list {
        if let Ok(mut c) = connect(&url) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// A temporary database, dropped when this value is dropped.
pub struct Shadow {
    server_url: String,
    pub name: String,
    pub client: Client,
}

impl Shadow {
    /// Creates `schemac_shadow_<pid>_<nanos>` on the server of `url`.
    pub fn create(url: &str) -> Result<Shadow, PgError> {
        let mut admin = connect(url)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("schemac_shadow_{}_{nanos}", std::process::id());
        if let Ok(mut v) = SHADOWS.lock() {
            v.push((url.to_string(), name.clone()));
        }
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| PgError::Shadow {
                url: redact(url),
                message: reason(&e),
            })?;
        let mut cfg = config(url)?;
        cfg.dbname(&name);
        let client = connect_with(&cfg, url)?;
        Ok(Shadow {
            server_url: url.to_string(),
            name,
            client,
        })
    }
}

impl Drop for Shadow {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(&self.server_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
        if let Ok(mut v) = SHADOWS.lock() {
            v.retain(|(_, n)| n != &self.name);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgresql://u@h/db"), "postgresql://u@h/db");
        assert_eq!(
            redact("postgres://u:p%40ss@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require"
        );
        assert_eq!(
            redact("host=h user=u password=secret dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        assert_eq!(
            redact("postgres://h/db?password=secret&x=1"),
            "postgres://h/db?password=***&x=1"
        );
    }
}
