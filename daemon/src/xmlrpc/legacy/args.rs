//! The positional arguments of a legacy method, checked against its entry in the table:
//! arity first, then each argument by its reference name, so a fault names the argument
//! as Python's `TypeError` would.

use dxr::{Fault, Value};

use super::table::Method;
use super::zope;

/// Longest string argument taken; names, IDs and dates are far shorter.
const MAX_STRING: usize = 1000;

/// Arguments of one call of `method`.
pub struct Args<'a> {
    method: &'static Method,
    values: &'a [Value],
}

impl<'a> Args<'a> {
    /// Checks the count against the table (`name=default` marks an optional argument).
    pub fn new(method: &'static Method, values: &'a [Value]) -> Result<Self, Fault> {
        let required = method.params.iter().filter(|p| !p.contains('=')).count();
        if values.len() > method.params.len() {
            return Err(zope(
                "TypeError",
                format!(
                    "{}() takes at most {} arguments ({} given)",
                    method.name,
                    method.params.len(),
                    values.len()
                ),
            ));
        }
        if values.len() < required {
            return Err(zope(
                "TypeError",
                format!(
                    "{}() missing required argument '{}'",
                    method.name,
                    param_name(method.params[values.len()])
                ),
            ));
        }
        Ok(Args { method, values })
    }

    /// Argument `i`, if given.
    pub fn get(&self, i: usize) -> Option<&'a Value> {
        self.values.get(i)
    }

    /// The reference name of argument `i`.
    pub fn name(&self, i: usize) -> &'static str {
        self.method.params.get(i).map_or("?", |p| param_name(p))
    }

    /// The fault for argument `i`: `<method>() argument '<name>' <problem>`.
    pub fn bad(&self, i: usize, problem: &str) -> Fault {
        zope(
            "TypeError",
            format!(
                "{}() argument '{}' {problem}",
                self.method.name,
                self.name(i)
            ),
        )
    }

    /// Argument `i` as a string.
    pub fn string(&self, i: usize) -> Result<String, Fault> {
        match self.get(i) {
            Some(Value::String(s)) if s.len() <= MAX_STRING => Ok(s.clone()),
            Some(Value::String(s)) => Err(self.bad(i, &format!("is {} characters long", s.len()))),
            _ => Err(self.bad(i, "must be a string")),
        }
    }

    /// Argument `i` as an integer (also from a string of digits, as Python code passes
    /// IDs either way).
    pub fn int(&self, i: usize) -> Result<i64, Fault> {
        match self.get(i) {
            Some(v) => as_int(v).ok_or_else(|| self.bad(i, "must be an integer")),
            None => Err(self.bad(i, "is missing")),
        }
    }

    /// Argument `i` as a boolean, `default` when not given.
    pub fn flag(&self, i: usize, default: bool) -> Result<bool, Fault> {
        match self.get(i) {
            None => Ok(default),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(Value::Integer(n)) => Ok(*n != 0),
            Some(_) => Err(self.bad(i, "must be True or False")),
        }
    }

    /// Argument `i` as a list of strings.
    pub fn strings(&self, i: usize) -> Result<Vec<String>, Fault> {
        let Some(Value::Array(items)) = self.get(i) else {
            return Err(self.bad(i, "must be a list of strings"));
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(s) if s.len() <= MAX_STRING => Ok(s.clone()),
                _ => Err(self.bad(i, "must be a list of strings")),
            })
            .collect()
    }
}

/// An integer from an XML-RPC integer or a string of digits.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(n) => Some(i64::from(*n)),
        Value::Long(n) => Some(*n),
        Value::String(s)
            if !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

fn param_name(p: &str) -> &str {
    p.split('=').next().unwrap_or(p)
}
