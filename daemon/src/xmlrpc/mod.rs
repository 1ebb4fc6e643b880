//! The XML-RPC edge (design 5.1): POST on any path, Basic auth, ConfD's job methods and
//! the `system.*` introspection methods; under `/cluster1`, EXAoperation's legacy object
//! API (`legacy`). Job failures come back as result structs from
//! the dispatcher; only transport problems (bad XML, wrong arity, unknown method) are
//! faults, and a fault never echoes the request body.

mod legacy;
mod values;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use confd_jobs::echo::{Shown, shown};
use confd_jobs::registry::{describe, help_text};
use confd_jobs::{Caller, Dispatcher, JobError, JobOutcome, ResultCode};
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse, Value};
use futures::future::BoxFuture;

use crate::auth;
use values::result_struct;
pub use values::{from_json, to_json};

/// Fault codes (the xmlrpc-epi "specification for fault code interoperability").
const PARSE_ERROR: i32 = -32700;
const METHOD_NOT_FOUND: i32 = -32601;
const INVALID_PARAMS: i32 = -32602;
const NOT_FOUND: i32 = 404;

/// Methods served, with their help text and signature (what `system.*` report).
const METHODS: &[(&str, &str, &[&str])] = &[
    (
        "job_desc",
        "Structured description of a job: parameters, substitutes, allowed groups.",
        &["struct", "string"],
    ),
    (
        "job_exec",
        "Run a job and wait for its result: job_exec(name[, {'params': {...}}]).",
        &["struct", "string", "struct"],
    ),
    (
        "job_finished",
        "True when the job with this ID has finished.",
        &["boolean", "string"],
    ),
    ("job_help", "Help text of a job.", &["string", "string"]),
    (
        "job_info",
        "Record of the job with this ID: name, user, parameters, state, times.",
        &["struct", "string"],
    ),
    ("job_list", "Names of all jobs.", &["array"]),
    (
        "job_result",
        "Result struct of a finished job.",
        &["struct", "string"],
    ),
    (
        "job_start",
        "Main request handler: start a job in the background and return its job ID: job_start(name[, {'params': {...}}]).",
        &["string", "string", "struct"],
    ),
    (
        "job_stop",
        "Stop a job started with job_start that is still running.",
        &["struct", "string"],
    ),
    (
        "job_wait",
        "Wait until the job with this ID finishes and return its result struct.",
        &["struct", "string"],
    ),
    (
        "system.listMethods",
        "Names of all XML-RPC methods.",
        &["array"],
    ),
    (
        "system.methodHelp",
        "Help text of a method.",
        &["string", "string"],
    ),
    (
        "system.methodSignature",
        "Signatures of a method: [[return type, parameter types...]].",
        &["array", "string"],
    ),
    (
        "system.multicall",
        "Run several calls in one request: [{'methodName': ..., 'params': [...]}, ...].",
        &["array", "array"],
    ),
];

/// State of the XML-RPC listener.
#[derive(Clone)]
pub struct XmlRpcState {
    /// Runs the jobs.
    pub dispatcher: Arc<Dispatcher>,
    /// What `GET /master` answers.
    pub master_ip: String,
}

/// The XML-RPC handler for every path.
pub async fn handle(
    State(state): State<XmlRpcState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "XML-RPC needs POST\n",
        )
            .into_response();
    }
    let dispatcher = state.dispatcher;
    let Some(caller) = auth::caller(&headers, dispatcher.services()).await else {
        return auth::unauthorized();
    };
    let call = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| MethodCall::from_xml(text).ok());
    let result = match call {
        None => Err(Fault::new(
            PARSE_ERROR,
            "parse error: the request body is not a well-formed XML-RPC methodCall".into(),
        )),
        Some(call) if legacy::is_legacy(uri.path()) => {
            legacy::call(&dispatcher, &caller, uri.path(), &call.name, call.params).await
        }
        Some(call) => dispatch(&dispatcher, &caller, &call.name, call.params).await,
    };
    let xml = match result {
        Ok(value) => MethodResponse { value }.to_xml(),
        Err(fault) => FaultResponse { fault }.to_xml(),
    };
    match xml {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml")], xml).into_response(),
        Err(e) => {
            tracing::error!("serialising an XML-RPC response failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn dispatch<'a>(
    d: &'a Arc<Dispatcher>,
    caller: &'a Caller,
    method: &'a str,
    params: Vec<Value>,
) -> BoxFuture<'a, Result<Value, Fault>> {
    Box::pin(async move {
        match method {
            "job_exec" => {
                let (name, p) = job_call(method, &params)?;
                Ok(result_struct(&d.exec(&name, p, caller).await))
            }
            "job_start" => {
                let (name, p) = job_call(method, &params)?;
                Ok(Value::String(d.start(&name, p, caller)))
            }
            "job_wait" => {
                let id = one_string(method, &params)?;
                Ok(outcome_or_error(&id, d.wait(&id, caller).await))
            }
            "job_result" => {
                let id = one_string(method, &params)?;
                Ok(outcome_or_error(&id, d.result(&id, caller)))
            }
            "job_stop" => {
                let id = one_string(method, &params)?;
                Ok(stop_job(d, caller, id))
            }
            "job_finished" => {
                let id = one_string(method, &params)?;
                d.finished(&id, caller)
                    .map(Value::Boolean)
                    .map_err(|e| Fault::new(NOT_FOUND, e.to_string()))
            }
            "job_info" => {
                let id = one_string(method, &params)?;
                d.info(&id, caller)
                    .map(|info| from_json(&serde_json::to_value(info).unwrap_or_default()))
                    .map_err(|e| Fault::new(NOT_FOUND, e.to_string()))
            }
            "job_list" => {
                no_params(method, &params)?;
                Ok(strings(d.registry().names()))
            }
            "job_help" | "job_desc" => {
                let name = one_string(method, &params)?;
                describe_job(d, &name, method == "job_help")
            }
            "system.listMethods" => {
                no_params(method, &params)?;
                Ok(strings(METHODS.iter().map(|(name, _, _)| *name)))
            }
            "system.methodHelp" | "system.methodSignature" => {
                let name = one_string(method, &params)?;
                describe_method(&name, method == "system.methodHelp")
            }
            "system.multicall" => multicall(d, caller, params).await,
            other => Err(Fault::new(
                METHOD_NOT_FOUND,
                format!("method not found: {}", Shown(other)),
            )),
        }
    })
}

/// `job_stop` answers with a result struct like the job methods, not a bare value.
fn stop_job(d: &Dispatcher, caller: &Caller, id: String) -> Value {
    let outcome = d.stop(&id, caller).map(|()| JobOutcome {
        job_id: id.clone(),
        code: ResultCode::Ok,
        desc: "Success".into(),
        output: None,
        revision: None,
    });
    outcome_or_error(&id, outcome)
}

/// `job_help` (the text) or `job_desc` (the structure) of job `name`.
fn describe_job(d: &Dispatcher, name: &str, as_help_text: bool) -> Result<Value, Fault> {
    let entry = d
        .registry()
        .get(name)
        .ok_or_else(|| Fault::new(NOT_FOUND, JobError::NoSuchJob(name.to_owned()).to_string()))?;
    Ok(if as_help_text {
        Value::String(help_text(entry))
    } else {
        from_json(&describe(entry))
    })
}

/// `system.methodHelp` or `system.methodSignature` of method `name`.
fn describe_method(name: &str, as_help_text: bool) -> Result<Value, Fault> {
    let (_, help, signature) = METHODS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| Fault::new(METHOD_NOT_FOUND, format!("method not found: {name}")))?;
    Ok(if as_help_text {
        Value::String((*help).into())
    } else {
        Value::Array(vec![strings(signature.iter().copied())])
    })
}

/// Each call of a `system.multicall` answers on its own: a fault in one does not stop
/// the others.
async fn multicall(
    d: &Arc<Dispatcher>,
    caller: &Caller,
    params: Vec<Value>,
) -> Result<Value, Fault> {
    let calls = dxr::multicall::from_multicall_params(params)
        .map_err(|e| Fault::new(INVALID_PARAMS, format!("system.multicall: {e}")))?;
    let mut results = Vec::with_capacity(calls.len());
    for call in calls {
        results.push(match call {
            Ok((name, _)) if name == "system.multicall" => Err(Fault::new(
                INVALID_PARAMS,
                "system.multicall cannot be nested".into(),
            )),
            Ok((name, p)) => dispatch(d, caller, &name, p).await,
            Err(e) => Err(Fault::new(INVALID_PARAMS, e.to_string())),
        });
    }
    Ok(dxr::multicall::into_multicall_response(results))
}

fn strings<'s>(items: impl IntoIterator<Item = &'s str>) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// `job_exec`/`job_start` arguments: the job name and an optional `{'params': {...}}`.
fn job_call(method: &str, params: &[Value]) -> Result<(String, Option<serde_json::Value>), Fault> {
    let arity = || {
        Fault::new(
            INVALID_PARAMS,
            format!(
                "{method} expects the job name and optionally {{'params': {{...}}}}, got {} arguments",
                params.len()
            ),
        )
    };
    let (name, rest) = params.split_first().ok_or_else(arity)?;
    let Value::String(name) = name else {
        return Err(Fault::new(
            INVALID_PARAMS,
            format!("{method}: the job name must be a string"),
        ));
    };
    let job_params = match rest {
        [] => None,
        [Value::Struct(options)] => {
            if let Some(key) = options.keys().find(|k| *k != "params") {
                return Err(Fault::new(
                    INVALID_PARAMS,
                    format!("{method}: unexpected key '{key}' beside 'params'"),
                ));
            }
            options.get("params").map(to_json)
        }
        [_] => {
            return Err(Fault::new(
                INVALID_PARAMS,
                format!("{method}: the second argument must be a struct {{'params': {{...}}}}"),
            ));
        }
        _ => return Err(arity()),
    };
    Ok((name.clone(), job_params))
}

fn one_string(method: &str, params: &[Value]) -> Result<String, Fault> {
    match params {
        // Job IDs and names are short; a longer argument is refused without echoing it.
        [Value::String(s)] if s.len() > 200 => Err(Fault::new(
            INVALID_PARAMS,
            format!(
                "{method}: the argument is {} characters long, not a job name or ID",
                s.len()
            ),
        )),
        [Value::String(s)] => Ok(s.clone()),
        _ => Err(Fault::new(
            INVALID_PARAMS,
            format!(
                "{method} expects one string argument, got {} arguments",
                params.len()
            ),
        )),
    }
}

fn no_params(method: &str, params: &[Value]) -> Result<(), Fault> {
    if params.is_empty() {
        Ok(())
    } else {
        Err(Fault::new(
            INVALID_PARAMS,
            format!("{method} takes no arguments, got {}", params.len()),
        ))
    }
}

fn outcome_or_error(job_id: &str, result: Result<JobOutcome, JobError>) -> Value {
    let outcome = result.unwrap_or_else(|e| JobOutcome {
        // Echoed from the request: cut and escaped like every echoed value.
        job_id: shown(job_id),
        code: e.code(),
        desc: e.to_string(),
        output: None,
        revision: None,
    });
    result_struct(&outcome)
}

/// `GET /master`: the master node's IP as plain text (spec 1.4); this server is its own master.
pub async fn master(State(state): State<XmlRpcState>) -> String {
    state.master_ip
}

/// `GET /is_master`: 200 when ready (spec 1.4).
pub async fn is_master() -> &'static str {
    "true"
}
