//! The one table of legacy methods: per object type, each method EXAoperation served
//! that maps onto this server, its arguments as the reference names them, the ConfD
//! job(s) it calls, and its handler; then the reference's methods of the same services
//! this server answers with a "not supported" fault.
//!
//! Reference: `exasol/exaoperation-xmlrpc`, file `EXAoperation_XMLRPC.md`, and
//! `tools-and-examples/xmlrpc-help/example.md` with the example scripts:
//! - every object: "Generic methods" (`getPath`, `listMethods`, `methodHelp`,
//!   `methodSignature`, which returns the argument names as the reference describes it);
//! - cluster `/cluster1`: "Service `NodeCluster`" and example.md `cluster` (its
//!   duplicates `getDatabaseList`, `listObjects`); `getAllDatabases` answers object
//!   names `db_<name>` as auto_update_exaop.py uses them;
//! - database `/cluster1/db_<name>`: "Service `Database`" and example.md `database`
//!   (`getBackupInfo`, `getBackupList`, `getDatabaseInfo`, `getDatabaseNodes` and the
//!   duplicates it lists); result keys of `getBackups` as autorestore.py and
//!   virtual-backup-db.py read them, `getBackupList` as the repository README gives it for
//!   6.1 (`[[backup_id, archive_volume_id]]`), `getBackupInfo` keys, `'expire date'`
//!   format (`%Y-%m-%d %H:%M`) and `files` paths as download_backupset.py parses them,
//!   `getDatabaseInfo` keys as the repository README shows them;
//! - storage `/cluster1/storage`: "Service `Storage`" and example.md `storage`;
//! - local archive volume `/cluster1/storage/v<id>`: "Service `StorageVolume`";
//! - remote archive volume `/cluster1/r<id - 10000>`: "Service `RemoteVolume`".

use dxr::{Fault, Value};
use futures::future::BoxFuture;

use super::{Args, Ctx, backups, cluster, database, remote_volume, storage, storage_volume};

/// A legacy method's handler.
pub type Handler = for<'a> fn(&'a Ctx<'a>, Args<'a>) -> BoxFuture<'a, Result<Value, Fault>>;

/// One legacy method.
pub struct Method {
    /// Name as the reference spells it.
    pub name: &'static str,
    /// Arguments; `name=default` marks an optional one.
    pub params: &'static [&'static str],
    /// The ConfD jobs it calls.
    pub jobs: &'static [&'static str],
    /// What `methodHelp` answers.
    pub help: &'static str,
    /// The handler.
    pub call: Handler,
}

/// The object types served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/cluster1`.
    Cluster,
    /// `/cluster1/db_<name>`.
    Database,
    /// `/cluster1/storage`.
    Storage,
    /// `/cluster1/storage/v<id>`.
    StorageVolume,
    /// `/cluster1/r<id>`.
    RemoteVolume,
}

impl Kind {
    /// The reference's service name.
    pub fn service(self) -> &'static str {
        match self {
            Kind::Cluster => "NodeCluster",
            Kind::Database => "Database",
            Kind::Storage => "Storage",
            Kind::StorageVolume => "StorageVolume",
            Kind::RemoteVolume => "RemoteVolume",
        }
    }
}

macro_rules! m {
    ($name:literal, [$($p:literal),*], [$($j:literal),*], $help:literal, $f:path) => {
        Method {
            name: $name,
            params: &[$($p),*],
            jobs: &[$($j),*],
            help: $help,
            call: |cx, args| Box::pin($f(cx, args)),
        }
    };
}

/// Served on every object, answered from this table.
#[rustfmt::skip]
pub const COMMON: &[Method] = &[
    m!("getPath", [], [], "Return absolute and relative pathes to object in cluster.", super::get_path),
    m!("listMethods", [], [], "Introspection method. Return a list of all methods.", super::list_methods),
    m!("methodHelp", ["method_name"], [], "Introspection method. Return a help for a given method.", super::method_help),
    m!("methodSignature", ["method_name"], [], "Introspection method. Return the list of parameters of a given method.", super::method_signature),
];

#[rustfmt::skip]
const CLUSTER: &[Method] = &[
    m!("getAllDatabaseNames", [], ["db_list"], "Return the list of databases' names.", cluster::database_names),
    m!("getDatabaseList", [], ["db_list"], "Return list of databases' names.\n\nDUPLICATE OF: `getAllDatabaseNames`", cluster::database_names),
    m!("getAllDatabases", [], ["db_list"], "Return the list with all databases' ids.", cluster::database_ids),
    m!("getAllArchiveVolumes", [], ["st_volume_list", "remote_volume_list", "remote_volume_info"], "Return a list of all archive volumes(local and remote).", cluster::archive_volumes),
    m!("listObjects", [], ["db_list", "remote_volume_list", "remote_volume_info"], "Introspection method. Return a list of all objects.", cluster::list_objects),
    m!("getProperties", [], [], "This object has no properties.", cluster::properties),
];

#[rustfmt::skip]
const DATABASE: &[Method] = &[
    m!("getDatabaseInfo", [], ["db_info"], "Return a dictionary with main database parameters.", database::info),
    m!("getDatabaseNodes", [], ["db_info"], "Return a dictionary with 3 keys: 'active', 'failed' and 'reserve'.", database::nodes),
    m!("getDatabaseConnectionState", [], ["db_info"], "Return a state in a string format either database connectable or not.", database::connection_state),
    m!("getDatabaseVersion", [], ["db_info"], "Return current database version.", database::version),
    m!("getProperties", [], ["db_info"], "Function returns a dictionary that describes an object.", database::properties),
    m!("runningDatabase", [], ["db_state"], "Return whether the database is started.", database::running),
    m!("stateDatabase", [], ["db_state"], "Return human-readable state of database.", database::state),
    m!("getDatabaseState", [], ["db_state"], "Return state of a database.\n\nDUPLICATE OF: stateDatabase()", database::state),
    m!("existDatabase", [], ["db_state"], "Return whether the database exists or not.", database::exists),
    m!("startDatabase", [], ["db_start"], "Startup the database, must exists and must not be running.", database::start),
    m!("shutdownDatabase", [], ["db_stop"], "Shutdown the database, must be running.", database::shutdown),
    m!("stopDatabase", [], ["db_stop"], "Stop a database.\n\nDUPLICATE OF: shutdownDatabase()", database::shutdown),
    m!("forceShutdownDatabase", [], ["db_stop"], "Force shutdown of database, must be running.", database::force_shutdown),
    m!("restartDatabase", [], ["db_stop", "db_start"], "Restart database which must be running.", database::restart),
    m!("getPddProgress", [], ["db_backup_progress"], "Get information about current PDD processes (Backup/Restore).", database::pdd_progress),
    m!("operationGetCurrent", [], ["db_backup_progress"], "Return the current operation.", database::current_operation),
    m!("getDatabaseOperation", [], ["db_backup_progress"], "Returns a current database's operation.\n\nDUPLICATE OF: `operationGetCurrent`", database::current_operation),
    m!("getBackupSchedule", [], ["db_info"], "Return a list of scheduled backups.", database::schedules),
    m!("getBackups", ["show_all_databases=False", "show_expired_backups=True"], ["db_backup_list"], "Return a list of available backups for this database.\n\nParameters:\n  show_all_databases - show backups not for only this database\n  show_expired_backups - not exclude expired backups from list", backups::list),
    m!("getBackupList", [], ["db_backup_list"], "Return a list of backups for the current system: [[backup_id, archive_volume_id]].\n\nThis function is deprecated, please use: `getBackups`", backups::pairs),
    m!("getBackupInfo", ["timestamp"], ["db_backup_list", "db_info"], "Return a backup info.\n\nParameters:\n* `timestamp` - could have three types of value:\n  1. Backup's ID\n  2. timestamp\n  3. tuple (BackupID, VolumeID)", backups::info),
    m!("backupInfo", ["timestamp"], ["db_backup_list", "db_info"], "Return information for a backup.\n\nDUPLICATE OF: `getBackupInfo`", backups::info),
    m!("backupDatabase", ["volume", "level", "expire=''"], ["db_backup_start"], "Start backup to given storage volume with given level and expiration time.\n\nParameters:\n  volume - name of volume where to write backup\n  level  - backup level\n  expire - expire time for backup", backups::start),
    m!("startStorageBackup", ["volume", "level", "expire=''"], ["db_backup_start"], "Start a backup process.\n\nDUPLICATE OF: `backupDatabase`", backups::start),
    m!("abortBackup", [], ["db_backup_abort"], "Abort running database backup.", backups::abort),
    m!("changeBackupExpiration", ["volume", "backup_files", "expire_time"], ["db_backup_change_expiration"], "Change expiration time of a backup.\n\nParameters:\n  volume - volume ID\n  backup_files - prefix of the backup files, like `exa_db1/id_1/level_0`\n  expire_time - timestamp in seconds since the Epoch on which the backup should expire (0: never)", backups::change_expiration),
    m!("deleteBackups", ["backup_list"], ["db_backups_delete"], "Delete given backups.\n\nParameters:\n  backup_list - a list of backup IDs as returned by `getBackups()` in key `id`", backups::delete),
    m!("deleteUnusableBackups", ["use_all_databases=False"], ["db_backup_delete_unusable"], "Delete all unusable backups for current database (of all databases with use_all_databases).", backups::delete_unusable),
    m!("restoreDatabase", ["backup_id", "restore_type"], ["db_restore"], "Start restore from given backup ID and restore type.\n\nParameters:\n  backup_id - could be obtained by getBackups(), field 'id'. Must have three values separated by space.\n  restore_type - 'blocking' or 'nonblocking' ('virtual access' is not supported)", backups::restore),
];

#[rustfmt::skip]
const STORAGE: &[Method] = &[
    m!("getArchiveFilesystems", [], ["st_volume_list", "remote_volume_list", "remote_volume_info"], "Return dictionary with permitted for a user remote and archive volumes: (<OBJECT_TYPE>, <ID>, <PERMISSIONS>).", storage::archive_filesystems),
    m!("getVolumeList", [], ["st_volume_list"], "Return a dictionary with description of the local archive volumes.", storage::volume_list),
    m!("getVolumeInfo", ["vid"], ["st_volume_info", "remote_volume_info"], "Returns information about volume.\n\nParameters:\n  vid - volume ID, or a volume object name like 'v0001' or 'r0001'", storage::volume_info),
    m!("listObjects", [], ["st_volume_list"], "Introspection method. Return a list of all objects.", storage::list_objects),
    m!("serviceIsOnline", [], ["st_volume_list"], "Return True if the storage service is online.", storage::online),
];

#[rustfmt::skip]
const STORAGE_VOLUME: &[Method] = &[
    m!("getProperties", [], ["st_volume_info"], "Function returns a dictionary that describes an object.", storage_volume::properties),
    m!("getFilesList", [], ["db_list", "db_backup_list", "db_info"], "Return list of files in an archive volume.", storage_volume::files),
];

#[rustfmt::skip]
const REMOTE_VOLUME: &[Method] = &[
    m!("getProperties", [], ["remote_volume_info"], "Function returns a dictionary that describes an object.", remote_volume::properties),
    m!("getVolumeId", [], [], "Return 'virtual' volume ID of remote archive volume.", remote_volume::volume_id),
    m!("state", [], ["remote_volume_state"], "Return connectivity state of remote archive volume.", remote_volume::state),
];

/// The reference's methods of each service that mean nothing here.
fn unsupported_names(kind: Kind) -> &'static str {
    match kind {
        Kind::Cluster => concat!(
            "activateNodes addBucketFS addDatabase addJDBCDriver addKeyStore addLogService",
            " addNode addNodesFromXML addPublicNetwork addRemoteVolume addRoute addSrvMgmtGroup",
            " addUser addVLAN callPlugin clusterDesc deleteLogs deleteSubObject deleteUserById",
            " deleteUserByLogin editMonitorThresholds editNodeClusterDefaults",
            " editNodeClusterNetwork editRemoteSyslogSettings editUser getAllJDBCDrivers",
            " getAllKeyStores getAllLogServices getAllPublicNetworks getAllRoutes",
            " getAllSrvMgmtCardGroups getAllUserLogins getAllUsers getAllUsersById",
            " getAllUsersByLogin getAllVLANs getAvailableUpdatesList getClusterNodesAsXMLBase64",
            " getCoredumpDeletionTime",
            " getCurrentLicenseServer getDomainName getEXACOSVersion getEXASolutionVersions",
            " getEXASuiteVersion getEXAoperationMaster getEXAoperationNodes",
            " getFirewallConfiguration getHardwareInformation getInstallationHistory",
            " getInstalledJDBCDrivers getKeyStoreByName getKeyStoreByObjName getLegalInfo",
            " getLicenseFeatures getLicenseLimits getLicenseProperties getListValues getLoginRole",
            " getMonitoringThresholdValues getNTPServiceState getNodeList getNodeState",
            " getObsoleteEXASuiteVersions getPlugins getPossibleEXAoperationNodes getPublicNetwork",
            " getPublicNetworkDescription getRolesForObject getServiceState getServiceStates",
            " getSoftware getSqlLogDeletionTime getSrvMgmtGroup getSrvMgmtGroupDescription",
            " getUpdateURL getUploadPackageState getUserById getUserByName getVLAN",
            " getVLANDescription grantRole haltLicenseServer havePlugins licenseUpdate",
            " needEXAoperationRestart numberOfAvailableNodes objectRepresentation",
            " reinitEXAoperationPriorities removeDatabase removeObsoleteEXASuite removePlugin",
            " restartEXAoperation restartLicenseServer saveBucketFSChanges setClusterTime",
            " setDefaultRole setDiskPassword setKeyStore setPriorities showPluginFunctions",
            " showPluginList shutdownNode startupNode submitFirewallConfiguration synchronizeNTP",
            " uploadSoftware uploadTlsFiles"
        ),
        Kind::Database => concat!(
            "abortShrink createDatabase editDatabase enlargeDatabase existsKeyTab",
            " getCurrentDatabaseSize getCurrentErrors getDatabaseConnectionString",
            " getDatabaseStatistics getListValues getNextSchedules getNodeState listObjects",
            " maintenanceDatabase objectRepresentation removeKeyTab setBackupSchedule",
            " shrinkDatabase startDatabaseMaintenance uploadKeyTab"
        ),
        Kind::Storage => concat!(
            "addStorageVolume checkNodeDiskInformation deleteMetadata editStorage getListValues",
            " getProperties getStorageInfo nodesInformation nodesListInformation",
            " objectRepresentation serviceHasAutoRestartFlag setAutoRestartFlag startEXAStorage",
            " stopEXAStorage storageHasQuorum volumeRemove"
        ),
        Kind::StorageVolume => concat!(
            "checkPermissions editStorageVolume formatFilesystem getPermissions moveNodes",
            " removeFile resizeVolume setFileExpiration setIoState"
        ),
        Kind::RemoteVolume => "editRemoteVolume",
    }
}

/// Whether `name` is one of the reference's methods of `kind` that mean nothing here.
pub fn is_unsupported(kind: Kind, name: &str) -> bool {
    unsupported_names(kind)
        .split_whitespace()
        .any(|n| n == name)
}

/// The methods served on objects of `kind`, beside [`COMMON`].
pub fn methods(kind: Kind) -> &'static [Method] {
    match kind {
        Kind::Cluster => CLUSTER,
        Kind::Database => DATABASE,
        Kind::Storage => STORAGE,
        Kind::StorageVolume => STORAGE_VOLUME,
        Kind::RemoteVolume => REMOTE_VOLUME,
    }
}

/// Method `name` on objects of `kind`, the common ones included.
pub fn find(kind: Kind, name: &str) -> Option<&'static Method> {
    methods(kind).iter().chain(COMMON).find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [Kind; 5] = [
        Kind::Cluster,
        Kind::Database,
        Kind::Storage,
        Kind::StorageVolume,
        Kind::RemoteVolume,
    ];

    #[test]
    fn every_name_is_served_or_unsupported_once() {
        for kind in KINDS {
            let mut names: Vec<&str> = methods(kind).iter().chain(COMMON).map(|m| m.name).collect();
            names.extend(unsupported_names(kind).split_whitespace());
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "{kind:?} names a method twice");
        }
    }

    #[test]
    fn every_job_named_is_registered() {
        let registry = confd_jobs::registry::registry();
        for kind in KINDS {
            for m in methods(kind) {
                for job in m.jobs {
                    assert!(registry.get(job).is_some(), "{}: no job {job}", m.name);
                }
            }
        }
    }
}
