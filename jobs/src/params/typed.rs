//! [`Param<T>`]: one parameter of one job, written once. Its [`ParamSpec`] is what
//! `job_help` shows and what the checker enforces; its type `T` is what the job reads and
//! what an edge (REST) sends, so the name, the wire type and the Rust type cannot drift.

use std::marker::PhantomData;

use serde_json::Value;

use super::{Example, ParamSpec, ParamType, describe};
use crate::echo::Shown;
use crate::error::JobError;

/// A Rust type a parameter's checked value reads into.
pub trait ParamValue: Sized {
    /// The wire type `job_help` shows and the checker enforces.
    const TYPE: ParamType;
    /// A valid value, for the registry-wide checks (a parameter may give its own).
    const EXAMPLE: Example;
    /// What an edge passes for it; becomes the wire value.
    type Wire: Into<Value>;
    /// Reads a value the checker has already normalised to [`Self::TYPE`]; errors name
    /// the parameter.
    fn read(name: &str, value: &Value) -> Result<Self, JobError>;
}

/// One parameter: its spec and the type it reads into.
pub struct Param<T> {
    /// Name, type, help text, ...
    pub spec: ParamSpec,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Param<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Param<T> {}

impl<T: ParamValue> Param<T> {
    /// A mandatory parameter.
    pub const fn required(name: &'static str, desc: &'static str) -> Self {
        Param {
            spec: ParamSpec {
                name,
                ty: T::TYPE,
                required: true,
                substitute: None,
                desc,
                secret: false,
                example: T::EXAMPLE,
            },
            _type: PhantomData,
        }
    }

    /// An optional parameter.
    pub const fn optional(name: &'static str, desc: &'static str) -> Self {
        let mut p = Self::required(name, desc);
        p.spec.required = false;
        p
    }
}

impl<T> Param<T> {
    /// The same parameter with another help text (shared parameters, job-specific words).
    pub const fn described(mut self, desc: &'static str) -> Self {
        self.spec.desc = desc;
        self
    }

    /// The same parameter, never stored in job records or logs.
    pub const fn secret(mut self) -> Self {
        self.spec.secret = true;
        self
    }

    /// The same parameter with its own example value (for values `T` checks further).
    pub const fn example(mut self, example: Example) -> Self {
        self.spec.example = example;
        self
    }

    /// The same parameter, which `other` may replace (shown under `substitutes`).
    pub const fn or<U>(mut self, other: &Param<U>) -> Self {
        self.spec.substitute = Some(other.spec.name);
        self
    }

    /// Wire name.
    pub const fn name(&self) -> &'static str {
        self.spec.name
    }
}

fn wrong(name: &str, expected: &str, value: &Value) -> JobError {
    JobError::invalid(
        name,
        format!("expected {expected}, got {}", describe(value)),
    )
}

impl ParamValue for String {
    const TYPE: ParamType = ParamType::Str;
    const EXAMPLE: Example = Example::Str("MY_DATABASE");
    type Wire = String;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(wrong(name, "a string", other)),
        }
    }
}

impl ParamValue for i64 {
    const TYPE: ParamType = ParamType::Int;
    const EXAMPLE: Example = Example::Int(1);
    type Wire = i64;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        match value {
            Value::Number(n) if n.is_i64() => {
                n.as_i64().ok_or_else(|| wrong(name, "an integer", value))
            }
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| JobError::invalid(name, format!("'{}' is not an integer", Shown(s)))),
            other => Err(wrong(name, "an integer", other)),
        }
    }
}

impl ParamValue for bool {
    const TYPE: ParamType = ParamType::Bool;
    const EXAMPLE: Example = Example::Bool(true);
    type Wire = bool;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(wrong(name, "a boolean", other)),
        }
    }
}

/// A list of strings (numbers accepted as their text).
impl ParamValue for Vec<String> {
    const TYPE: ParamType = ParamType::List;
    const EXAMPLE: Example = Example::List(&["x"]);
    type Wire = Vec<String>;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        let Value::Array(items) = value else {
            return Err(wrong(name, "a list", value));
        };
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(JobError::invalid(
                    name,
                    format!("list items must be strings, got {}", describe(other)),
                )),
            })
            .collect()
    }
}

/// A string or an integer, read as text (`size: 10G` and `size: 1024` are both sizes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl ParamValue for Text {
    const TYPE: ParamType = ParamType::StrOrInt;
    const EXAMPLE: Example = Example::Str("1");
    /// Either, as the caller has it.
    type Wire = Value;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        String::read(name, value).map(Text)
    }
}
