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
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::params::{self, Param};

    /// The calls that together use every parameter of a job: all of them with their
    /// examples, the mandatory ones only, and the mandatory ones with each substitute in
    /// place of the parameter it replaces.
    fn calls(spec: &'static [ParamSpec]) -> Vec<Vec<&'static ParamSpec>> {
        let required: Vec<_> = spec.iter().filter(|p| p.required).collect();
        let mut calls = vec![spec.iter().collect(), required.clone()];
        for p in &required {
            if let Some(sub) = p.substitute.and_then(|s| spec.iter().find(|q| q.name == s)) {
                let mut call: Vec<_> = required
                    .iter()
                    .copied()
                    .filter(|q| q.name != p.name)
                    .collect();
                call.push(sub);
                calls.push(call);
            }
        }
        calls
    }

    /// Both directions: every call parses (so the parser reads no name outside the spec,
    /// which the reader refuses), and every name in the spec is read by one of them.
    fn spec_and_parser_agree(
        job: &str,
        spec: &'static [ParamSpec],
        parse: impl Fn(&ParamReader) -> Result<(), JobError>,
    ) -> Result<(), String> {
        let mut read = BTreeSet::new();
        for call in calls(spec) {
            let raw = call
                .iter()
                .map(|p| (p.name.to_owned(), p.example.to_value()))
                .collect();
            let names: Vec<_> = call.iter().map(|p| p.name).collect();
            let reader = params::check(job, spec, raw)
                .map_err(|e| format!("{job} refuses {names:?}: {e}"))?;
            parse(&reader).map_err(|e| format!("{job} cannot read {names:?}: {e}"))?;
            read.extend(reader.names_read());
        }
        let unread: Vec<_> = spec
            .iter()
            .map(|p| p.name)
            .filter(|n| !read.contains(n))
            .collect();
        if unread.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{job} lists {unread:?} but its parser never reads them"
            ))
        }
    }

    #[test]
    fn every_job_reads_exactly_the_parameters_it_lists() {
        for e in registry().entries() {
            spec_and_parser_agree(e.name(), e.meta.params, |p| e.parse(p))
                .unwrap_or_else(|why| panic!("{why}"));
        }
    }

    #[test]
    fn a_listed_parameter_that_is_never_read_is_found() {
        const A: Param<String> = Param::required("a", "read");
        const B: Param<bool> = Param::optional("b", "never read");
        let found = spec_and_parser_agree("j", &[A.spec, B.spec], |p| p.get(&A).map(drop));
        assert_eq!(
            found,
            Err("j lists [\"b\"] but its parser never reads them".into())
        );
    }

    #[test]
    fn a_read_parameter_that_is_not_listed_is_found() {
        const A: Param<String> = Param::required("a", "listed");
        const C: Param<String> = Param::optional("c", "not listed");
        let found = spec_and_parser_agree("j", &[A.spec], |p| p.opt(&C).map(drop));
        assert!(found.is_err_and(|why| why.contains("'c'")));
    }

    #[test]
    fn names_are_unique_and_lower_snake_case() {
        let r = registry();
        let names: BTreeSet<_> = r.entries().iter().map(Entry::name).collect();
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
                dir.join(format!("{}.rs", e.name())).is_file(),
                "no src/job/{}.rs",
                e.name()
            );
        }
    }

    #[test]
    fn specs_are_complete_and_substitutes_exist() {
        for e in registry().entries() {
            let (name, spec, params) = (e.name(), e.meta.spec, e.meta.params);
            assert!(!spec.description.is_empty(), "{name} has no description");
            assert!(!spec.allowed_groups.is_empty(), "{name} allows nobody");
            let mut seen = BTreeSet::new();
            for p in params {
                assert!(seen.insert(p.name), "{name}: parameter {} twice", p.name);
                assert!(!p.desc.is_empty(), "{name}: {} has no description", p.name);
                if let Some(s) = p.substitute {
                    assert!(
                        params.iter().any(|q| q.name == s),
                        "{name}: substitute {s} of {} is not a parameter",
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
