//! A bounded, ordered parallel map: one producer → N worker threads → one consumer that
//! receives results in submission order.
//!
//! Memory is bounded by `depth`: the producer blocks once `depth` results are waiting for
//! the consumer, so at most `depth + 2` items (each up to a 4 MiB chunk plus its compressed
//! copy) are alive at any time, whatever the size of the data. Ordering comes from a queue of
//! one-shot receivers: the consumer awaits them in the order they were submitted, while the
//! workers finish in any order.
//!
//! Shutdown is by disconnection: dropping the consumer makes `submit` fail, dropping the
//! producer ends the workers and lets the consumer drain to `None`.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::error::{EngineError, EngineResult};

type Job<I, O> = (I, oneshot::Sender<O>);

/// The producer side.
pub(crate) struct Feeder<I, O> {
    jobs: std_mpsc::Sender<Job<I, O>>,
    order: mpsc::Sender<oneshot::Receiver<O>>,
}

/// The consumer side.
pub(crate) struct Drain<O> {
    order: mpsc::Receiver<oneshot::Receiver<O>>,
}

/// The consumer went away (failed or cancelled); the producer should stop.
#[derive(Debug)]
pub(crate) struct Closed;

/// Number of worker threads: one per core.
pub(crate) fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Threads of a backup's or a restore's pipeline: twice the cores, because each of them
/// also waits for the device (a backup's workers open and read small files, a restore's
/// write directly) and its core would idle meanwhile. On the bench's 2 cores and cold
/// cache, 4 threads against 2: backup of the real tree 4.3 s against 6.2 s, restore of
/// the mixed set 1.3 s against 2.0 s.
pub(crate) fn pipeline_threads() -> usize {
    default_workers() * 2
}

/// Compression and hashing yield the CPU to the daemon's request handling: with every core
/// busy compressing, `db_backup_progress` and other calls would wait for a time slice
/// (design 8 wants progress p99 < 5 ms). `SCHED_IDLE` rather than a niceness: the kernel's
/// EEVDF scheduler lets a running nice-10 or nice-19 thread finish its slice before a woken
/// request thread gets the core, while any woken normal thread preempts an idle-class one
/// at once. Progress p99 during a backup with 16 pollers (`bench --only progress --data
/// mixed`, two runs each): nice 10 7.8-8.7 ms, nice 19 7.4-9.0 ms, `SCHED_IDLE`
/// 5.7-6.0 ms. Under contention an idle-class thread gets a weight of 3 against a nice-0
/// thread's 1024 (nice 19 has 15), so on a machine kept busy by other work a backup slows
/// to a crawl rather than slowing that work; on an idle machine it gets every core.
/// Failure is harmless: the thread keeps its policy.
pub(crate) fn lower_priority() {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let _ = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Min,
        idle,
    );
}

/// Starts `workers` threads named `name-<i>`; each builds its own work function with
/// `make_worker` (so it can own a compression context).
pub(crate) fn start<I, O, W, M>(
    name: &str,
    workers: usize,
    depth: usize,
    make_worker: M,
) -> EngineResult<(Feeder<I, O>, Drain<O>)>
where
    I: Send + 'static,
    O: Send + 'static,
    W: FnMut(I) -> O,
    M: Fn() -> W + Send + Sync + 'static,
{
    let (jobs_tx, jobs_rx) = std_mpsc::channel::<Job<I, O>>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let make_worker = Arc::new(make_worker);
    for i in 0..workers.max(1) {
        let jobs_rx = Arc::clone(&jobs_rx);
        let make_worker = Arc::clone(&make_worker);
        std::thread::Builder::new()
            .name(format!("{name}-{i}"))
            .spawn(move || {
                lower_priority();
                let mut work = make_worker();
                loop {
                    // Hold the lock only to take a job, never while working on it.
                    let job = match jobs_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return, // another worker panicked
                    };
                    let Ok((item, reply)) = job else { return };
                    // The consumer may be gone (cancel); the result is then dropped.
                    let _ = reply.send(work(item));
                }
            })
            .map_err(|e| EngineError::Internal(format!("cannot start worker thread: {e}")))?;
    }
    let (order_tx, order_rx) = mpsc::channel(depth.max(1));
    Ok((
        Feeder {
            jobs: jobs_tx,
            order: order_tx,
        },
        Drain { order: order_rx },
    ))
}

impl<I, O> Feeder<I, O> {
    /// Queues `item` for a worker; waits while `depth` results are pending (async side).
    pub(crate) async fn submit(&self, item: I) -> Result<(), Closed> {
        let permit = self.order.reserve().await.map_err(|_| Closed)?;
        let (tx, rx) = oneshot::channel();
        self.jobs.send((item, tx)).map_err(|_| Closed)?;
        permit.send(rx);
        Ok(())
    }

    /// Like [`submit`](Self::submit), from a blocking thread.
    pub(crate) fn blocking_submit(&self, item: I) -> Result<(), Closed> {
        let (tx, rx) = oneshot::channel();
        self.jobs.send((item, tx)).map_err(|_| Closed)?;
        self.order.blocking_send(rx).map_err(|_| Closed)
    }

    /// Passes an already-computed result through in order (markers such as "file
    /// starts"), without a worker round trip; from a blocking thread.
    pub(crate) fn blocking_pass(&self, out: O) -> Result<(), Closed> {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(out);
        self.order.blocking_send(rx).map_err(|_| Closed)
    }

    /// Like [`blocking_pass`](Self::blocking_pass), async side.
    pub(crate) async fn pass(&self, out: O) -> Result<(), Closed> {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(out);
        self.order.send(rx).await.map_err(|_| Closed)
    }
}

impl<O> Drain<O> {
    /// The next result in submission order; `None` once the producer is done.
    pub(crate) async fn next(&mut self) -> EngineResult<Option<O>> {
        match self.order.recv().await {
            None => Ok(None),
            Some(rx) => rx.await.map(Some).map_err(|_| lost()),
        }
    }

    /// Like [`next`](Self::next), from a blocking thread.
    pub(crate) fn blocking_next(&mut self) -> EngineResult<Option<O>> {
        match self.order.blocking_recv() {
            None => Ok(None),
            Some(rx) => rx.blocking_recv().map(Some).map_err(|_| lost()),
        }
    }
}

fn lost() -> EngineError {
    EngineError::Internal("a worker thread stopped without a result (panic?)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn workers_run_in_the_idle_scheduling_class() {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
        let (feeder, mut drain) = start("t", 1, 1, || {
            |_: ()| thread_priority::thread_schedule_policy().ok()
        })
        .unwrap();
        tokio::task::spawn_blocking(move || feeder.blocking_submit(()))
            .await
            .unwrap()
            .unwrap();
        let policy = drain.next().await.unwrap().unwrap();
        assert_eq!(
            policy,
            Some(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Idle
            ))
        );
    }

    #[tokio::test]
    async fn results_come_back_in_submission_order() {
        let (feeder, mut drain) = start("t", 3, 4, || {
            |x: u64| {
                std::thread::sleep(std::time::Duration::from_millis((x * 7) % 5));
                x * 2
            }
        })
        .unwrap();
        let producer = tokio::task::spawn_blocking(move || {
            for x in 0..50 {
                feeder.blocking_submit(x).unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(v) = drain.next().await.unwrap() {
            got.push(v);
        }
        producer.await.unwrap();
        assert_eq!(got, (0..50).map(|x| x * 2).collect::<Vec<_>>());
    }
}
