//! The reachability check of [`S3Volume`] behind `remote_volume_state`, and how its
//! failures are put into words an operator can act on.

use std::time::Duration;

use object_store::ObjectStore;

use super::s3::{PROBE_TIMEOUT, S3Volume};

impl S3Volume {
    /// Lists the volume's prefix once (one request): `Ok` when the server answers and the
    /// credentials and bucket are good, else a reason naming what failed (HTTP status,
    /// refused connection, timeout). Bounded by a few seconds when opened with
    /// [`open_probe`](Self::open_probe).
    pub async fn check_online(&self) -> Result<(), String> {
        let root = self.root();
        let limit = PROBE_TIMEOUT + Duration::from_secs(2);
        match tokio::time::timeout(limit, self.store.list_with_delimiter(root.as_ref())).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.reason(&e)),
            Err(_) => Err(format!(
                "no answer from {} within {} s",
                self.loc.endpoint,
                limit.as_secs()
            )),
        }
    }

    /// A short reason for `remote_volume_state`. object_store types only some HTTP errors
    /// (not those of listings), so the status and S3 error code are read from the text.
    fn reason(&self, e: &object_store::Error) -> String {
        let chain = error_chain(e);
        let status = match e {
            object_store::Error::PermissionDenied { .. } => Some(403),
            object_store::Error::Unauthenticated { .. } => Some(401),
            object_store::Error::NotFound { .. } => Some(404),
            _ => between(&chain, "status code: ", " ").and_then(|s| s.parse::<u16>().ok()),
        };
        let code = between(&chain, "<Code>", "</Code>").unwrap_or_default();
        match status {
            Some(s @ (401 | 403)) => format!(
                "access denied (HTTP {s} {code}): check the credentials (username/password or s3_access_key/s3_secret_key)"
            ),
            Some(404) => format!("bucket '{}' not found (HTTP 404 {code})", self.loc.bucket),
            Some(s) => format!("HTTP {s} {code} from {}: {chain}", self.loc.endpoint),
            // Transport failures: the innermost cause says it (refused, timed out, DNS).
            None => format!("cannot reach {}: {}", self.loc.endpoint, root_cause(e)),
        }
    }
}

/// The innermost source of `e`.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(s) = cur.source() {
        cur = s;
    }
    cur.to_string()
}

/// The text between the first `start` and the next `end` in `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(rest.split(end).next().unwrap_or(rest))
}

/// `e` and its sources joined by `: `, skipping repeats (the root cause of a refused
/// connection sits several levels down).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
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
