//! Every served method of each object, with the reference's keys.

use confd_tests::{TestDaemon, stdout_ok};

use super::LEGACY;

#[test]
fn database_backup_methods_answer_with_the_reference_keys() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        "{LEGACY}{}",
        r#"
assert db.getBackups(False, True) == [] and db.getBackupList() == []
assert db.backupDatabase('r0001', 0, '1w') is None
assert pdd_wait()['Comment'] == 'Backup has been successfully finished'
assert db.startStorageBackup(10001, 1, '1d') is None
pdd_wait()
backups = db.getBackups(False, True)
assert [b['bid'] for b in backups] == [1, 2], backups
b0, b1 = backups
for key in ('bid', 'id', 'volume', 'usable', 'system', 'expire', 'expire_alterable', 'timestamp', 'dependencies', 'level'):
    assert key in b0, key
assert b0['volume'] == 'r0001' and b0['usable'] and b0['system'] == 'MY_DATABASE'
assert b0['id'].startswith('10001 MY_DATABASE/id_1/level_0/node_0/backup_') and len(b0['id'].split(' ')) == 3
assert b1['dependencies'] == '1'
assert db.getBackups(True, False) == backups
assert db.getBackupList() == [[1, 'r0001'], [2, 'r0001']]
info = db.getBackupInfo(2)
for key in ('expire date', 'usable', 'volume', 'dependencies', 'files', 'id', 'timestamp', 'bid', 'level', 'system'):
    assert key in info, key
assert info['volume'] == ['r0001'] and info['dependencies'] == [1] and info['id'] == b1['id']
assert info['expire date'] == b1['expire'] and len(info['expire date']) == 16
assert len(info['files']) == 2 * 4 and info['files'] == sorted(info['files'])
assert info['files'][0] == 'MY_DATABASE/id_2/level_1/node_0/backup_' + b1['ts'], info['files']
assert any(f.endswith('/node_3/metadata_' + b1['ts']) for f in info['files'])
assert db.getBackupInfo([2, 'r0001']) == info == db.backupInfo((2, 10001))
assert db.getBackupInfo(b0['timestamp'])['bid'] in (1, 2)
assert db.getBackupInfo(b0['ts'])['bid'] in (1, 2)
assert db.getBackupInfo('1')['dependencies'] == []
files = b1['expire_alterable'].split(' ')[1]
assert db.changeBackupExpiration(10001, files, 0) is None
assert db.getBackupInfo(2)['expire date'] == ''
assert db.changeBackupExpiration('r0001', files, 2000000000) is None
assert db.getBackupInfo(2)['expire date'] == '2033-05-18 03:33'
assert db.deleteUnusableBackups() == [] and db.deleteUnusableBackups(True) == []
assert db.getBackupSchedule() == []
ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='nightly', backup_volume_name='r0001', level=0, expire='1w', hour=2)
s = db.getBackupSchedule()
assert len(s) == 1 and s[0]['name'] == 'nightly' and s[0]['hour'] == '2', s
assert db.deleteBackups([b1['id']]) is None
assert [b['bid'] for b in db.getBackups()] == [1]
print('ok')
"#
    )));
    assert_eq!(out, "ok\n");
}

#[test]
fn database_state_methods_and_introspection() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        "{LEGACY}{}",
        r#"
info = db.getDatabaseInfo()
assert info['name'] == 'MY_DATABASE' and info['state'] == 'running' and info['connectible'] == 'Yes', info
assert info['nodes'] == {'active': ['n0011', 'n0012', 'n0013', 'n0014'], 'failed': [], 'reserve': []}
for key in ('connection string', 'info', 'operation', 'persistent volume', 'quota', 'temporary volume', 'usage persistent', 'usage temporary'):
    assert key in info, key
assert db.getDatabaseNodes() == info['nodes']
assert db.getDatabaseConnectionState() == 'Yes'
assert db.runningDatabase() is True and db.existDatabase() is True
assert db.stateDatabase() == 'running' == db.getDatabaseState()
assert isinstance(db.getDatabaseVersion(), str) and db.getDatabaseVersion()
p = db.getProperties()
assert p['database_name'] == 'MY_DATABASE' and p['nodes_number'] == 4 and p['nodes_list'][0] == 'n0011'
assert db.operationGetCurrent() == 'None' == db.getDatabaseOperation()
assert db.getPddProgress()['Comment'] == 'No backup or restore has run'
assert db.shutdownDatabase() is None and db.runningDatabase() is False and db.stateDatabase() == 'setup'
assert db.startDatabase() is None and db.runningDatabase() is True
assert db.stopDatabase() is None and db.startDatabase() is None
assert db.restartDatabase() is None and db.runningDatabase() is True
assert db.forceShutdownDatabase() is None and db.startDatabase() is None
methods = db.listMethods()
assert 'getBackups' in methods and 'getPath' in methods and methods == sorted(methods)
assert 'job_exec' not in methods
assert 'show_all_databases' in db.methodHelp('getBackups')
assert db.methodSignature('backupDatabase') == ['volume', 'level', "expire=''"]
assert 'not supported' in db.methodHelp('shrinkDatabase').lower()
assert db.getPath() == ['/cluster1/db_MY_DATABASE', 'db_MY_DATABASE']

cluster = obj()
assert cluster.getAllDatabaseNames() == ['MY_DATABASE'] == cluster.getDatabaseList()
assert cluster.getAllDatabases() == ['db_MY_DATABASE']
assert cluster.getAllArchiveVolumes() == ['r0001', 'v0001']
assert cluster.listObjects() == ['db_MY_DATABASE', 'r0001', 'storage']
assert cluster.getProperties() == {} and cluster.getPath() == ['/cluster1', '']
assert cluster.db_MY_DATABASE.runningDatabase() is True
assert obj('/').getAllDatabaseNames() == ['MY_DATABASE']
assert obj('/db_' + urllib.parse.quote_plus('MY_DATABASE') + '/').existDatabase()

storage = obj('/storage')
fs = storage.getArchiveFilesystems()
assert fs == {'r0001': ['RemoteVolume', 10001, 'rw'], 'v0001': ['StorageVolume', 1, 'rw']}, fs
assert list(storage.getVolumeList()) == ['v0001']
assert storage.getVolumeInfo(1)['name'] == 'ArchiveVolume1' == storage.getVolumeInfo('v0001')['name']
assert storage.getVolumeInfo('r0001')['url'].startswith('file://')
assert storage.listObjects() == ['v0001'] and storage.serviceIsOnline() is True
assert storage.getPath() == ['/cluster1/storage', 'storage']
v = obj('/storage/v0001')
assert v.getProperties()['name'] == 'ArchiveVolume1' and v.getFilesList() == []
db.backupDatabase('ArchiveVolume1', 0, '')
pdd_wait()
files = v.getFilesList()
assert len(files) == 8 and files[0].startswith('MY_DATABASE/id_1/level_0/node_0/'), files
r = obj('/r0001')
p = r.getProperties()
assert p['vid'] == 10001 and p['url'].startswith('file://') and 'options' in p and 'user' in p, p
assert r.getVolumeId() == 10001 and r.state() == 'Online'
assert r.getPath() == ['/cluster1/r0001', 'r0001']
print('ok')
"#
    )));
    assert_eq!(out, "ok\n");
}
