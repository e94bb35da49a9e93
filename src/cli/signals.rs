//! SIGINT, SIGTERM and SIGHUP during `schemac diff`.
//!
//! diff creates a shadow database on the user's server, and the default action of these
//! signals kills the process between its `CREATE DATABASE` and `DROP DATABASE`: Ctrl-C
//! sends SIGINT, a cancelled CI job SIGTERM, a closed terminal SIGHUP. On Unix the signals
//! are blocked in every thread and one thread takes them with sigwait(2), so the handler
//! is ordinary code that knows which signal arrived: the library drops the shadow
//! databases ([`schemac::pg::shadow::interrupt`]), the handler says what happened and exits
//! with 128 + the signal number (130, 143, 129), as a shell reports it. A second signal
//! while that runs exits at once; `schemac diff --cleanup` drops what is then left.

use schemac::pg::shadow::Interrupted;
use std::sync::atomic::{AtomicI32, Ordering};

/// The exit code of the signal being handled; 0 while none.
static EXIT_CODE: AtomicI32 = AtomicI32::new(0);

/// Starts handling the signals. Call before any other thread is started (on Unix the
/// signal mask is inherited by threads started afterwards).
#[cfg(unix)]
pub fn install() {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    if set.thread_block().is_err() {
        return;
    }
    let waiter = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            let Ok(sig) = set.wait() else { continue };
            let code = 128 + sig as i32;
            let name = sig.as_str();
            if EXIT_CODE
                .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                // Cleanup in its own thread, so that a second signal is still taken.
                let started = std::thread::Builder::new()
                    .name("interrupt".into())
                    .spawn(move || handle(name, code));
                if started.is_err() {
                    handle(name, code);
                }
            } else {
                eprintln!(
                    "schemac: {name} again: exiting without waiting for the shadow database to be dropped (`schemac diff --cleanup` drops it)"
                );
                std::process::exit(code);
            }
        });
    if waiter.is_err() {
        let _ = set.thread_unblock();
    }
}

/// Starts handling Ctrl-C.
#[cfg(not(unix))]
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if EXIT_CODE
            .compare_exchange(0, 130, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            handle("Ctrl-C", 130);
        }
        std::process::exit(130);
    });
}

/// For the main thread before it reports an outcome: while a signal is handled, the
/// handler decides what is printed and the exit code, so the main thread (whose
/// connections the handler may have closed) waits instead of reporting an error.
pub fn settle() {
    if EXIT_CODE.load(Ordering::SeqCst) == 0 {
        return;
    }
    // The handler exits the process; this only bounds a handler that hangs.
    std::thread::sleep(std::time::Duration::from_secs(60));
    std::process::exit(EXIT_CODE.load(Ordering::SeqCst));
}

fn handle(signal: &str, code: i32) -> ! {
    let outcomes = schemac::pg::shadow::interrupt();
    if outcomes.is_empty() {
        eprintln!("schemac: interrupted ({signal}): no shadow database to drop");
    }
    for o in &outcomes {
        match o {
            Interrupted::Dropped { name } => {
                eprintln!("schemac: interrupted ({signal}): dropped shadow database {name}")
            }
            Interrupted::Absent { name } => eprintln!(
                "schemac: interrupted ({signal}): shadow database {name} does not exist (not created, or already dropped)"
            ),
            Interrupted::Failed {
                name,
                server,
                message,
            } => eprintln!(
                "schemac: interrupted ({signal}): could not drop shadow database {name} on {server}: {message}\n  `schemac diff --cleanup` with the same --db/--dev-url drops it"
            ),
        }
    }
    std::process::exit(code)
}
