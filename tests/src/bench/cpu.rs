//! CPU seconds spent by a figure, from `/proc/self/stat`: the bench process itself (which
//! runs the in-process daemon, so its time is ours) and its waited-for children (the
//! reference pipelines; the Python clients are children too, so figures that compare CPU
//! only ever read one side from each).

use anyhow::Context as _;

/// The kernel reports these in USER_HZ ticks, 100 on x86 and ARM (`getconf CLK_TCK`);
/// reading it through sysconf would need a libc dependency for one constant.
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds so far: (own user, own system, children's user, children's system).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes([f64; 4]);

impl CpuTimes {
    /// The times now.
    pub fn now() -> anyhow::Result<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").context("/proc/self/stat")?;
        // The command name may hold spaces and parentheses; the fields follow its last ')'.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .context("no ')' in /proc/self/stat")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let mut out = [0.0; 4];
        // utime, stime, cutime, cstime are fields 14-17; `rest` starts at field 3.
        for (slot, field) in out.iter_mut().zip(fields.iter().skip(11)) {
            *slot = field
                .parse::<f64>()
                .with_context(|| format!("field '{field}' of /proc/self/stat"))?
                / TICKS_PER_SEC;
        }
        Ok(Self(out))
    }

    /// Runs `f` and returns its result with the CPU time it took.
    pub fn measure<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Spent)> {
        let before = Self::now()?;
        let value = f()?;
        let after = Self::now()?;
        let d: Vec<f64> = after.0.iter().zip(before.0).map(|(a, b)| a - b).collect();
        Ok((
            value,
            Spent {
                own: (d[0], d[1]),
                children: (d[2], d[3]),
            },
        ))
    }
}

/// CPU seconds (user, system) of one measured stretch.
#[derive(Debug, Clone, Copy)]
pub struct Spent {
    /// The bench process: the in-process daemon.
    pub own: (f64, f64),
    /// Children waited for meanwhile: a reference pipeline.
    pub children: (f64, f64),
}

/// `"12.34 s user + 1.23 s sys"`.
pub fn describe((user, sys): (f64, f64)) -> String {
    format!("{user:.2} s user + {sys:.2} s sys")
}
