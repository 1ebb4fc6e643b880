//! The daemon's S3 request counters, `confd_s3_requests_total{request="<kind>"}` on its
//! `/metrics`, read before and after an operation: the counters are per process and only
//! grow, so the difference is what that operation sent (state probes of the volume that
//! happen to fall in between included, as a bill would have them).

use std::process::Command;

use anyhow::{Context as _, bail};
use confd_storage::volume::S3Request;

const PREFIX: &str = "confd_s3_requests_total{request=\"";

/// Requests by kind, in the order of [`S3Request::ALL`].
#[derive(Debug, Clone, Default)]
pub struct Requests(Vec<(String, u64)>);

impl Requests {
    /// The counters now, from `<metrics_url>/metrics`.
    pub fn scrape(metrics_url: &str) -> anyhow::Result<Self> {
        let out = Command::new("curl")
            .args(["-sS", "--fail"])
            .arg(format!("{metrics_url}/metrics"))
            .output()
            .context("running curl")?;
        if !out.status.success() {
            bail!(
                "curl {metrics_url}/metrics failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut counts: Vec<(String, u64)> = text
            .lines()
            .filter_map(|l| {
                let (kind, value) = l.strip_prefix(PREFIX)?.split_once("\"} ")?;
                // Counters are printed as integers or as floats ("12.0").
                let n = value.trim().parse::<f64>().ok()?;
                Some((kind.to_owned(), n as u64))
            })
            .collect();
        if counts.is_empty() {
            bail!("no confd_s3_requests_total counters on {metrics_url}/metrics");
        }
        // `/metrics` lists the kinds in no fixed order; the storage crate's order is.
        let rank = |kind: &str| {
            S3Request::ALL
                .iter()
                .position(|k| k.name() == kind)
                .unwrap_or(usize::MAX)
        };
        counts.sort_by_key(|(kind, _)| rank(kind));
        Ok(Self(counts))
    }

    /// What was sent since `before`.
    pub fn since(&self, before: &Self) -> Self {
        Self(
            self.0
                .iter()
                .map(|(k, n)| (k.clone(), n.saturating_sub(before.get(k))))
                .collect(),
        )
    }

    /// Requests of `kind` (`get`, `list`, `upload_part`, ...).
    pub fn get(&self, kind: &str) -> u64 {
        self.0
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Requests of every kind.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    /// `"per GiB: put 4.7, upload_part 60.1 (in all 69: put 5, upload_part 64; no other kind)"`
    /// for an operation on `bytes` bytes of data; kinds with no request are left out.
    pub fn describe(&self, bytes: u64) -> String {
        let gib = bytes as f64 / f64::from(1u32 << 30);
        let sent: Vec<&(String, u64)> = self.0.iter().filter(|(_, n)| *n > 0).collect();
        let per: Vec<String> = sent
            .iter()
            .map(|(k, n)| format!("{k} {:.1}", *n as f64 / gib.max(1e-9)))
            .collect();
        let all: Vec<String> = sent.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!(
            "per GiB of data: {} (in all {}: {}; no other kind)",
            per.join(", "),
            self.total(),
            all.join(", ")
        )
    }

    /// Whether LISTs grew with the work: `"LIST: 2 requests for 256 chunks (0.008 per
    /// chunk): not per chunk"`, or the opposite when there were a quarter as many as chunks.
    pub fn lists_per_chunk(&self, chunks: u64) -> String {
        let lists = self.get("list");
        let per = lists as f64 / chunks.max(1) as f64;
        let word = if lists * 4 < chunks.max(1) {
            "not per chunk"
        } else {
            "AS MANY AS A QUARTER OF THE CHUNKS OR MORE: listing grows with the data"
        };
        format!("LIST: {lists} requests for {chunks} chunks ({per:.3} per chunk): {word}")
    }
}
