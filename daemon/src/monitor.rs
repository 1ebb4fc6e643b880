//! Monitoring listener (plain HTTP, loopback by default): `GET /health` and `GET /metrics`
//! (Prometheus text format, design 5.4). Gauges come from [`stats::snapshot`] (the
//! catalogue and the supervisor, read when scraped); counters come from the dispatcher, the
//! supervisor and the HTTP layer. This module only renders them.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use confd_jobs::Dispatcher;
use confd_jobs::stats;
use confd_storage::records::{OperationKind, OperationState};
use confd_storage::volume::s3_request_counts;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// Request counters and latencies of the HTTPS listeners, shared with their middleware.
#[derive(Clone)]
pub struct HttpMetrics {
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
            }),
        }
    }
}

/// Middleware recording one request of `listener` (`xmlrpc`, `rest`).
pub async fn track(
    State((metrics, listener)): State<(HttpMetrics, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics
        .requests
        .get_or_create(&vec![
            ("listener".into(), listener.into()),
            ("status".into(), status),
        ])
        .inc();
    metrics
        .latency
        .get_or_create(&vec![("listener".into(), listener.into())])
        .observe(started.elapsed().as_secs_f64());
    response
}

#[derive(Clone)]
struct MonitorState {
    dispatcher: Arc<Dispatcher>,
    http: HttpMetrics,
}

/// Routes of the monitoring listener.
pub fn router(dispatcher: Arc<Dispatcher>, http: HttpMetrics) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(MonitorState { dispatcher, http })
}

/// 200 `ok` when the catalogue answers, 503 otherwise.
async fn health(State(state): State<MonitorState>) -> (StatusCode, String) {
    match state.dispatcher.services().catalog.databases() {
        Ok(dbs) => (StatusCode::OK, format!("ok: {} database(s)\n", dbs.len())),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("catalogue unavailable: {e}\n"),
        ),
    }
}

async fn metrics(State(state): State<MonitorState>) -> Response {
    match render(&state) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("metrics unavailable: {e}\n"),
        )
            .into_response(),
    }
}

/// The `type` label of an operation.
fn kind_label(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Backup => "backup",
        OperationKind::Restore => "restore",
        OperationKind::Verify => "verify",
    }
}

fn label(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn render(state: &MonitorState) -> anyhow::Result<String> {
    let services = state.dispatcher.services();
    let snapshot = stats::snapshot(services)?;
    let mut registry = Registry::default();
    // Registration order is the order of the text: keep it stable for readers and diffs.
    register_database_gauges(&mut registry, &snapshot.databases);
    register_operation_counters(&mut registry, &services.backups.counters);
    register_volume_usage(&mut registry, &snapshot.volumes);
    register_job_calls(&mut registry, &state.dispatcher.counters);
    register_http(&mut registry, &state.http);
    register_s3_requests(&mut registry);
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

fn register_database_gauges(registry: &mut Registry, databases: &[stats::DatabaseStats]) {
    let last_success = Family::<Labels, Gauge>::default();
    let running = Family::<Labels, Gauge>::default();
    let last_duration = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let (verify_at, verify_ok) = (
        Family::<Labels, Gauge>::default(),
        Family::<Labels, Gauge>::default(),
    );
    for db in databases {
        if let Some(v) = db.last_verify {
            let l = label(&[("db", &db.name)]);
            verify_at.get_or_create(&l).set(v.at);
            verify_ok.get_or_create(&l).set(i64::from(v.ok));
        }
        let l = label(&[("db", &db.name)]);
        if let Some(t) = db.last_success {
            last_success.get_or_create(&l).set(t);
        }
        running.get_or_create(&l).set(i64::from(db.backup_running));
        if let Some(op) = db.last_operation {
            last_duration
                .get_or_create(&label(&[("db", &db.name), ("type", kind_label(op.kind))]))
                .set(op.duration_secs as f64);
        }
    }
    registry.register(
        "confd_backup_last_success_timestamp_seconds",
        "Commit time of the newest backup of the database",
        last_success,
    );
    registry.register(
        "confd_backup_running",
        "1 while a backup of the database runs",
        running,
    );
    registry.register(
        "confd_operation_last_duration_seconds",
        "Duration of the last backup, restore or verify of the database",
        last_duration,
    );
    registry.register(
        "confd_verify_last_timestamp_seconds",
        "End of the newest completed verify of a backup of the database",
        verify_at,
    );
    registry.register(
        "confd_verify_last_ok",
        "1 when the newest completed verify found the backup intact, 0 when damaged",
        verify_ok,
    );
}

fn register_operation_counters(registry: &mut Registry, counters: &stats::OperationCounters) {
    let ended = Family::<Labels, Counter>::default();
    for ((db, kind, outcome), n) in counters.outcomes() {
        let kind = kind_label(kind);
        let outcome = match outcome {
            OperationState::Finished => "succeeded",
            OperationState::Aborted => "aborted",
            OperationState::Failed | OperationState::Running => "failed",
        };
        ended
            .get_or_create(&label(&[("db", &db), ("type", kind), ("outcome", outcome)]))
            .inc_by(n);
    }
    registry.register(
        "confd_operations",
        "Backups, restores and verifies that ended since the daemon started, by outcome",
        ended,
    );
    let bytes = Family::<Labels, Counter>::default();
    for (db, n) in counters.backup_bytes() {
        bytes.get_or_create(&label(&[("db", &db)])).inc_by(n);
    }
    registry.register(
        "confd_backup_bytes",
        "Bytes stored by backups since the daemon started",
        bytes,
    );
}

fn register_volume_usage(registry: &mut Registry, volumes: &[stats::VolumeStats]) {
    let used = Family::<Labels, Gauge>::default();
    for v in volumes {
        used.get_or_create(&label(&[("volume", &v.name), ("id", &v.id.to_string())]))
            .set(i64::try_from(v.used_bytes).unwrap_or(i64::MAX));
    }
    registry.register(
        "confd_volume_used_bytes",
        "Bytes of catalogued backups on the volume",
        used,
    );
}

fn register_job_calls(registry: &mut Registry, counters: &stats::JobCounters) {
    let jobs = Family::<Labels, Counter>::default();
    for ((job, result), n) in counters.snapshot() {
        jobs.get_or_create(&label(&[("job", &job), ("result", result)]))
            .inc_by(n);
    }
    registry.register(
        "confd_jobs",
        "Job calls since the daemon started, by job and result",
        jobs,
    );
}

fn register_s3_requests(registry: &mut Registry) {
    let requests = Family::<Labels, Counter>::default();
    for (kind, n) in s3_request_counts() {
        requests
            .get_or_create(&label(&[("request", kind.name())]))
            .inc_by(n);
    }
    registry.register(
        "confd_s3_requests",
        "HTTP requests sent to S3 volumes since the daemon started, by kind (retries and listing pages included)",
        requests,
    );
}

fn register_http(registry: &mut Registry, http: &HttpMetrics) {
    registry.register(
        "confd_http_requests",
        "HTTPS requests by listener and status",
        http.requests.clone(),
    );
    registry.register(
        "confd_http_request_duration_seconds",
        "HTTPS request latency by listener",
        http.latency.clone(),
    );
}
