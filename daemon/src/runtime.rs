//! The daemon's tokio runtime. Its threads answer requests; the engine's compression,
//! reader and restore threads run apart from it in the idle scheduling class
//! (`SCHED_IDLE`, `storage::engine::pipeline::lower_priority`).
//! Where the daemon may (root, or `CAP_SYS_NICE`), the runtime's threads run at nice -5 as
//! well, so a `db_backup_progress` poll waits for no time slice even when clients and a
//! backup keep every core busy (design 8: progress p99 < 5 ms). They use little CPU: a
//! request is a few hundred microseconds of work.

use tokio::runtime::{Builder, Runtime};

/// Niceness of the request-handling threads, where permitted.
const REQUEST_NICE: i32 = -5;

/// A multi-threaded runtime with `worker_threads` workers (default: one per core).
pub fn build(worker_threads: Option<usize>) -> std::io::Result<Runtime> {
    let mut runtime = Builder::new_multi_thread();
    if let Some(threads) = worker_threads {
        runtime.worker_threads(threads);
    }
    runtime
        .enable_all()
        .on_thread_start(favour_requests)
        .build()
}

fn favour_requests() {
    // Without the privilege this fails (EACCES) and the thread keeps nice 0: harmless.
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), REQUEST_NICE);
}
