//! EXAoperation's XML-RPC object API (issue 10), served under `/cluster1` beside ConfD's
//! methods on `/`. EXAoperation is a Zope application: the URL path and the dotted method
//! name are traversed as one path (`/cluster1` + `db_X.getBackups` is `/cluster1/db_X`,
//! method `getBackups`), so every object is reached either way. Each legacy method calls
//! the typed ConfD job it corresponds to (`table.rs`), so permissions, job records and
//! metrics are those of `job_exec`. Faults are spelled as Zope spelled them, because
//! clients match the strings; none echoes the request body.

mod args;
mod backups;
mod cluster;
mod database;
mod names;
mod remote_volume;
mod storage;
mod storage_volume;
mod table;
mod volumes;

use std::sync::Arc;

use confd_jobs::job::db_list::DbList;
use confd_jobs::params::CallParams;
use confd_jobs::{Caller, Dispatcher, Job, JobOutcome, ResultCode};
use dxr::{Fault, Value};

pub use args::Args;
use table::{Kind, Method};
use volumes::Vol;

/// Zope's fault code for every exception it turned into a fault.
const ZOPE_FAULT: i32 = -1;
/// The root object of the cluster.
const ROOT: &str = "/cluster1";
/// Longest object path a fault repeats; paths come from the URL, not the body, but a
/// client may still send a long one.
const MAX_SHOWN: usize = 200;

/// True when `path` addresses the legacy object tree.
pub fn is_legacy(path: &str) -> bool {
    path == ROOT || path.starts_with("/cluster1/")
}

/// One call on one object: the dispatcher, the caller, and the object's traversal.
pub struct Ctx<'a> {
    d: &'a Arc<Dispatcher>,
    caller: &'a Caller,
    /// The object the method was called on.
    pub object: Object,
    /// `/cluster1/...` of the object, as the client spelled it.
    pub path: String,
}

/// The objects of the legacy tree.
#[derive(Debug, Clone)]
pub enum Object {
    /// `/cluster1`.
    Cluster,
    /// `/cluster1/db_<name>`.
    Database(String),
    /// `/cluster1/storage`.
    Storage,
    /// `/cluster1/storage/v<id>`: a local archive volume.
    StorageVolume(Vol),
    /// `/cluster1/r<id - 10000>`: a remote archive volume.
    RemoteVolume(Vol),
}

impl Object {
    fn kind(&self) -> Kind {
        match self {
            Object::Cluster => Kind::Cluster,
            Object::Database(_) => Kind::Database,
            Object::Storage => Kind::Storage,
            Object::StorageVolume(_) => Kind::StorageVolume,
            Object::RemoteVolume(_) => Kind::RemoteVolume,
        }
    }
}

impl Ctx<'_> {
    /// Runs job `J` as `job_exec` would; a failure becomes the fault EXAoperation raised.
    pub async fn run<J: Job>(&self, params: CallParams<J>) -> Result<J::Output, Fault> {
        self.d
            .exec_job::<J>(self.caller, params)
            .await
            .map(|e| e.output)
            .map_err(|outcome| job_fault(&outcome))
    }

    /// The database this object is; only database methods ask.
    pub fn db(&self) -> Result<&str, Fault> {
        match &self.object {
            Object::Database(name) => Ok(name),
            _ => Err(zope(
                "TypeError",
                "this method needs a database object".into(),
            )),
        }
    }
}

/// Serves one legacy call: traverse path + method, check the arguments, run the method.
pub async fn call(
    d: &Arc<Dispatcher>,
    caller: &Caller,
    path: &str,
    method: &str,
    params: Vec<Value>,
) -> Result<Value, Fault> {
    let mut segments: Vec<&str> = path
        .trim_start_matches(ROOT)
        .split('/')
        .chain(method.split('.'))
        .filter(|s| !s.is_empty())
        .collect();
    let Some(name) = segments.pop() else {
        return Err(not_found(ROOT, "cluster1"));
    };
    let probe = Ctx {
        d,
        caller,
        object: Object::Cluster,
        path: ROOT.to_owned(),
    };
    let (object, object_path) = traverse(&probe, &segments).await?;
    let cx = Ctx {
        object,
        path: object_path,
        ..probe
    };
    let kind = cx.object.kind();
    if let Some(m) = table::find(kind, name) {
        let args = Args::new(m, &params)?;
        return (m.call)(&cx, args).await;
    }
    if table::is_unsupported(kind, name) {
        return Err(unsupported(kind, name));
    }
    Err(not_found(&format!("{}/{name}", cx.path), name))
}

/// Walks the segments below `/cluster1` to an object, or the NotFound fault naming the
/// first segment that names nothing.
async fn traverse(cx: &Ctx<'_>, segments: &[&str]) -> Result<(Object, String), Fault> {
    let mut object = Object::Cluster;
    let mut path = ROOT.to_owned();
    for segment in segments {
        path = format!("{path}/{segment}");
        object = match (&object, *segment) {
            (Object::Cluster, "storage") => Object::Storage,
            (Object::Cluster, s) if s.starts_with("db_") => {
                let wanted = names::unquote_plus(&s[3..]);
                let dbs = cx.run(CallParams::<DbList>::new()).await?;
                match wanted.filter(|w| dbs.contains(w)) {
                    Some(db) => Object::Database(db),
                    None => return Err(not_found(&path, segment)),
                }
            }
            (Object::Cluster, s) => match volumes::by_object_name(cx, s).await? {
                Some(v) if v.remote => Object::RemoteVolume(v),
                _ => return Err(not_found(&path, segment)),
            },
            (Object::Storage, s) => match volumes::by_object_name(cx, s).await? {
                Some(v) if !v.remote => Object::StorageVolume(v),
                _ => return Err(not_found(&path, segment)),
            },
            _ => return Err(not_found(&path, segment)),
        };
    }
    Ok((object, path))
}

fn strings(items: impl IntoIterator<Item = String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// `getPath`: absolute, and relative to the cluster.
async fn get_path(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let relative = cx.path.trim_start_matches(ROOT).trim_start_matches('/');
    Ok(strings([cx.path.clone(), relative.to_owned()]))
}

/// `listMethods`: what this object serves, sorted.
async fn list_methods(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all: Vec<String> = table::methods(cx.object.kind())
        .iter()
        .chain(table::COMMON)
        .map(|m| m.name.to_owned())
        .collect();
    all.sort();
    all.dedup();
    Ok(strings(all))
}

/// `methodHelp`: the help text, with the jobs the method calls.
async fn method_help(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    Ok(match described(cx, &args)? {
        Some(m) => Value::String(help_text(m)),
        None => Value::String(
            "Not supported by this server: confd-rs serves databases, their backups and archive volumes."
                .into(),
        ),
    })
}

/// `methodSignature`: the argument names, as the reference describes it.
async fn method_signature(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    Ok(match described(cx, &args)? {
        Some(m) => strings(m.params.iter().map(|p| (*p).to_owned())),
        None => strings([]),
    })
}

/// The method `methodHelp`/`methodSignature` ask about: served (`Some`), unsupported
/// (`None`), or the NotFound fault.
fn described(cx: &Ctx<'_>, args: &Args<'_>) -> Result<Option<&'static Method>, Fault> {
    let wanted = args.string(0)?;
    let kind = cx.object.kind();
    if let Some(m) = table::find(kind, &wanted) {
        return Ok(Some(m));
    }
    if table::is_unsupported(kind, &wanted) {
        return Ok(None);
    }
    Err(not_found(&format!("{}/{wanted}", cx.path), &wanted))
}

fn help_text(m: &Method) -> String {
    let jobs = if m.jobs.is_empty() {
        String::new()
    } else {
        format!("\n\nConfD job(s): {}", m.jobs.join(", "))
    };
    format!(
        "{}\n\nUsage: object.{}({}){jobs}",
        m.help,
        m.name,
        m.params.join(", ")
    )
}

/// A Zope exception as the fault text EXAoperation sent.
pub fn zope(exception: &str, message: String) -> Fault {
    Fault::new(
        ZOPE_FAULT,
        format!("Unexpected Zope exception: {exception}: {message}"),
    )
}

/// The fault of an object (or method) that does not exist under `path`.
pub fn not_found(path: &str, name: &str) -> Fault {
    zope(
        "NotFound",
        format!("Object: {}, name: '{}'", shown(path), shown(name)),
    )
}

fn unsupported(kind: Kind, name: &str) -> Fault {
    zope(
        "NotSupported",
        format!(
            "{}.{name} is not supported by this server: confd-rs serves databases, their backups and archive volumes, not node hardware, licences, users, networks, BucketFS or EXAStorage data volumes",
            kind.service()
        ),
    )
}

/// A failed job: its description, which names the parameter or object at fault.
fn job_fault(outcome: &JobOutcome) -> Fault {
    let exception = match outcome.code {
        ResultCode::PermissionDenied => "Unauthorized",
        _ => "UsageError",
    };
    zope(exception, outcome.desc.clone())
}

fn shown(text: &str) -> String {
    if text.chars().count() <= MAX_SHOWN {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_SHOWN).collect();
    cut.push_str("...");
    cut
}
