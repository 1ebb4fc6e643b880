//! `db_delete`: remove a stopped database. Its data directory is deleted only when confd
//! created it; a `data_path` the user brought is left as it is. Backups stay on their
//! volumes and in the catalogue.

use confd_storage::records::DbState;

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput};
use crate::params::DbNameParam;

/// The `db_delete` job.
pub struct DbDelete;

impl Job for DbDelete {
    const NAME: &'static str = "db_delete";
    type Params = DbNameParam;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Delete a stopped database. Data directories brought with data_path are kept.",
        allowed_groups: &["root", "exaadm"],
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<NoOutput, JobError> {
        let busy = || {
            JobError::Conflict(format!(
                "Database '{}' cannot be deleted while a backup or restore runs",
                p.db_name
            ))
        };
        // Checked and removed under the lock backups and restores start under.
        let db = ctx.services.backups.while_idle(&p.db_name, busy, || {
            let db = ctx.services.database(&p.db_name)?;
            if db.state != DbState::Setup {
                return Err(JobError::WrongState(format!(
                    "Database '{}' is {}; stop it before deleting it",
                    db.name,
                    db.state.as_str()
                )));
            }
            // Catalogue first: a crash after it leaves an orphan directory, never a
            // database whose data is half gone.
            ctx.services.catalog.remove_database(&db.name)?;
            ctx.services.catalog.remove_schedules_of(&db.name)?;
            Ok(db)
        })?;
        ctx.services.catalog.flush().await?;
        if db.owns_data
            && let Err(e) = std::fs::remove_dir_all(&db.data_path)
        {
            tracing::warn!(db = db.name, "removing {}: {e}", db.data_path.display());
        }
        Ok(NoOutput)
    }
}
