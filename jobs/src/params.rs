//! Parameters: checked once against the job's [`JobSpec`](crate::JobSpec) (unknown names,
//! missing mandatory ones, types with ConfD's loose habits), then read into a typed
//! `Params` struct through [`ParamReader`]. XML-RPC and REST feed the same checker, so a
//! job never sees a raw value.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use serde_json::Value;

use crate::error::JobError;
use crate::job::JobSpec;

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
        Value::String(s) => format!("string '{}'", s.chars().take(64).collect::<String>()),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a struct".into(),
    }
}

/// One parameter of a job's spec.
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
}

impl ParamSpec {
    /// A mandatory parameter.
    pub const fn required(name: &'static str, ty: ParamType, desc: &'static str) -> Self {
        ParamSpec {
            name,
            ty,
            required: true,
            substitute: None,
            desc,
            secret: false,
        }
    }

    /// An optional parameter.
    pub const fn optional(name: &'static str, ty: ParamType, desc: &'static str) -> Self {
        ParamSpec {
            required: false,
            ..ParamSpec::required(name, ty, desc)
        }
    }

    /// The same parameter, which `other` may replace.
    pub const fn or(self, other: &'static str) -> Self {
        ParamSpec {
            substitute: Some(other),
            ..self
        }
    }

    /// The same parameter, marked secret.
    pub const fn secret(self) -> Self {
        ParamSpec {
            secret: true,
            ..self
        }
    }
}

/// Typed parameters of a job, read from checked values.
pub trait FromParams: Sized {
    /// Reads every field; errors name the parameter.
    fn from_params(p: &ParamReader) -> Result<Self, JobError>;
}

/// Parameters of a job that takes none.
pub struct NoParams;

impl FromParams for NoParams {
    fn from_params(_: &ParamReader) -> Result<Self, JobError> {
        Ok(NoParams)
    }
}

/// Checks raw parameters against `spec`: unknown names, types, then mandatory ones.
/// `null` values count as absent (Python clients send `None` for "not given").
pub fn check(
    job: &str,
    spec: &JobSpec,
    raw: BTreeMap<String, Value>,
) -> Result<ParamReader, JobError> {
    let mut values = BTreeMap::new();
    for (name, value) in raw {
        let Some(param) = spec.params.iter().find(|p| p.name == name) else {
            return Err(JobError::UnknownParameter {
                job: job.to_owned(),
                name,
            });
        };
        if !value.is_null() {
            values.insert(name, param.ty.normalize(param.name, value)?);
        }
    }
    for param in spec.params.iter().filter(|p| p.required) {
        let given = values.contains_key(param.name)
            || param.substitute.is_some_and(|s| values.contains_key(s));
        if !given {
            return Err(JobError::MissingParameter(param.name.to_owned()));
        }
    }
    Ok(ParamReader { values })
}

/// Checked parameter values, read by a job's `Params::from_params`.
#[derive(Debug, Default)]
pub struct ParamReader {
    values: BTreeMap<String, Value>,
}

impl ParamReader {
    /// True when the parameter was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The raw (checked) value.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// A mandatory string.
    pub fn str(&self, name: &str) -> Result<String, JobError> {
        self.opt_str(name)?
            .ok_or_else(|| JobError::MissingParameter(name.to_owned()))
    }

    /// An optional string (a `StrOrInt` integer comes back as its decimal text).
    pub fn opt_str(&self, name: &str) -> Result<Option<String>, JobError> {
        Ok(match self.values.get(name) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                return Err(JobError::invalid(
                    name,
                    format!("expected a string, got {}", describe(other)),
                ));
            }
        })
    }

    /// A mandatory integer.
    pub fn int(&self, name: &str) -> Result<i64, JobError> {
        self.opt_int(name)?
            .ok_or_else(|| JobError::MissingParameter(name.to_owned()))
    }

    /// An optional integer (strings of digits accepted).
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, JobError> {
        Ok(match self.values.get(name) {
            None => None,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse()
                    .map_err(|_| JobError::invalid(name, format!("'{s}' is not an integer")))?,
            ),
            Some(other) => {
                return Err(JobError::invalid(
                    name,
                    format!("expected an integer, got {}", describe(other)),
                ));
            }
        })
    }

    /// An optional boolean with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        match self.values.get(name) {
            Some(Value::Bool(b)) => *b,
            _ => default,
        }
    }

    /// An optional list (empty when absent).
    pub fn list(&self, name: &str) -> Vec<Value> {
        match self.values.get(name) {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// An optional list of strings (numbers accepted as text).
    pub fn str_list(&self, name: &str) -> Result<Vec<String>, JobError> {
        self.list(name)
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(JobError::invalid(
                    name,
                    format!("list items must be strings, got {}", describe(&other)),
                )),
            })
            .collect()
    }

    /// A mandatory string parsed with `FromStr`; the parse error becomes the reason.
    pub fn parse<T: FromStr<Err: Display>>(&self, name: &str) -> Result<T, JobError> {
        self.opt_parse(name)?
            .ok_or_else(|| JobError::MissingParameter(name.to_owned()))
    }

    /// An optional string parsed with `FromStr`.
    pub fn opt_parse<T: FromStr<Err: Display>>(&self, name: &str) -> Result<Option<T>, JobError> {
        self.opt_str(name)?
            .map(|s| {
                s.parse::<T>()
                    .map_err(|e| JobError::invalid(name, e.to_string()))
            })
            .transpose()
    }
}

/// A validated object name (database, volume): letters, digits, `_`, `-`, `.`; no `/`,
/// no `..`, not empty, at most 128 characters. Names become directory names, so this is
/// the guard against path traversal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectName(String);

impl ObjectName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ObjectName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if s.is_empty() {
            return Err("the name is empty".into());
        }
        if s.len() > 128 {
            return Err(format!(
                "the name is longer than 128 characters ({})",
                s.len()
            ));
        }
        if s.contains('/') || s.contains("..") || s.contains('\0') || s.starts_with('.') {
            return Err(format!(
                "'{s}' is not a valid name: '/', '..', NUL and a leading '.' are not allowed"
            ));
        }
        if let Some(c) = s.chars().find(|c| !ok_char(*c)) {
            return Err(format!(
                "'{s}' is not a valid name: character {c:?} is not allowed (use letters, digits, '_', '-', '.')"
            ));
        }
        Ok(ObjectName(s.to_owned()))
    }
}

/// A volume given by ID or by name; the ID wins when both are given (spec 3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeRef {
    /// By numeric ID.
    Id(u32),
    /// By name.
    Name(String),
}

impl VolumeRef {
    /// Reads `id_param`, else `name_param`; at least one must be present.
    pub fn read(p: &ParamReader, id_param: &str, name_param: &str) -> Result<Self, JobError> {
        if let Some(id) = p.opt_int(id_param)? {
            let id = u32::try_from(id)
                .map_err(|_| JobError::invalid(id_param, format!("{id} is not a volume ID")))?;
            return Ok(VolumeRef::Id(id));
        }
        match p.opt_str(name_param)? {
            Some(name) => Ok(VolumeRef::Name(name)),
            None => Err(JobError::MissingParameter(id_param.to_owned())),
        }
    }
}

impl Display for VolumeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VolumeRef::Id(id) => write!(f, "with ID {id}"),
            VolumeRef::Name(name) => write!(f, "'{name}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::job::Effect;

    const SPEC: JobSpec = JobSpec {
        description: "test",
        params: &[
            ParamSpec::required("db_name", ParamType::Str, "database"),
            ParamSpec::required("backup_volume_id", ParamType::Int, "id").or("backup_volume_name"),
            ParamSpec::optional("backup_volume_name", ParamType::Str, "name"),
            ParamSpec::optional("force", ParamType::Bool, "force"),
        ],
        allowed_groups: &["exaadm"],
        effect: Effect::ReadOnly,
    };

    fn raw(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unknown_parameter_is_named() {
        let e = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "bogus": 1})),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "Unknown parameter 'bogus' for job 'j'");
    }

    #[test]
    fn missing_parameter_is_named_and_substitute_satisfies_it() {
        let e = check("j", &SPEC, raw(json!({"backup_volume_id": 1}))).unwrap_err();
        assert_eq!(e.to_string(), "Missing mandatory parameter 'db_name'");
        let p = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_name": "r0001"})),
        )
        .unwrap();
        assert_eq!(
            VolumeRef::read(&p, "backup_volume_id", "backup_volume_name").unwrap(),
            VolumeRef::Name("r0001".into())
        );
    }

    #[test]
    fn numeric_strings_are_integers_and_id_wins_over_name() {
        let p = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": "10001", "backup_volume_name": "x"})),
        )
        .unwrap();
        assert_eq!(
            VolumeRef::read(&p, "backup_volume_id", "backup_volume_name").unwrap(),
            VolumeRef::Id(10001)
        );
    }

    #[test]
    fn wrong_types_are_named() {
        let e = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": "ten"})),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid parameter 'backup_volume_id': expected an integer, got string 'ten'"
        );
        let e = check(
            "j",
            &SPEC,
            raw(json!({"db_name": ["A"], "backup_volume_id": 1})),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("Invalid parameter 'db_name'"),
            "{e}"
        );
        let e = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "force": "maybe"})),
        )
        .unwrap_err();
        assert!(e.to_string().contains("'force'"), "{e}");
    }

    #[test]
    fn none_counts_as_absent() {
        let p = check(
            "j",
            &SPEC,
            raw(json!({"db_name": "A", "backup_volume_id": 1, "force": null})),
        )
        .unwrap();
        assert!(!p.has("force"));
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
