//! The one list of jobs. Everything that enumerates jobs (`job_list`, `job_help`,
//! `job_desc`, the dispatcher, the tests below) iterates this list.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

use crate::error::JobError;
use crate::job::{self, Caller, Context, Job, JobSpec};
use crate::params::{FromParams, ParamReader};
use crate::services::Services;

type CallFn =
    fn(Arc<Services>, Caller, String, ParamReader) -> BoxFuture<'static, Result<Value, JobError>>;

/// One registered job: its name, its spec and its type-erased entry point.
pub struct Entry {
    /// Wire name.
    pub name: &'static str,
    /// Help metadata and checks.
    pub spec: JobSpec,
    call: CallFn,
}

impl Entry {
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
}

/// All jobs this server runs.
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
    .add::<user_passwd::UserPasswd>()
}

impl Registry {
    fn add<J: Job>(mut self) -> Self {
        self.entries.push(Entry {
            name: J::NAME,
            spec: J::SPEC,
            call: call_job::<J>,
        });
        self
    }

    /// The job called `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Every job, in registration order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Names of all jobs, sorted (what `job_list` returns).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.entries.iter().map(|e| e.name).collect();
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
        let params = J::Params::from_params(&params)?;
        let ctx = Context {
            services: &services,
            caller: &caller,
            job_id: &job_id,
        };
        let output = J::run(&ctx, params).await?;
        serde_json::to_value(output).map_err(|e| {
            JobError::Internal(format!("output of {} is not serialisable: {e}", J::NAME))
        })
    })
}

/// `job_desc`: the spec as a structure.
pub fn describe(entry: &Entry) -> Value {
    let param = |p: &crate::params::ParamSpec| json!({"desc": p.desc, "type": p.ty.python_repr()});
    let (mut mandatory, mut optional, mut substitutes) = (Map::new(), Map::new(), Map::new());
    for p in entry.spec.params {
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
        "name": entry.name,
        "description": entry.spec.description,
        "mandatory": mandatory,
        "optional": optional,
        "substitutes": substitutes,
        "allowed_users": ["root"],
        "allowed_groups": entry.spec.allowed_groups,
    })
}

/// `job_help`: the spec as text, in the shape real ConfD prints (dicts in Python repr).
pub fn help_text(entry: &Entry) -> String {
    let desc = describe(entry);
    format!(
        "Description: {}\n\nMandatory parameters: {}\n\nOptional parameters: {}\n\nSubstitute parameters: {}\n\nAllowed users: {}\n\nAllowed groups: {}\n",
        entry.spec.description,
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
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_are_unique_and_lower_snake_case() {
        let r = registry();
        let names: BTreeSet<_> = r.entries().iter().map(|e| e.name).collect();
        assert_eq!(names.len(), r.entries().len(), "duplicate job name");
        for n in names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
        }
    }

    #[test]
    fn every_job_has_a_module_file_named_like_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/job");
        for e in registry().entries() {
            assert!(
                dir.join(format!("{}.rs", e.name)).is_file(),
                "no src/job/{}.rs",
                e.name
            );
        }
    }

    #[test]
    fn specs_are_complete_and_substitutes_exist() {
        for e in registry().entries() {
            assert!(
                !e.spec.description.is_empty(),
                "{} has no description",
                e.name
            );
            assert!(
                !e.spec.allowed_groups.is_empty(),
                "{} allows nobody",
                e.name
            );
            let mut seen = BTreeSet::new();
            for p in e.spec.params {
                assert!(
                    seen.insert(p.name),
                    "{}: parameter {} twice",
                    e.name,
                    p.name
                );
                assert!(
                    !p.desc.is_empty(),
                    "{}: {} has no description",
                    e.name,
                    p.name
                );
                if let Some(s) = p.substitute {
                    assert!(
                        e.spec.params.iter().any(|q| q.name == s),
                        "{}: substitute {s} of {} is not a parameter",
                        e.name,
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_jobs_of_the_foundation_are_registered() {
        let r = registry();
        for name in [
            "db_list",
            "db_info",
            "db_state",
            "db_start",
            "db_stop",
            "db_create",
            "db_delete",
            "st_volume_list",
            "st_volume_info",
            "st_volume_create",
            "st_volume_delete",
            "remote_volume_add",
            "remote_volume_list",
            "remote_volume_list_details",
            "remote_volume_info",
            "remote_volume_state",
            "remote_volume_remove",
            "user_passwd",
            "db_backup_start",
            "db_backup_progress",
            "db_backup_abort",
            "db_backup_list",
            "db_backups_delete",
            "db_backup_delete_unusable",
            "db_backup_change_expiration",
            "db_restore",
        ] {
            assert!(r.get(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn help_text_shows_types_like_python() {
        let r = registry();
        let text = help_text(r.get("db_state").unwrap());
        assert!(
            text.contains("Mandatory parameters: {'db_name': {'desc': "),
            "{text}"
        );
        assert!(text.contains("'type': \"(<class 'str'>,)\""), "{text}");
    }
}
