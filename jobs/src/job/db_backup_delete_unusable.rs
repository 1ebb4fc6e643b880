//! `db_backup_delete_unusable`: delete every backup of a database whose chain is broken
//! (e.g. a level 1 whose level 0 was deleted).

use crate::chain;
use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec};
use crate::params::DbNameParam;

use super::backup_lookup;

/// The `db_backup_delete_unusable` job.
pub struct DbBackupDeleteUnusable;

impl Job for DbBackupDeleteUnusable {
    const NAME: &'static str = "db_backup_delete_unusable";
    type Params = DbNameParam;
    type Output = Vec<String>;

    const SPEC: JobSpec = JobSpec {
        description: "Delete all unusable backups of a database (incrementals whose base is gone). Returns the IDs deleted.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<Vec<String>, JobError> {
        ctx.services.database(&p.db_name)?;
        let all = ctx.services.catalog.backups()?;
        let usable = chain::usable(&all);
        let mut deleted = Vec::new();
        // Highest level first, so a crash midway never leaves a dependant without its base
        // that was not already unusable.
        let mut unusable: Vec<_> = all
            .iter()
            .filter(|b| b.marker.db == p.db_name && !usable.contains(&chain::key(b)))
            .collect();
        unusable.sort_by_key(|b| std::cmp::Reverse(b.marker.level));
        for b in unusable {
            let Some(volume) = ctx.services.catalog.volume(b.volume_id)? else {
                continue;
            };
            // Another job deleting it already is not a failure of this one.
            let Ok(_claim) = backup_lookup::claim(ctx.services, &[b]) else {
                continue;
            };
            backup_lookup::delete(ctx.services, b, &volume).await?;
            deleted.push(crate::backup_id::id(b.volume_id, &b.marker));
        }
        Ok(deleted)
    }
}
