//! Parameters: checked once against the job's [`JobSpec`](crate::JobSpec) (unknown names,
//! missing mandatory ones, types with ConfD's loose habits), then read into a typed
//! `Params` struct through [`ParamReader`]. XML-RPC and REST feed the same checker, so a
//! job never sees a raw value.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::echo::{Shown, shown};
use crate::error::JobError;

mod call;
mod names;
mod reader;
mod typed;
mod values;

pub use call::CallParams;
pub use names::{
    DB_NAME, DbNameParam, ObjectName, VolumeParam, VolumeRef, text_volume_id, volume_id,
};
pub use reader::ParamReader;
pub use typed::{Param, ParamValue, Text};
pub use values::Level;

/// The type of a parameter, as `job_help` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A string; a number is accepted and taken as its decimal text.
    Str,
    /// An integer; a string of digits is accepted (ConfD clients send both).
    Int,
    /// A string or an integer, kept as sent.
    StrOrInt,
    /// A boolean; `true`/`false`/`yes`/`no`/`1`/`0` strings are accepted.
    Bool,
    /// A list.
    List,
}

impl ParamType {
    /// Python's rendering of the type, as real `job_help` prints it.
    pub fn python_repr(self) -> &'static str {
        match self {
            ParamType::Str => "(<class 'str'>,)",
            ParamType::Int => "<class 'int'>",
            ParamType::StrOrInt => "(<class 'str'>, <class 'int'>)",
            ParamType::Bool => "<class 'bool'>",
            ParamType::List => "(<class 'list'>, <class 'tuple'>)",
        }
    }

    fn normalize(self, name: &str, value: Value) -> Result<Value, JobError> {
        let wrong = |expected: &str| {
            JobError::invalid(
                name,
                format!("expected {expected}, got {}", describe(&value)),
            )
        };
        match (self, &value) {
            (ParamType::Str, Value::String(_)) => Ok(value),
            (ParamType::Str, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (ParamType::Str, _) => Err(wrong("a string")),
            (ParamType::Int, Value::Number(n)) if n.is_i64() => Ok(value),
            (ParamType::Int, Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| wrong("an integer")),
            (ParamType::Int, _) => Err(wrong("an integer")),
            (ParamType::StrOrInt, Value::String(_)) => Ok(value),
            (ParamType::StrOrInt, Value::Number(n)) if n.is_i64() => Ok(value),
            (ParamType::StrOrInt, _) => Err(wrong("a string or an integer")),
            (ParamType::Bool, Value::Bool(_)) => Ok(value),
            (ParamType::Bool, Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "0" => Ok(Value::Bool(false)),
                _ => Err(wrong("a boolean")),
            },
            (ParamType::Bool, Value::Number(n)) if n.as_i64() == Some(0) => Ok(Value::Bool(false)),
            (ParamType::Bool, Value::Number(n)) if n.as_i64() == Some(1) => Ok(Value::Bool(true)),
            (ParamType::Bool, _) => Err(wrong("a boolean")),
            (ParamType::List, Value::Array(_)) => Ok(value),
            (ParamType::List, _) => Err(wrong("a list")),
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string '{}'", Shown(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a struct".into(),
    }
}

/// One parameter of a job's spec, as `job_help` shows it and the checker enforces it.
/// Jobs declare parameters as [`Param<T>`], which carries one of these.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Wire name.
    pub name: &'static str,
    /// Type.
    pub ty: ParamType,
    /// Mandatory (possibly satisfied by its substitute).
    pub required: bool,
    /// Another parameter that may be given instead (`backup_volume_id` / `_name`).
    pub substitute: Option<&'static str>,
    /// Help text.
    pub desc: &'static str,
    /// Never stored in job records or logs.
    pub secret: bool,
    /// A valid value, which the registry-wide checks send.
    pub example: Example,
}

/// A valid wire value of a parameter, as a constant.
#[derive(Debug, Clone, Copy)]
pub enum Example {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(&'static [&'static str]),
}

impl Example {
    /// The value as the wire carries it.
    pub fn to_value(self) -> Value {
        match self {
            Example::Str(s) => Value::from(s),
            Example::Int(i) => Value::from(i),
            Example::Bool(b) => Value::from(b),
            Example::List(items) => Value::from(items.to_vec()),
        }
    }
}

/// Typed parameters of a job: the list of its parameters and how they are read. Every
/// name in [`PARAMS`](FromParams::PARAMS) is read by
/// [`from_params`](FromParams::from_params) and nothing else is (the reader refuses names
/// outside the list; the registry tests prove both directions for every job).
pub trait FromParams: Sized {
    /// The parameters, mandatory first, as `job_help` shows them.
    const PARAMS: &'static [ParamSpec];
    /// Reads every field; errors name the parameter.
    fn from_params(p: &ParamReader) -> Result<Self, JobError>;
}

/// Parameters of a job that takes none.
pub struct NoParams;

impl FromParams for NoParams {
    const PARAMS: &'static [ParamSpec] = &[];

    fn from_params(_: &ParamReader) -> Result<Self, JobError> {
        Ok(NoParams)
    }
}

/// Checks raw parameters against `spec`: unknown names, types, then mandatory ones.
/// `null` values count as absent (Python clients send `None` for "not given").
pub fn check(
    job: &str,
    spec: &'static [ParamSpec],
    raw: BTreeMap<String, Value>,
) -> Result<ParamReader, JobError> {
    let mut values = BTreeMap::new();
    for (name, value) in raw {
        let Some(param) = spec.iter().find(|p| p.name == name) else {
            return Err(JobError::UnknownParameter {
                job: job.to_owned(),
                name: shown(&name),
            });
        };
        if !value.is_null() {
            values.insert(name, param.ty.normalize(param.name, value)?);
        }
    }
    for param in spec.iter().filter(|p| p.required) {
        let given = values.contains_key(param.name)
            || param.substitute.is_some_and(|s| values.contains_key(s));
        if !given {
            return Err(JobError::MissingParameter(param.name.to_owned()));
        }
    }
    Ok(ParamReader::new(job, spec, values))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const VOLUME: VolumeParam<i64> = VolumeParam::new(
        Param::required("backup_volume_id", "id"),
        Param::optional("backup_volume_name", "name"),
    );
    const FORCE: Param<bool> = Param::optional("force", "force");
    const SPEC: &[ParamSpec] = &[DB_NAME.spec, VOLUME.id.spec, VOLUME.name.spec, FORCE.spec];

    fn raw(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unknown_parameter_is_named() {
        let e = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "bogus": 1})),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "Unknown parameter 'bogus' for job 'j'");
    }

    #[test]
    fn missing_parameter_is_named_and_substitute_satisfies_it() {
        let e = check("j", SPEC, raw(json!({"backup_volume_id": 1}))).unwrap_err();
        assert_eq!(e.to_string(), "Missing mandatory parameter 'db_name'");
        let p = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_name": "r0001"})),
        )
        .unwrap();
        assert_eq!(VOLUME.read(&p).unwrap(), VolumeRef::Name("r0001".into()));
    }

    #[test]
    fn numeric_strings_are_integers_and_id_wins_over_name() {
        let p = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": "10001", "backup_volume_name": "x"})),
        )
        .unwrap();
        assert_eq!(VOLUME.read(&p).unwrap(), VolumeRef::Id(10001));
    }

    #[test]
    fn wrong_types_are_named() {
        let e = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": "ten"})),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid parameter 'backup_volume_id': expected an integer, got string 'ten'"
        );
        let e = check(
            "j",
            SPEC,
            raw(json!({"db_name": ["A"], "backup_volume_id": 1})),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("Invalid parameter 'db_name'"),
            "{e}"
        );
        let e = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "force": "maybe"})),
        )
        .unwrap_err();
        assert!(e.to_string().contains("'force'"), "{e}");
    }

    #[test]
    fn none_counts_as_absent() {
        let p = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "force": null})),
        )
        .unwrap();
        assert!(!p.has(&FORCE));
        assert!(p.or(&FORCE, false).is_ok_and(|f| !f));
    }

    #[test]
    fn reading_a_parameter_outside_the_list_is_an_internal_error() {
        const OTHER: Param<String> = Param::optional("other", "not in SPEC");
        let p = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1})),
        )
        .unwrap();
        let e = p.opt(&OTHER).unwrap_err();
        assert!(matches!(e, JobError::Internal(_)), "{e}");
        assert!(e.to_string().contains("'other'"), "{e}");
    }

    #[test]
    fn the_reader_remembers_what_was_read() {
        let p = check(
            "j",
            SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1})),
        )
        .unwrap();
        p.get(&DB_NAME).unwrap();
        VOLUME.read(&p).unwrap();
        assert_eq!(
            p.names_read().into_iter().collect::<Vec<_>>(),
            ["backup_volume_id", "db_name"]
        );
    }

    #[test]
    fn names_with_path_parts_are_refused() {
        for bad in ["a/b", "..", "a..b", "", ".hidden", "a b", "x\0"] {
            assert!(bad.parse::<ObjectName>().is_err(), "{bad:?} accepted");
        }
        for good in ["MY_DATABASE", "r0001", "Archive-Volume.1"] {
            assert_eq!(good.parse::<ObjectName>().unwrap().as_str(), good);
        }
    }
}
