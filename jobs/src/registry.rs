//! The one list of jobs. Everything that enumerates jobs (`job_list`, `job_help`,
//! `job_desc`, the dispatcher, the tests below) iterates this list.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

use crate::error::JobError;
use crate::job::{self, Caller, Context, Job, JobSpec};
use crate::params::{FromParams, ParamReader, ParamSpec};
use crate::services::Services;

pub(crate) type CallFn =
    fn(Arc<Services>, Caller, String, ParamReader) -> BoxFuture<'static, Result<Value, JobError>>;

/// What the dispatcher needs to know of a job before it runs it.
#[derive(Debug, Clone, Copy)]
pub struct JobMeta {
    /// Wire name.
    pub name: &'static str,
    /// Help metadata and checks.
    pub spec: JobSpec,
    /// Parameters, from the job's `Params` type.
    pub params: &'static [ParamSpec],
}

impl JobMeta {
    /// The facts of job `J`.
    pub fn of<J: Job>() -> Self {
        JobMeta {
            name: J::NAME,
            spec: J::SPEC,
            params: <J::Params as FromParams>::PARAMS,
        }
    }
}

/// One registered job: its facts and its type-erased entry points.
pub struct Entry {
    /// Name, spec, parameters.
    pub meta: JobMeta,
    call: CallFn,
    parse: fn(&ParamReader) -> Result<(), JobError>,
}

impl Entry {
    /// Wire name.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }

    /// Runs the job with checked parameters. `Value::Null` means "no output".
    pub fn call(
        &self,
        services: Arc<Services>,
        caller: Caller,
        job_id: String,
        params: ParamReader,
    ) -> BoxFuture<'static, Result<Value, JobError>> {
        (self.call)(services, caller, job_id, params)
    }

    pub(crate) fn call_fn(&self) -> CallFn {
        self.call
    }

    /// Reads checked parameters into the job's `Params` without running it.
    pub fn parse(&self, params: &ParamReader) -> Result<(), JobError> {
        (self.parse)(params)
    }
}

/// All jobs this server runs.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

/// The registry: adding a job is one line here.
pub fn registry() -> Registry {
    use job::*;
    Registry {
        entries: Vec::new(),
    }
    .add::<db_list::DbList>()
    .add::<db_info::DbInfo>()
    .add::<db_state::DbState>()
    .add::<db_start::DbStart>()
    .add::<db_stop::DbStop>()
    .add::<db_create::DbCreate>()
    .add::<db_delete::DbDelete>()
    .add::<st_volume_list::StVolumeList>()
    .add::<st_volume_info::StVolumeInfo>()
    .add::<st_volume_create::StVolumeCreate>()
    .add::<st_volume_delete::StVolumeDelete>()
    .add::<remote_volume_add::RemoteVolumeAdd>()
    .add::<remote_volume_list::RemoteVolumeList>()
    .add::<remote_volume_list_details::RemoteVolumeListDetails>()
    .add::<remote_volume_info::RemoteVolumeInfo>()
    .add::<remote_volume_state::RemoteVolumeState>()
    .add::<remote_volume_remove::RemoteVolumeRemove>()
    .add::<db_backup_start::DbBackupStart>()
    .add::<db_backup_progress::DbBackupProgress>()
    .add::<db_backup_abort::DbBackupAbort>()
    .add::<db_backup_list::DbBackupList>()
    .add::<db_backups_delete::DbBackupsDelete>()
    .add::<db_backup_delete_unusable::DbBackupDeleteUnusable>()
    .add::<db_backup_change_expiration::DbBackupChangeExpiration>()
    .add::<db_restore::DbRestore>()
    .add::<db_backup_verify::DbBackupVerify>()
    .add::<db_backup_add_schedule::DbBackupAddSchedule>()
    .add::<db_backup_modify_schedule::DbBackupModifySchedule>()
    .add::<db_backup_remove_schedule::DbBackupRemoveSchedule>()
    .add::<user_passwd::UserPasswd>()
    .add::<group_list::GroupList>()
    .add::<user_create::UserCreate>()
    .add::<user_delete::UserDelete>()
    .add::<user_info::UserInfo>()
    .add::<user_list::UserList>()
    .add::<user_modify::UserModify>()
    .add::<cert_update::CertUpdate>()
}

impl Registry {
    pub(crate) fn add<J: Job>(mut self) -> Self {
        self.entries.push(Entry {
            meta: JobMeta::of::<J>(),
            call: call_job::<J>,
            parse: |p| J::Params::from_params(p).map(drop),
        });
        self
    }

    /// The job called `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.meta.name == name)
    }

    /// Every job, in registration order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Names of all jobs, sorted (what `job_list` returns).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.entries.iter().map(Entry::name).collect();
        names.sort_unstable();
        names
    }
}

fn call_job<J: Job>(
    services: Arc<Services>,
    caller: Caller,
    job_id: String,
    params: ParamReader,
) -> BoxFuture<'static, Result<Value, JobError>> {
    Box::pin(async move {
        let output = run_typed::<J>(services, caller, job_id, params).await?;
        wire_output::<J>(&output)
    })
}

/// Reads the parameters of `J` and runs it.
pub async fn run_typed<J: Job>(
    services: Arc<Services>,
    caller: Caller,
    job_id: String,
    params: ParamReader,
) -> Result<J::Output, JobError> {
    let params = J::Params::from_params(&params)?;
    let ctx = Context {
        services: &services,
        caller: &caller,
        job_id: &job_id,
    };
    J::run(&ctx, params).await
}

/// The output of `J` as the wire (XML-RPC, job records) carries it.
pub fn wire_output<J: Job>(output: &J::Output) -> Result<Value, JobError> {
    serde_json::to_value(output)
        .map_err(|e| JobError::Internal(format!("output of {} is not serialisable: {e}", J::NAME)))
}

/// `job_desc`: the spec as a structure.
pub fn describe(entry: &Entry) -> Value {
    let param = |p: &crate::params::ParamSpec| json!({"desc": p.desc, "type": p.ty.python_repr()});
    let (mut mandatory, mut optional, mut substitutes) = (Map::new(), Map::new(), Map::new());
    for p in entry.meta.params {
        if p.required {
            mandatory.insert(p.name.into(), param(p));
        } else {
            optional.insert(p.name.into(), param(p));
        }
        if let Some(s) = p.substitute {
            substitutes.insert(p.name.into(), json!([s]));
        }
    }
    json!({
        "name": entry.meta.name,
        "description": entry.meta.spec.description,
        "mandatory": mandatory,
        "optional": optional,
        "substitutes": substitutes,
        "allowed_users": ["root"],
        "allowed_groups": entry.meta.spec.allowed_groups,
    })
}

/// `job_help`: the spec as text, in the shape real ConfD prints (dicts in Python repr).
pub fn help_text(entry: &Entry) -> String {
    let desc = describe(entry);
    format!(
        "Description: {}\n\nMandatory parameters: {}\n\nOptional parameters: {}\n\nSubstitute parameters: {}\n\nAllowed users: {}\n\nAllowed groups: {}\n",
        entry.meta.spec.description,
        python_repr(&desc["mandatory"]),
        python_repr(&desc["optional"]),
        python_repr(&desc["substitutes"]),
        python_repr(&desc["allowed_users"]),
        python_repr(&desc["allowed_groups"]),
    )
}

/// Python `repr()` of a JSON value (strings with `"` when they contain `'`, as Python does).
pub fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\'') && !s.contains('"') => format!("\"{s}\""),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    python_repr(&Value::String(k.clone())),
                    python_repr(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests;
