//! The cluster object `/cluster1` (reference: Service `NodeCluster`): what it knows of
//! databases and archive volumes.

use std::collections::BTreeMap;

use confd_jobs::job::db_list::DbList;
use confd_jobs::params::CallParams;
use dxr::{Fault, Value};

use super::{Args, Ctx, names, strings, volumes};

/// `getAllDatabaseNames`, `getDatabaseList`.
pub async fn database_names(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(strings(cx.run(CallParams::<DbList>::new()).await?))
}

/// `getAllDatabases`: the object names, which scripts append to the cluster's path.
pub async fn database_ids(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(strings(database_objects(cx).await?))
}

async fn database_objects(cx: &Ctx<'_>) -> Result<Vec<String>, Fault> {
    Ok(cx
        .run(CallParams::<DbList>::new())
        .await?
        .iter()
        .map(|name| format!("db_{}", names::quote_plus(name)))
        .collect())
}

/// `getAllArchiveVolumes`: object names, sorted (`r…` before `v…`).
pub async fn archive_volumes(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all: Vec<String> = volumes::all(cx)
        .await?
        .iter()
        .map(volumes::Vol::object_name)
        .collect();
    all.sort();
    Ok(strings(all))
}

/// `listObjects`: databases, remote volumes and `storage`, sorted.
pub async fn list_objects(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all = database_objects(cx).await?;
    all.extend(
        volumes::all(cx)
            .await?
            .iter()
            .filter(|v| v.remote)
            .map(volumes::Vol::object_name),
    );
    all.push("storage".into());
    all.sort();
    Ok(strings(all))
}

/// `getProperties`: the reference says "This object has no properties."
pub async fn properties(_: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(Value::Struct(BTreeMap::new()))
}
