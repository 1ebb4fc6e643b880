//! The daemon's tokio runtime. Its threads answer requests; the engine's compression,
//! reader and restore threads run apart from it in the idle scheduling class
//! (`SCHED_IDLE`, `storage::engine::pipeline::lower_priority`).
//! Where the daemon may (root, or `CAP_SYS_NICE`), the runtime's threads run at nice -5 as
//! well, so a `db_backup_progress` poll waits for no time slice even when clients and a
//! backup keep every core busy (design 8: progress p99 < 5 ms). They use little CPU: a
//! request is a few hundred microseconds of work.

use tokio::runtime::{Builder, Runtime};

/// jemalloc for every binary that runs the daemon (`confd`, and `bench`, whose figures must
/// be the shipped daemon's). glibc's malloc gives each thread that allocates an arena of
/// its own, and a backup's or restore's buffers and entries, allocated on one thread and
/// freed on another, leave those arenas fragmented and never returned: peak RSS of a
/// `confd` child (`bench --only rss`, `bench --only growth`) with glibc against jemalloc,
/// 4.29 GB backup 236-261 against 141 MiB; 200,000 small files, backup 247 against
/// 205 MiB, restore 307 against 243 MiB. mimalloc, tried before, took 200-215 MiB on
/// 50,000 files where glibc took 145-251.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
