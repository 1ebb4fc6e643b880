//! The backup/restore engine: plain async functions over an [`ArchiveVolume`], knowing
//! nothing of ConfD jobs, XML-RPC or the catalogue (rustic_core's split).
//!
//! - [`backup`] writes a full or incremental backup of a set of node directories.
//! - [`restore`] makes node directories byte-for-byte equal to a backup of a chain.
//! - [`verify`] re-reads a backup and its chain and checks every hash; writes nothing.
//! - [`scan`], [`remove_uncommitted`], [`delete_backup`]: start-up recovery and deletion.
//! - [`survey`], [`check_backup`]: what a volume holds, checked before an import.
//! - [`claim_bid`], [`claimed_by_others`]: bids on volumes shared by several daemons.
//! - [`load_status`], [`load_manifests`], [`load_chain`], [`BaseBackup::load`]: reading
//!   committed backups back (for incrementals, restores and imports).
//!
//! Callers pass an `Arc<`[`Progress`]`>` they can poll at any time and a
//! `CancellationToken`, checked between chunks. A `Progress` may carry [`EngineHooks`],
//! called at phase changes, per chunk and before the status marker (tests pause there).
//!
//! [`ArchiveVolume`]: crate::volume::ArchiveVolume

mod backup;
mod backup_check;
mod backup_node;
mod backup_plan;
mod backup_read;
mod backup_write;
mod claim;
mod error;
mod load;
mod pipeline;
mod progress;
mod recovery;
mod restore;
mod restore_files;
mod spans;
mod survey;
mod tree;
mod unpack;
mod verify;
mod verify_chunks;

pub use backup::{BackupPlan, BackupSummary, BaseBackup, backup};
pub use claim::{BidClaim, claim_bid, claimed_by_others, highest_bid, highest_bids};
pub use error::{EngineError, EngineResult};
pub use load::{backup_prefix, load_chain, load_manifests, load_status};
pub use progress::{EngineHooks, Phase, Progress, ProgressSnapshot};
pub use recovery::{RecoveryReport, delete_backup, remove_uncommitted, scan};
pub use restore::{RestoreSummary, restore};
pub use survey::{Damaged, Survey, check_backup, survey};
pub use verify::{Damage, NAMED_DAMAGE, VerifyReport, verify};
