//! Running the catalog queries, on a plain connection or on one that keeps them prepared.
//!
//! Each catalog query is a few kilobytes of SQL over a dozen catalogs. The server parses,
//! analyses and plans it on every run, and for a small database that costs more than
//! running it: over the whole test suite, where a few thousand small databases are read,
//! PostgreSQL spent more time planning the statements than executing them
//! (`pg_stat_statements`: 103 s of planning against 72 s of execution). A caller that
//! reads the same database again and again on one connection (the conformance runner:
//! a diff, the plan applied, the diff again) uses a [`Session`], which prepares each query
//! once: later runs skip parsing, and after five runs the server may keep a generic plan
//! and skip planning too. A one-off read (the CLI reads each database once) runs on a plain
//! [`Client`], where a prepared statement would buy nothing.
//!
//! Everything that reads a catalog takes `&mut impl` [`Reads`], so both work everywhere.

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use std::collections::HashMap;

/// Runs one of schemac's own queries (a `'static` text) and returns its rows.
pub trait Reads {
    fn rows(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error>;
}

/// A plain connection or transaction runs the text as it is.
impl<C: postgres::GenericClient> Reads for C {
    fn rows(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        self.query(sql, params)
    }
}

/// A connection that prepares each of schemac's queries the first time it runs it, and
/// runs the prepared statement after that. It dereferences to its [`Client`] for anything
/// else. Its statements live as long as the connection: nothing may `DISCARD ALL` or
/// `DEALLOCATE` on it.
pub struct Session {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Session {
    pub fn new(client: Client) -> Session {
        Session {
            client,
            prepared: HashMap::new(),
        }
    }
}

impl std::ops::Deref for Session {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Reads for Session {
    fn rows(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = match self.prepared.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(sql)?;
                self.prepared.insert(sql, s.clone());
                s
            }
        };
        self.client.query(&statement, params)
    }
}
