//! The daemon's tokio runtime. Its threads answer requests; the engine's compression,
//! reader and restore threads run apart from it in the idle scheduling class
//! (`SCHED_IDLE`, `storage::engine::pipeline::lower_priority`).
//! Where the daemon may (root, or `CAP_SYS_NICE`), the runtime's threads run at nice -5 as
//! well, so a `db_backup_progress` poll waits for no time slice even when clients and a
//! backup keep every core busy (design 8: progress p99 < 5 ms). They use little CPU: a
//! request is a few hundred microseconds of work. Worker and blocking-pool threads are named
//! apart, so `top -H` and the bench's scheduler accounting tell them apart.

use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Name prefix of the runtime's worker threads, which answer requests (`top -H` shows it).
pub const REQUEST_THREAD: &str = "confd-request";

/// Name of the runtime's blocking-pool threads: file I/O of backups and restores, scans,
/// password hashing. They are reniced as the workers are: keeping them at nice 0 made no
/// difference to progress under load (`bench --only progress`, 16 pollers, three runs
/// each: p99 4.40-5.90 ms against 4.36-4.57).
pub const BLOCKING_THREAD: &str = "confd-blocking";

/// A multi-threaded runtime with `worker_threads` workers (default: one per core).
pub fn build(worker_threads: Option<usize>) -> std::io::Result<Runtime> {
    let workers = worker_threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    // tokio starts its workers first, when the runtime is built, and never ends them; every
    // later thread is one of the blocking pool's.
    let named = AtomicUsize::new(0);
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name_fn(move || {
            let n = named.fetch_add(1, Ordering::Relaxed);
            if n < workers {
                format!("{REQUEST_THREAD}-{n}")
            } else {
                BLOCKING_THREAD.to_owned()
            }
        })
        .enable_all()
        .on_thread_start(favour_requests)
        .build()
}

fn favour_requests() {
    // Without the privilege this fails (EACCES) and the thread keeps nice 0: harmless.
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), REQUEST_NICE);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("getpriority")
    }

    #[test]
    fn workers_and_blocking_threads_are_named_apart_and_favoured() {
        let runtime = build(Some(2)).expect("runtime");
        let process_nice = own_nice();
        let on_worker =
            runtime
                .block_on(runtime.spawn(async {
                    (std::thread::current().name().map(str::to_owned), own_nice())
                }))
                .expect("worker task");
        let on_blocking =
            runtime
                .block_on(runtime.spawn_blocking(|| {
                    (std::thread::current().name().map(str::to_owned), own_nice())
                }))
                .expect("blocking task");

        let worker_name = on_worker.0.unwrap_or_default();
        assert!(worker_name.starts_with(REQUEST_THREAD), "{worker_name}");
        assert_eq!(on_blocking.0.as_deref(), Some(BLOCKING_THREAD));
        // Renicing below 0 needs root or CAP_SYS_NICE (CI runs as root).
        if rustix::process::geteuid().is_root() {
            assert_eq!(on_worker.1, REQUEST_NICE);
            assert_eq!(on_blocking.1, REQUEST_NICE);
        } else {
            assert_eq!(on_blocking.1, process_nice);
        }
    }
}
