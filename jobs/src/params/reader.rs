//! [`ParamReader`]: typed access to checked parameters; every error names the parameter.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use serde_json::Value;

use super::describe;
use crate::error::JobError;

/// Checked parameter values, read by a job's `Params::from_params`.
#[derive(Debug, Default)]
pub struct ParamReader {
    pub(super) values: BTreeMap<String, Value>,
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
