//! [`ParamReader`]: typed access to checked parameters through [`Param<T>`]; every error
//! names the parameter.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Param, ParamSpec, ParamValue};
use crate::error::JobError;

/// Checked parameter values, read by a job's `Params::from_params`.
///
/// It knows the job's parameter list and refuses to read a name outside it, and it
/// remembers which names were read, so the registry tests can prove that a job's list
/// and its parser agree.
#[derive(Debug)]
pub struct ParamReader {
    job: String,
    spec: &'static [ParamSpec],
    values: BTreeMap<String, Value>,
    read: RefCell<BTreeSet<&'static str>>,
}

impl ParamReader {
    pub(super) fn new(
        job: &str,
        spec: &'static [ParamSpec],
        values: BTreeMap<String, Value>,
    ) -> Self {
        ParamReader {
            job: job.to_owned(),
            spec,
            values,
            read: RefCell::default(),
        }
    }

    /// A mandatory parameter.
    pub fn get<T: ParamValue>(&self, p: &Param<T>) -> Result<T, JobError> {
        self.opt(p)?
            .ok_or_else(|| JobError::MissingParameter(p.name().to_owned()))
    }

    /// An optional parameter.
    pub fn opt<T: ParamValue>(&self, p: &Param<T>) -> Result<Option<T>, JobError> {
        self.raw(p)?.map(|v| T::read(p.name(), v)).transpose()
    }

    /// An optional parameter with a default.
    pub fn or<T: ParamValue>(&self, p: &Param<T>, default: T) -> Result<T, JobError> {
        Ok(self.opt(p)?.unwrap_or(default))
    }

    /// A parameter accepted for compatibility with real ConfD and otherwise unused: the
    /// checker has seen its type, nothing more is read.
    pub fn ignore<T>(&self, p: &Param<T>) -> Result<(), JobError> {
        self.raw(p).map(drop)
    }

    /// The checked value as sent, for parameters read in more than one way (an `expire`
    /// that is either seconds or text).
    pub fn raw<T>(&self, p: &Param<T>) -> Result<Option<&Value>, JobError> {
        let name = p.name();
        if !self.spec.iter().any(|s| s.name == name) {
            return Err(JobError::Internal(format!(
                "job '{}' reads parameter '{name}', which its parameter list does not name",
                self.job
            )));
        }
        self.read.borrow_mut().insert(name);
        Ok(self.values.get(name))
    }

    /// True when the parameter was given.
    pub fn has<T>(&self, p: &Param<T>) -> bool {
        self.values.contains_key(p.name())
    }

    /// The names read so far.
    pub fn names_read(&self) -> BTreeSet<&'static str> {
        self.read.borrow().clone()
    }
}
