//! [`CallParams`]: the parameters an edge other than XML-RPC (REST) sends to a job, built
//! through the job's typed [`Param`]s so no name is spelled twice. They go through the
//! same checker as XML-RPC parameters, so both edges get the same errors.

use std::marker::PhantomData;

use serde_json::{Map, Value};

use super::{Param, ParamValue, VolumeParam};
use crate::job::Job;

/// Parameters of one call of job `J`.
pub struct CallParams<J> {
    values: Map<String, Value>,
    _job: PhantomData<fn() -> J>,
}

impl<J: Job> Default for CallParams<J> {
    fn default() -> Self {
        CallParams {
            values: Map::new(),
            _job: PhantomData,
        }
    }
}

impl<J: Job> CallParams<J> {
    /// No parameters yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `p`.
    pub fn set<T: ParamValue>(mut self, p: &Param<T>, value: impl Into<T::Wire>) -> Self {
        self.values.insert(p.name().to_owned(), value.into().into());
        self
    }

    /// Sets `p` when `value` is present.
    pub fn set_opt<T: ParamValue>(self, p: &Param<T>, value: Option<impl Into<T::Wire>>) -> Self {
        match value {
            Some(v) => self.set(p, v),
            None => self,
        }
    }

    /// Sets a volume pair: the ID when given, else the name (the ID wins, spec 3.4).
    pub fn volume<I: ParamValue>(
        self,
        p: &VolumeParam<I>,
        id: Option<impl Into<I::Wire>>,
        name: Option<String>,
    ) -> Self {
        match id {
            Some(id) => self.set(&p.id, id),
            None => self.set_opt(&p.name, name),
        }
    }

    /// The wire form, as XML-RPC would have sent it.
    pub fn into_value(self) -> Value {
        Value::Object(self.values)
    }
}
