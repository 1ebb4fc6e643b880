//! Conversions between dxr's XML-RPC values and the neutral JSON value tree that jobs
//! consume and produce, and the ConfD result struct (spec 1.6).

use std::collections::BTreeMap;

use confd_jobs::JobOutcome;
use dxr::Value;
use serde_json::Value as Json;

/// XML-RPC value -> JSON value (`dateTime` and `base64` become strings).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Integer(i) => Json::from(*i),
        Value::Long(i) => Json::from(*i),
        Value::Boolean(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::DateTime(dt) => Json::String(format!("{dt:?}")),
        Value::Base64(bytes) => {
            use base64::Engine as _;
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Value::Struct(members) => Json::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Nil => Json::Null,
        // dxr's Value is non-exhaustive; anything newer is passed on as nothing.
        _ => Json::Null,
    }
}

/// JSON value -> XML-RPC value; integers go out as `<i4>` when they fit (design 5.1),
/// because Python clients written for ConfD never had to read `<i8>`.
pub fn from_json(value: &Json) -> Value {
    match value {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => i32::try_from(i).map_or(Value::Long(i), Value::Integer),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(map) => {
            Value::Struct(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// The result struct: `result_output` and `result_revision` only when present.
pub fn result_struct(outcome: &JobOutcome) -> Value {
    let mut s = BTreeMap::new();
    s.insert(
        "result_code".to_owned(),
        Value::Integer(outcome.code.number()),
    );
    s.insert(
        "result_name".to_owned(),
        Value::String(outcome.code.name().to_owned()),
    );
    s.insert(
        "result_desc".to_owned(),
        Value::String(outcome.desc.clone()),
    );
    s.insert(
        "result_jobid".to_owned(),
        Value::String(outcome.job_id.clone()),
    );
    if let Some(output) = &outcome.output {
        s.insert("result_output".to_owned(), from_json(output));
    }
    if let Some(revision) = outcome.revision {
        s.insert(
            "result_revision".to_owned(),
            from_json(&Json::from(revision)),
        );
    }
    Value::Struct(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_use_i4_when_they_fit() {
        assert_eq!(from_json(&Json::from(10001)), Value::Integer(10001));
        assert_eq!(from_json(&Json::from(1i64 << 40)), Value::Long(1 << 40));
        assert_eq!(
            to_json(&from_json(
                &serde_json::json!({"a": [1, "x", null, true, 1.5]})
            )),
            serde_json::json!({"a": [1, "x", null, true, 1.5]})
        );
    }
}
