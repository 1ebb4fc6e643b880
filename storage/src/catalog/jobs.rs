//! Job records, keyed by big-endian (epoch, seq) so they iterate in call order.

use super::{Catalog, WrapSled, decode, encode};
use crate::error::StorageError;
use crate::records::{JobRecord, JobState};

fn key(epoch: u64, seq: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&epoch.to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

impl Catalog {
    /// Writes (inserts or replaces) a job record.
    pub fn put_job(&self, job: &JobRecord) -> Result<(), StorageError> {
        self.jobs
            .insert(key(job.epoch, job.seq), encode(job))
            .wrap_sled()?;
        Ok(())
    }

    /// The job record with this ID.
    pub fn job(&self, epoch: u64, seq: u64) -> Result<Option<JobRecord>, StorageError> {
        self.jobs
            .get(key(epoch, seq))
            .wrap_sled()?
            .map(|v| decode("jobs", &v))
            .transpose()
    }

    /// Start-up recovery: jobs of earlier epochs that never finished are marked failed,
    /// with the result `set_result` writes into them (result codes are the caller's
    /// vocabulary, not the catalogue's). Returns how many were changed.
    pub fn fail_unfinished_jobs(
        &self,
        current_epoch: u64,
        mut set_result: impl FnMut(&mut JobRecord),
    ) -> Result<usize, StorageError> {
        let mut changed = 0;
        for entry in self.jobs.range(..key(current_epoch, 0)) {
            let (k, v) = entry.wrap_sled()?;
            let mut job: JobRecord = decode("jobs", &v)?;
            if matches!(job.state, JobState::Submitted | JobState::Executed) {
                job.state = JobState::Failed;
                set_result(&mut job);
                self.jobs.insert(k, encode(&job)).wrap_sled()?;
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Deletes job records submitted before `cutoff_ms`. Returns how many were removed.
    pub fn prune_jobs(&self, cutoff_ms: i64) -> Result<usize, StorageError> {
        let mut removed = 0;
        for entry in self.jobs.iter() {
            let (k, v) = entry.wrap_sled()?;
            let job: JobRecord = decode("jobs", &v)?;
            if job.submitted_ms < cutoff_ms {
                self.jobs.remove(k).wrap_sled()?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(epoch: u64, seq: u64, state: JobState, submitted_ms: i64) -> JobRecord {
        JobRecord {
            epoch,
            seq,
            name: "db_list".into(),
            user: "admin".into(),
            params: serde_json::json!({}),
            state,
            result_code: None,
            result_name: None,
            result_desc: None,
            output: None,
            revision: None,
            submitted_ms,
            finished_ms: None,
        }
    }

    #[test]
    fn unfinished_jobs_of_earlier_epochs_become_failed() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.put_job(&job(1, 1, JobState::Executed, 0)).unwrap();
        c.put_job(&job(1, 2, JobState::Finished, 0)).unwrap();
        c.put_job(&job(2, 1, JobState::Executed, 0)).unwrap();
        let failed = c
            .fail_unfinished_jobs(2, |job| job.finished_ms = Some(5))
            .unwrap();
        assert_eq!(failed, 1);
        let interrupted = c.job(1, 1).unwrap().unwrap();
        assert_eq!(interrupted.state, JobState::Failed);
        assert_eq!(interrupted.finished_ms, Some(5));
        assert_eq!(c.job(1, 2).unwrap().unwrap().state, JobState::Finished);
        assert_eq!(c.job(2, 1).unwrap().unwrap().state, JobState::Executed);
    }

    #[test]
    fn pruning_keeps_recent_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.put_job(&job(1, 1, JobState::Finished, 100)).unwrap();
        c.put_job(&job(1, 2, JobState::Finished, 300)).unwrap();
        assert_eq!(c.prune_jobs(200).unwrap(), 1);
        assert!(c.job(1, 1).unwrap().is_none());
        assert!(c.job(1, 2).unwrap().is_some());
    }
}
