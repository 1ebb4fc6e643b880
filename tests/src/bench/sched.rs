//! Where a poll's time goes, from the scheduler's own accounting (`/proc/.../schedstat`:
//! nanoseconds on a CPU, and nanoseconds runnable but waiting for one). Printed beside the
//! progress figures, it separates the work a poll costs (the Python client's and the
//! daemon's) from the time either side waited for a core, and how both change when a
//! backup runs.

use anyhow::Context as _;

// The in-process daemon's request threads carry this prefix (`comm` holds 15 bytes:
// "confd-request-0"). The blocking pool and the engine's pipeline threads are named apart,
// so a backup's own work is not counted.
use confd_daemon::runtime::REQUEST_THREAD;

/// CPU and run-queue nanoseconds summed over a set of threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct SchedTotals {
    pub cpu_ns: u64,
    pub wait_ns: u64,
}

impl SchedTotals {
    /// The totals of this process's request threads now.
    pub fn request_threads() -> anyhow::Result<Self> {
        let mut totals = Self::default();
        for task in std::fs::read_dir("/proc/self/task").context("/proc/self/task")? {
            let dir = task?.path();
            // A thread that ended between the listing and the reads is skipped.
            let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
                continue;
            };
            if !comm.trim().starts_with(REQUEST_THREAD) {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(dir.join("schedstat")) else {
                continue;
            };
            let (cpu, wait) = parse(&stat)
                .with_context(|| format!("unexpected {}/schedstat: {stat}", dir.display()))?;
            totals.cpu_ns += cpu;
            totals.wait_ns += wait;
        }
        Ok(totals)
    }

    /// What was added since `before`.
    pub fn since(self, before: Self) -> Self {
        Self {
            cpu_ns: self.cpu_ns.saturating_sub(before.cpu_ns),
            wait_ns: self.wait_ns.saturating_sub(before.wait_ns),
        }
    }

    /// `"CPU 212 us + run-queue wait 140 us"` per one of `count` events.
    pub fn per(self, count: usize) -> String {
        let n = count.max(1) as f64;
        format!(
            "CPU {:.0} us + run-queue wait {:.0} us",
            self.cpu_ns as f64 / n / 1e3,
            self.wait_ns as f64 / n / 1e3
        )
    }
}

/// `(on-CPU ns, run-queue ns)`: the first two fields of a schedstat line.
fn parse(stat: &str) -> Option<(u64, u64)> {
    let mut fields = stat.split_whitespace().map(str::parse::<u64>);
    Some((fields.next()?.ok()?, fields.next()?.ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedstat_line_gives_cpu_and_wait() {
        assert_eq!(
            parse("2233445566 778899 4321\n"),
            Some((2_233_445_566, 778_899))
        );
        assert_eq!(parse("12 x 3"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn this_process_has_request_threads_once_a_runtime_runs() {
        let runtime = confd_daemon::runtime::build(Some(1)).expect("runtime");
        runtime
            .block_on(runtime.spawn(async { tokio::task::yield_now().await }))
            .expect("worker task");
        let totals = SchedTotals::request_threads().expect("schedstat");
        assert!(totals.cpu_ns > 0, "{totals:?}");
    }
}
