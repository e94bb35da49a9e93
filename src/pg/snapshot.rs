//! Reading databases on several connections at once, each database inside one snapshot.
//!
//! A catalog is read by a fixed list of queries (about twenty, whatever the schema's size).
//! One connection runs them one after the other, and the server works on one of them at a
//! time; several connections let the server work on several at once, and the round trips
//! overlap. To keep the catalog consistent, as one connection's transaction would, the
//! connections of one database share a snapshot: the first runs `BEGIN ISOLATION LEVEL
//! REPEATABLE READ READ ONLY; SELECT pg_export_snapshot()`, the others `SET TRANSACTION
//! SNAPSHOT '…'` before they run anything, so every query sees the catalog as of the same
//! instant. The first connection keeps its transaction open until every other one has
//! imported the snapshot (or given up), and hands it back open: a caller that finds it needs
//! more (a plan's dependencies, only when something differs) reads it in the same snapshot.
//!
//! Extra connections pay off only on a large catalog: each new backend builds its own
//! relation and catalog caches, which for a small schema costs more than the queries (on a
//! 2-core server, a whole test suite of small databases spent more server time warming the
//! caches of second connections than reading). The first connection therefore counts the
//! database's own relations in the same round trip as its `BEGIN`, and exports a snapshot
//! only from [`PARALLEL_FROM`] relations up (by default); below that it reads alone, and the other
//! connections are never opened.
//!
//! Extra connections are a help, never a requirement: one that cannot connect (a
//! `max_connections` or pooler limit) or cannot import the snapshot (a server that refuses to
//! export one) runs no query, and the first connection runs whatever is left, so the result
//! is the same as on one connection. Only the first connection's failures, and failures of the
//! queries themselves, are errors. Results come back by query, in the order given, whichever
//! connection ran them.

use super::{connect_with, reason_for, PgError};
use postgres::{Client, Config, Row, SimpleQueryMessage};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// Runs one query on a connection, returning its rows.
pub type Run<'a> = Box<dyn Fn(&mut Client) -> Result<Vec<Row>, postgres::Error> + Send + Sync + 'a>;

/// Rows by the index of the job that returned them.
type Done = Vec<(usize, Vec<Row>)>;

/// One query of a read, inside the snapshot.
pub struct Job<'a> {
    /// Runs the query on a connection of the side.
    pub run: Run<'a>,
    /// The connection (index within the side) that should run it, or None for whichever
    /// is free. Queries that open the same relations belong on the same connection: the
    /// server builds its relation and catalog caches once per connection, and for a large
    /// schema that costs as much as the queries themselves.
    pub on: Option<usize>,
}

/// The number of relations of a database's own (tables, indexes, views, sequences, TOAST
/// tables: `pg_class` rows past the built-in objects) from which it is read on several
/// connections. The example project (18 tables) has about 120 with the Supabase stubs, the
/// privacy seed (30 tables) 180, the platform and production seeds (110 and 125 tables) 750
/// and 1 000, 1 000 tables of the synthetic benchmark about 7 000. On the two large seeds a
/// second connection made the read faster; on the small projects it did not, and it cost
/// the server as much work again.
pub const PARALLEL_FROM: i64 = 500;

/// The relations [`PARALLEL_FROM`] counts, as a query's FROM clause.
const OWN_RELATIONS: &str = "FROM pg_catalog.pg_class WHERE oid >= 16384";

/// Whether the database `client` is connected to has [`PARALLEL_FROM`] relations of its own
/// or more: the size from which reading it on several connections pays off.
pub fn large(client: &mut Client) -> Result<bool, postgres::Error> {
    let sql = format!("SELECT count(*) >= {PARALLEL_FROM} {OWN_RELATIONS}");
    Ok(client.query_one(sql.as_str(), &[])?.get(0))
}

/// How many connections a read of `sides` databases at once may open to each: the machine's
/// cores shared among the sides, from 1 to 4. More backends than cores only contend: on 2
/// cores, two databases of 1 000 tables read in 0.56× the time of a `pg_dump` with one
/// connection each, and in 0.88× with four each (`bench_dbdiff --breakdown`).
pub fn connections(sides: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores / sides.max(1)).clamp(1, 4)
}

/// One database to read.
pub struct Side<'a> {
    /// Its connection settings.
    pub cfg: Config,
    /// Its URL, for messages only (shown through [`super::redact`]).
    pub url: &'a str,
    /// How many connections to read it with (at least one).
    pub connections: usize,
    /// From how many relations of its own the database is read on more than one
    /// connection ([`PARALLEL_FROM`]; tests lower it to exercise the parallel read).
    pub parallel_from: i64,
    /// Its queries. A connection runs its own first, then takes the others in this order:
    /// the longest first.
    pub jobs: Vec<Job<'a>>,
}

/// What a read of one database returns.
pub struct Read {
    /// The first connection, still inside the snapshot's read-only transaction: the caller
    /// may read more in the same snapshot (the dependencies, once it knows it needs them),
    /// and ends the transaction (`COMMIT`) before it writes anything.
    pub client: Client,
    /// Each job's rows, in the order of [`Side::jobs`].
    pub rows: Vec<Vec<Row>>,
}

/// Why reading one side failed.
#[derive(Debug)]
pub struct SideError {
    /// The index of the side in the list given to [`read`].
    pub side: usize,
    pub error: PgError,
}

/// The snapshot a side's first connection exported, once it has: None when it could not.
struct Shared {
    snapshot: Mutex<Option<Option<String>>>,
    /// Connections that have not yet imported the snapshot or given up.
    pending: Mutex<usize>,
    changed: Condvar,
    /// Whether each job has been taken.
    taken: Vec<AtomicBool>,
    /// Connections (by index) that could not join: the first connection runs their jobs.
    failed: Vec<AtomicBool>,
}

impl Shared {
    fn publish(&self, id: Option<String>) {
        if let Ok(mut s) = self.snapshot.lock() {
            *s = Some(id);
        }
        self.changed.notify_all();
    }

    fn snapshot(&self) -> Option<String> {
        let Ok(mut s) = self.snapshot.lock() else {
            return None;
        };
        loop {
            if let Some(id) = s.as_ref() {
                return id.clone();
            }
            s = match self.changed.wait(s) {
                Ok(s) => s,
                Err(_) => return None,
            };
        }
    }

    fn settled(&self) {
        if let Ok(mut p) = self.pending.lock() {
            *p = p.saturating_sub(1);
        }
        self.changed.notify_all();
    }

    /// Takes job `i`: true once, for the connection that is to run it.
    fn take(&self, i: usize) -> bool {
        !self.taken[i].swap(true, Ordering::AcqRel)
    }

    fn wait_settled(&self) {
        let Ok(mut p) = self.pending.lock() else {
            return;
        };
        while *p > 0 {
            p = match self.changed.wait(p) {
                Ok(p) => p,
                Err(_) => return,
            };
        }
    }
}

/// Runs on `client` (connection `conn` of the side) its own jobs, then any job meant for
/// no connection in particular that no other connection has taken.
fn work(
    client: &mut Client,
    conn: usize,
    side: &Side,
    shared: &Shared,
) -> Result<Vec<(usize, Vec<Row>)>, postgres::Error> {
    let mut out = Vec::new();
    for own in [true, false] {
        for (i, job) in side.jobs.iter().enumerate() {
            let mine = if own {
                job.on == Some(conn)
            } else {
                job.on.is_none()
            };
            if mine && shared.take(i) {
                out.push((i, (job.run)(client)?));
            }
        }
    }
    Ok(out)
}

fn query_error(e: &postgres::Error, url: &str) -> PgError {
    PgError::Query {
        what: "reading the catalog".into(),
        message: reason_for(e, url),
    }
}

/// The first connection of a side: exports the snapshot and runs jobs; returns once every
/// other connection has imported the snapshot or given up, its transaction still open.
fn lead(side: &Side, shared: &Shared) -> Result<(Client, Done), PgError> {
    let mut client = match connect_with(&side.cfg, side.url) {
        Ok(c) => c,
        Err(e) => {
            shared.publish(None);
            return Err(e);
        }
    };
    let exported = if side.connections > 1 {
        // An empty text: the database is too small for the others to help.
        let sql = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
             SELECT CASE WHEN count(*) >= {} THEN pg_catalog.pg_export_snapshot() \
             ELSE '' END {OWN_RELATIONS}",
            side.parallel_from
        );
        client.simple_query(&sql).ok().and_then(|msgs| {
            msgs.iter().find_map(|m| match m {
                SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
        })
    } else {
        client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .ok()
            .map(|_| String::new())
    };
    if exported.is_none() {
        // The server would not export a snapshot (or begin): read everything here, in one
        // transaction if one can be had.
        let _ = client.batch_execute("ROLLBACK");
        let _ = client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }
    shared.publish(exported.filter(|s| !s.is_empty()));
    let mut result = work(&mut client, 0, side, shared);
    // The snapshot must live until every other connection has imported it.
    shared.wait_settled();
    // What the connections that could not join were to run.
    if let Ok(rows) = &mut result {
        for (i, job) in side.jobs.iter().enumerate() {
            let orphan = job.on.is_some_and(|c| {
                shared
                    .failed
                    .get(c)
                    .is_none_or(|f| f.load(Ordering::Acquire))
            });
            if orphan && shared.take(i) {
                match (job.run)(&mut client) {
                    Ok(r) => rows.push((i, r)),
                    Err(e) => return Err(query_error(&e, side.url)),
                }
            }
        }
    }
    let rows = result.map_err(|e| query_error(&e, side.url))?;
    Ok((client, rows))
}

/// Another connection of a side (`conn`): once the first connection has exported a snapshot,
/// connects, imports it, then runs jobs. No snapshot (a small database, or a server that
/// would not export one), or connecting or importing failed: it runs nothing (Ok with no
/// rows), and the first connection runs its jobs.
fn follow(conn: usize, side: &Side, shared: &Shared) -> Result<Vec<(usize, Vec<Row>)>, PgError> {
    let snapshot = shared.snapshot();
    let client = snapshot
        .as_ref()
        .and_then(|_| connect_with(&side.cfg, side.url).ok());
    let joined = match (client, snapshot) {
        (Some(mut c), Some(id)) => {
            let sql = format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}",
                crate::sql::quote::quote_literal(&id)
            );
            c.batch_execute(&sql).ok().map(|_| c)
        }
        _ => None,
    };
    if joined.is_none() {
        if let Some(f) = shared.failed.get(conn) {
            f.store(true, Ordering::Release);
        }
    }
    shared.settled();
    let Some(mut client) = joined else {
        return Ok(Vec::new());
    };
    let result = work(&mut client, conn, side, shared);
    let _ = client.batch_execute("COMMIT");
    result.map_err(|e| query_error(&e, side.url))
}

/// Reads every side at once, each on its own connections inside one snapshot; returns each
/// side's first connection and its jobs' rows, in the order of `sides`.
pub fn read(sides: Vec<Side>) -> Result<Vec<Read>, SideError> {
    let shared: Vec<Shared> = sides
        .iter()
        .map(|s| Shared {
            snapshot: Mutex::new(None),
            pending: Mutex::new(s.connections.max(1) - 1),
            changed: Condvar::new(),
            taken: s.jobs.iter().map(|_| AtomicBool::new(false)).collect(),
            failed: (0..s.connections.max(1))
                .map(|_| AtomicBool::new(false))
                .collect(),
        })
        .collect();
    type Outcome = Result<(Option<Client>, Vec<(usize, Vec<Row>)>), PgError>;
    let outcomes: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, (side, sh)) in sides.iter().zip(&shared).enumerate() {
            handles.push((
                i,
                scope.spawn(move || lead(side, sh).map(|(c, rows)| (Some(c), rows))),
            ));
            for conn in 1..side.connections.max(1) {
                handles.push((
                    i,
                    scope.spawn(move || follow(conn, side, sh).map(|r| (None, r))),
                ));
            }
        }
        handles
            .into_iter()
            .map(|(i, h)| {
                let outcome = h.join().unwrap_or_else(|_| {
                    Err(PgError::Query {
                        what: "reading the catalog".into(),
                        message: "a reading thread panicked".into(),
                    })
                });
                (i, outcome)
            })
            .collect()
    });
    let mut clients: Vec<Option<Client>> = sides.iter().map(|_| None).collect();
    let mut rows: Vec<Vec<Option<Vec<Row>>>> = sides
        .iter()
        .map(|s| s.jobs.iter().map(|_| None).collect())
        .collect();
    for (side, outcome) in outcomes {
        let (client, done) = outcome.map_err(|error| SideError { side, error })?;
        if client.is_some() {
            clients[side] = client;
        }
        for (j, r) in done {
            rows[side][j] = Some(r);
        }
    }
    clients
        .into_iter()
        .zip(rows)
        .enumerate()
        .map(|(side, (client, rows))| {
            let missing = || SideError {
                side,
                error: PgError::Query {
                    what: "reading the catalog".into(),
                    message: "a query was not run".into(),
                },
            };
            Ok(Read {
                client: client.ok_or_else(missing)?,
                rows: rows
                    .into_iter()
                    .map(|r| r.ok_or_else(missing))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}
