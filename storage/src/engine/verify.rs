//! `verify`: re-read a committed backup and every backup of its chain and check all the
//! format lets us check, writing nothing anywhere (peers: pgBackRest `verify`, restic
//! `check --read-data`):
//! - each status marker is re-read from the volume (the catalogue's copy stands in for
//!   the manifest hashes when the volume's is damaged or gone);
//! - each manifest against the size and BLAKE3 its status marker records;
//! - each data object's size against its marker, and every chunk in it that a manifest of
//!   the chain refers to against its length and BLAKE3 (after zstd when compressed).
//!
//! Damage is collected, not returned as an error, so one bad chunk does not hide another:
//! the report names the first [`NAMED_DAMAGE`] damaged files and counts the rest. Errors
//! are what stops the check itself (the volume is unreachable, a cancellation).

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::load::{keys_of, load_manifest, load_status};
use super::progress::{Phase, Progress};
use super::verify_chunks::{Plan, check_chunks};
use crate::archive::{BackupKeys, Manifest, StatusMarker, layout};
use crate::volume::{ArchiveVolume, ObjectKey, VolumeError};

/// How many damaged files a report names; the rest are counted.
pub const NAMED_DAMAGE: usize = 20;

/// One damaged file of a node, or one damaged object of the backup format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// `node_<k>/<path inside the node>` of a damaged file; `None` for an object.
    pub file: Option<String>,
    /// The object holding the damage (`<db>/id_<bid>/level_<n>/node_<k>/backup_<ts>`).
    pub object: String,
    /// What is wrong, for logs.
    pub detail: String,
}

impl Damage {
    pub(crate) fn object(object: impl fmt::Display, detail: impl Into<String>) -> Self {
        Damage {
            file: None,
            object: object.to_string(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file} in {}", self.object),
            None => write!(f, "{} ({})", self.object, self.detail),
        }
    }
}

/// Outcome of a verify that ran to its end (damage found or not).
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// The first [`NAMED_DAMAGE`] damaged files and objects, in the order found.
    pub named: Vec<Damage>,
    /// How many damaged files and objects there are in all.
    pub damaged: u64,
    /// Backups checked (the chain).
    pub backups: usize,
    /// Chunks read and checked.
    pub chunks: u64,
    /// Raw bytes those chunks hold.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl VerifyReport {
    /// True when nothing is damaged.
    pub fn intact(&self) -> bool {
        self.damaged == 0
    }

    /// `2 damaged files: node_0/a in <object>, <object> (missing)`, with `... and N more`
    /// past the named ones; `None` when intact.
    pub fn summary(&self) -> Option<String> {
        if self.intact() {
            return None;
        }
        let mut text = format!(
            "{} damaged file{}: ",
            self.damaged,
            if self.damaged == 1 { "" } else { "s" }
        );
        let named: Vec<String> = self.named.iter().map(ToString::to_string).collect();
        text.push_str(&named.join(", "));
        let rest = self.damaged.saturating_sub(self.named.len() as u64);
        if rest > 0 {
            text.push_str(&format!(", ... and {rest} more"));
        }
        Some(text)
    }

    pub(crate) fn add(&mut self, damage: Damage) {
        tracing::warn!(
            object = damage.object,
            file = damage.file,
            "verify: {}",
            damage.detail
        );
        if self.named.len() < NAMED_DAMAGE {
            self.named.push(damage);
        }
        self.damaged += 1;
    }

    /// Adds what a part of the check found (already logged there).
    pub(crate) fn absorb(&mut self, part: VerifyReport) {
        let room = NAMED_DAMAGE.saturating_sub(self.named.len());
        self.named.extend(part.named.into_iter().take(room));
        self.damaged += part.damaged;
        self.chunks += part.chunks;
        self.bytes += part.bytes;
    }
}

/// One backup of the chain as read back: the marker used, its keys, and each node's
/// manifest (`None` where it is damaged).
pub(crate) struct Loaded {
    pub marker: StatusMarker,
    pub keys: BackupKeys,
    pub manifests: Vec<Option<Manifest>>,
}

/// Verifies the newest backup of `chain` (level 0 first, the catalogue's markers) and
/// every backup it builds on. Never writes to the volume or to any database.
pub async fn verify(
    volume: &dyn ArchiveVolume,
    chain: &[StatusMarker],
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<VerifyReport> {
    let started = Instant::now();
    check_chain(chain)?;
    progress.set_phase(Phase::Read).await;
    let mut report = VerifyReport {
        backups: chain.len(),
        ..VerifyReport::default()
    };
    let mut loaded = Vec::with_capacity(chain.len());
    for catalogued in chain {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        loaded.push(read_back(volume, catalogued, &mut report).await?);
    }
    let plan = Plan::build(&loaded, &mut report)?;
    check_sizes(volume, &loaded, &mut report).await?;
    progress.set_totals(plan.bytes(), 0);
    progress.set_phase(Phase::Verify).await;
    check_chunks(volume, Arc::new(plan), progress, cancel, &mut report).await?;
    progress.finish().await;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn check_chain(chain: &[StatusMarker]) -> EngineResult<()> {
    let Some(top) = chain.last() else {
        return Err(EngineError::Invalid(
            "verify needs at least one backup".into(),
        ));
    };
    for (i, m) in chain.iter().enumerate() {
        let expected_base = i.checked_sub(1).map(|j| chain[j].backup_ref());
        if usize::from(m.level) != i || m.base != expected_base || m.db != top.db {
            return Err(EngineError::MissingBase {
                detail: format!(
                    "the chain of {} is incomplete at level {i}",
                    layout::backup_dir(&top.db, top.bid, top.level)
                ),
            });
        }
    }
    Ok(())
}

/// A failure to read an object that means the object is damaged (as opposed to the
/// volume failing): recorded, and the check goes on without it.
fn damage_of(e: EngineError, key: &ObjectKey) -> EngineResult<Damage> {
    match e {
        EngineError::Corrupt { detail, .. } => Ok(Damage::object(key, detail)),
        EngineError::Volume(VolumeError::NotFound { .. }) => Ok(Damage::object(key, "missing")),
        other => Err(other),
    }
}

/// Re-reads the status marker and the manifests of one backup of the chain.
async fn read_back(
    volume: &dyn ArchiveVolume,
    catalogued: &StatusMarker,
    report: &mut VerifyReport,
) -> EngineResult<Loaded> {
    let c = catalogued;
    let keys = keys_of(c)?;
    let marker = match load_status(volume, &c.db, c.bid, c.level, &c.ts).await {
        Ok(m) => m,
        Err(e) => {
            report.add(damage_of(e, &keys.status()?)?);
            c.clone()
        }
    };
    let mut manifests = Vec::with_capacity(marker.nodes);
    for node in 0..marker.nodes {
        match load_manifest(volume, &marker, node).await {
            Ok(m) => manifests.push(Some(m)),
            Err(e) => {
                report.add(damage_of(e, &keys.manifest(node)?)?);
                manifests.push(None);
            }
        }
    }
    Ok(Loaded {
        marker,
        keys,
        manifests,
    })
}

/// Each data object must have the size its status marker recorded: this also catches
/// damage in bytes no manifest refers to (a truncated or overwritten tail).
async fn check_sizes(
    volume: &dyn ArchiveVolume,
    loaded: &[Loaded],
    report: &mut VerifyReport,
) -> EngineResult<()> {
    let mut seen = HashSet::new();
    for b in loaded {
        for info in &b.marker.manifests {
            let key = b.keys.data(info.node)?;
            if !seen.insert(key.clone()) {
                continue;
            }
            match volume.head(&key).await?.map(|o| o.size) {
                None => report.add(Damage::object(&key, "missing")),
                Some(size) if size != info.data_size => report.add(Damage::object(
                    &key,
                    format!("is {size} bytes, its status marker says {}", info.data_size),
                )),
                Some(_) => {}
            }
        }
    }
    Ok(())
}
