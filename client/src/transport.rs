//! XML-RPC over HTTPS (spec 1.1-1.5): one blocking POST per call, HTTP Basic auth.
//!
//! dxr does the XML; reqwest the HTTP. Values cross this module as `serde_json::Value`
//! because that is what the renderers and the parameter parser speak.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use dxr::{FaultResponse, MethodCall, MethodResponse, Value as Xml};
use serde_json::{Map, Number, Value};

use crate::settings::Settings;

/// Everything that can go wrong between us and the job: the server never ran it, or we
/// could not understand the answer. Job failures are results, not errors (design 5.1).
#[derive(Debug)]
pub enum TransportError {
    Connect {
        url: String,
        detail: String,
    },
    Unauthorized {
        url: String,
        user: String,
    },
    Status {
        url: String,
        status: u16,
    },
    Fault {
        url: String,
        code: i32,
        string: String,
    },
    BadResponse {
        url: String,
        detail: String,
    },
    Setup(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect { url, detail } => write!(f, "cannot reach ConfD at {url}: {detail}"),
            Self::Unauthorized { url, user } => {
                write!(
                    f,
                    "ConfD at {url} rejected the credentials of user '{user}' (HTTP 401 Unauthorized)"
                )
            }
            Self::Status { url, status } => write!(f, "ConfD at {url} answered HTTP {status}"),
            Self::Fault { url, code, string } => {
                write!(f, "ConfD at {url} returned XML-RPC fault {code}: {string}")
            }
            Self::BadResponse { url, detail } => {
                write!(f, "ConfD at {url} sent an answer we cannot read: {detail}")
            }
            Self::Setup(detail) => write!(f, "{detail}"),
        }
    }
}

pub struct Client {
    http: reqwest::blocking::Client,
    settings: Settings,
}

/// The whole `source()` chain: reqwest's own message ("error sending request") hides the
/// useful part ("Connection refused", "invalid peer certificate: UnknownIssuer").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

impl Client {
    pub fn new(settings: Settings) -> Result<Self, TransportError> {
        // No overall timeout: job_exec is synchronous and some jobs take a while, as with
        // Python's xmlrpc.client, which has none either.
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(None::<Duration>)
            .connect_timeout(Duration::from_secs(10));
        if settings.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        } else if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                TransportError::Setup(format!(
                    "cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                TransportError::Setup(format!("{} is not a PEM certificate: {e}", path.display()))
            })?;
            // Only this CA: the daemon's certificate is signed by it, and the system store
            // may be empty on a minimal host.
            builder = builder.tls_certs_only(certs);
        }
        let http = builder
            .build()
            .map_err(|e| TransportError::Setup(format!("cannot set up HTTPS: {}", chain(&e))))?;
        Ok(Client { http, settings })
    }

    fn connect_error(&self, e: &reqwest::Error) -> TransportError {
        TransportError::Connect {
            url: self.settings.url.clone(),
            detail: chain(e),
        }
    }

    /// Calls an XML-RPC method and returns its value, or the fault as an error.
    pub fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, TransportError> {
        let url = self.settings.url.clone();
        let params = params
            .iter()
            .map(to_xml)
            .collect::<Result<Vec<_>, _>>()
            .map_err(TransportError::Setup)?;
        let body = MethodCall {
            name: Cow::Borrowed(method),
            params,
        }
        .to_xml()
        .map_err(|e| TransportError::Setup(format!("cannot encode the call: {e}")))?;
        let response = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml")
            .basic_auth(&self.settings.user, Some(&self.settings.password))
            .body(body)
            .send()
            .map_err(|e| self.connect_error(&e))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(TransportError::Unauthorized {
                url,
                user: self.settings.user.clone(),
            });
        }
        if !status.is_success() {
            return Err(TransportError::Status {
                url,
                status: status.as_u16(),
            });
        }
        let text = response.text().map_err(|e| self.connect_error(&e))?;
        if let Ok(ok) = MethodResponse::from_xml(&text) {
            return Ok(from_xml(ok.value));
        }
        match FaultResponse::from_xml(&text) {
            Ok(f) => Err(TransportError::Fault {
                url,
                code: f.fault.code(),
                string: f.fault.string().to_string(),
            }),
            // dxr's error would echo the whole body; the first line is enough to diagnose.
            Err(_) => Err(TransportError::BadResponse {
                url,
                detail: format!(
                    "not an XML-RPC response: {:.200}",
                    text.lines().next().unwrap_or_default()
                ),
            }),
        }
    }

    /// `GET <url>/master` (spec 1.4): the master node's address as plain text, no auth.
    pub fn master(&self) -> Result<String, TransportError> {
        let url = format!("{}/master", self.settings.url.trim_end_matches('/'));
        let response = self
            .http
            .get(&url)
            .send()
            .map_err(|e| self.connect_error(&e))?;
        if !response.status().is_success() {
            return Err(TransportError::Status {
                url,
                status: response.status().as_u16(),
            });
        }
        response.text().map_err(|e| self.connect_error(&e))
    }
}

/// Integers go out as `<i4>` when they fit (what Python sends and every server reads),
/// `<i8>` only when they must (design 5.1).
pub fn to_xml(v: &Value) -> Result<Xml, String> {
    Ok(match v {
        Value::Null => Xml::Nil,
        Value::Bool(b) => Xml::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i32::try_from(i).map(Xml::Integer).unwrap_or(Xml::Long(i)),
            (None, _) if n.is_u64() => return Err(format!("integer {n} is too large for XML-RPC")),
            (None, Some(f)) => Xml::Double(f),
            (None, None) => return Err(format!("number {n} cannot be sent over XML-RPC")),
        },
        Value::String(s) => Xml::String(s.clone()),
        Value::Array(items) => Xml::Array(items.iter().map(to_xml).collect::<Result<_, _>>()?),
        Value::Object(map) => Xml::Struct(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), to_xml(v)?)))
                .collect::<Result<BTreeMap<_, _>, String>>()?,
        ),
    })
}

/// Binary and dateTime values become strings (base64 and ISO 8601): the renderers only
/// know JSON types, and no ConfD job is known to return either.
pub fn from_xml(v: Xml) -> Value {
    match v {
        Xml::Integer(i) => Value::from(i),
        Xml::Long(i) => Value::from(i),
        Xml::Boolean(b) => Value::Bool(b),
        Xml::String(s) => Value::String(s),
        Xml::Double(f) => Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        Xml::DateTime(d) => Value::String(d.to_string()),
        Xml::Base64(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Xml::Struct(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, from_xml(v)))
                .collect::<Map<_, _>>(),
        ),
        Xml::Array(items) => Value::Array(items.into_iter().map(from_xml).collect()),
        Xml::Nil => Value::Null,
        // dxr's Value is non_exhaustive; a future variant is shown as its XML.
        other => Value::String(other.to_xml().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_round_trip() {
        let v = json!({"a": [1, 3_000_000_000_i64, 1.5, true, null, "x"], "b": {}});
        assert_eq!(from_xml(to_xml(&v).unwrap()), v);
    }

    #[test]
    fn small_integers_are_i4() {
        assert_eq!(to_xml(&json!(5)).unwrap(), Xml::Integer(5));
        assert_eq!(to_xml(&json!(1_i64 << 40)).unwrap(), Xml::Long(1 << 40));
        assert!(to_xml(&json!(u64::MAX)).is_err());
    }

    #[test]
    fn job_exec_call_xml() {
        let params = [json!("db_list")];
        let xml = MethodCall {
            name: Cow::Borrowed("job_exec"),
            params: params.iter().map(|p| to_xml(p).unwrap()).collect(),
        }
        .to_xml()
        .unwrap();
        assert!(xml.contains("<methodName>job_exec</methodName>"), "{xml}");
        assert!(xml.contains("db_list"), "{xml}");
    }
}
