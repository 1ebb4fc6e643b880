//! Every HTTP request this process sends to S3, counted by kind: the figure an S3 bill is
//! made of (restic PR #2750), for `/metrics` and the bench. Counted below object_store,
//! so retries and the pages of a listing count as the server sees them.

use std::sync::atomic::{AtomicU64, Ordering};

use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse, HttpService, ReqwestConnector,
};
use object_store::{ClientOptions, Result};

/// What an S3 request does, told by its method and query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum S3Request {
    /// GET of an object or a range of it.
    Get,
    /// GET of a page of a listing (`list-type`).
    List,
    /// HEAD of an object.
    Head,
    /// PUT of a whole object.
    Put,
    /// PUT of one part of a multipart upload.
    UploadPart,
    /// POST starting a multipart upload.
    CreateMultipart,
    /// POST completing a multipart upload.
    CompleteMultipart,
    /// POST of a bulk delete.
    DeleteObjects,
    /// DELETE of an object.
    Delete,
    /// DELETE of a multipart upload.
    AbortMultipart,
    /// Anything else.
    Other,
}

impl S3Request {
    /// Every kind, in the order [`s3_request_counts`] reports them.
    pub const ALL: [Self; 11] = [
        Self::Get,
        Self::List,
        Self::Head,
        Self::Put,
        Self::UploadPart,
        Self::CreateMultipart,
        Self::CompleteMultipart,
        Self::DeleteObjects,
        Self::Delete,
        Self::AbortMultipart,
        Self::Other,
    ];

    /// The kind's name, as `/metrics` labels it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::List => "list",
            Self::Head => "head",
            Self::Put => "put",
            Self::UploadPart => "upload_part",
            Self::CreateMultipart => "create_multipart",
            Self::CompleteMultipart => "complete_multipart",
            Self::DeleteObjects => "delete_objects",
            Self::Delete => "delete",
            Self::AbortMultipart => "abort_multipart",
            Self::Other => "other",
        }
    }

    fn of(method: &http::Method, query: &str) -> Self {
        let has = |name: &str| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(name))
        };
        match *method {
            http::Method::GET if has("list-type") => Self::List,
            http::Method::GET => Self::Get,
            http::Method::HEAD => Self::Head,
            http::Method::PUT if has("partNumber") => Self::UploadPart,
            http::Method::PUT => Self::Put,
            http::Method::POST if has("uploads") => Self::CreateMultipart,
            http::Method::POST if has("uploadId") => Self::CompleteMultipart,
            http::Method::POST if has("delete") => Self::DeleteObjects,
            http::Method::DELETE if has("uploadId") => Self::AbortMultipart,
            http::Method::DELETE => Self::Delete,
            _ => Self::Other,
        }
    }
}

static COUNTS: [AtomicU64; S3Request::ALL.len()] = [const { AtomicU64::new(0) }; 11];

/// Requests sent to S3 by this process so far, every kind (zeros included).
pub fn s3_request_counts() -> Vec<(S3Request, u64)> {
    S3Request::ALL
        .iter()
        .zip(&COUNTS)
        .map(|(kind, n)| (*kind, n.load(Ordering::Relaxed)))
        .collect()
}

/// object_store's own reqwest client, with every request counted.
#[derive(Debug, Default)]
pub(super) struct CountingConnector;

impl HttpConnector for CountingConnector {
    fn connect(&self, options: &ClientOptions) -> Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(Counting(inner)))
    }
}

#[derive(Debug)]
struct Counting(HttpClient);

#[async_trait::async_trait]
impl HttpService for Counting {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let kind = S3Request::of(req.method(), req.uri().query().unwrap_or(""));
        let at = S3Request::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        COUNTS[at].fetch_add(1, Ordering::Relaxed);
        self.0.execute(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_apart_by_method_and_query() {
        use http::Method;
        let cases = [
            (Method::GET, "list-type=2&prefix=a", S3Request::List),
            (Method::GET, "", S3Request::Get),
            (
                Method::PUT,
                "partNumber=3&uploadId=x",
                S3Request::UploadPart,
            ),
            (Method::PUT, "", S3Request::Put),
            (Method::POST, "uploads", S3Request::CreateMultipart),
            (Method::POST, "uploadId=x", S3Request::CompleteMultipart),
            (Method::POST, "delete", S3Request::DeleteObjects),
            (Method::DELETE, "uploadId=x", S3Request::AbortMultipart),
            (Method::DELETE, "", S3Request::Delete),
            (Method::HEAD, "", S3Request::Head),
        ];
        for (method, query, kind) in cases {
            assert_eq!(S3Request::of(&method, query), kind, "{method} ?{query}");
        }
    }
}
