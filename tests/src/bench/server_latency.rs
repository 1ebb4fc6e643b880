//! The daemon's own view of request latency, from its `/metrics` histogram
//! (`confd_http_request_duration_seconds`): handler time only, without the TLS, the network
//! and the client's own scheduling that a poller's figure includes. Printed beside the
//! pollers' figure, it tells which side a latency tail comes from.

use std::process::Command;

use anyhow::{Context as _, bail};

/// Cumulative counts of the XML-RPC latency histogram: `(upper bound in s, count)`.
#[derive(Debug, Clone, Default)]
pub struct Histogram(Vec<(f64, u64)>);

impl Histogram {
    /// Reads the histogram from the monitoring listener at `metrics_url` (plain HTTP).
    pub fn read(metrics_url: &str) -> anyhow::Result<Self> {
        let out = Command::new("curl")
            .args(["-sf", &format!("{metrics_url}/metrics")])
            .output()
            .context("running curl")?;
        if !out.status.success() {
            bail!("curl {metrics_url}/metrics failed ({})", out.status);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let prefix = "confd_http_request_duration_seconds_bucket{";
        let buckets = text
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .filter(|l| l.contains("listener=\"xmlrpc\""))
            .filter_map(|l| {
                let le = l.split("le=\"").nth(1)?.split('"').next()?;
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                };
                Some((le, l.rsplit(' ').next()?.parse().ok()?))
            })
            .collect();
        Ok(Self(buckets))
    }

    /// The bucket bound (ms) under which `q` of the requests since `before` finished,
    /// and their number.
    pub fn quantile_since(&self, before: &Self, q: f64) -> (f64, u64) {
        let count_at =
            |h: &Self, le: f64| h.0.iter().find(|(b, _)| *b == le).map_or(0, |(_, n)| *n);
        let deltas: Vec<(f64, u64)> = self
            .0
            .iter()
            .map(|(le, n)| (*le, n.saturating_sub(count_at(before, *le))))
            .collect();
        let total = deltas.last().map_or(0, |(_, n)| *n);
        let bound = deltas
            .iter()
            .find(|(_, n)| *n as f64 >= q * total as f64)
            .map_or(f64::INFINITY, |(le, _)| *le);
        (bound * 1e3, total)
    }
}
