//! The errors as EXAoperation gave them: Zope's NotFound fault, 401, faults naming the
//! argument, "not supported"; and `/` unchanged.

use confd_tests::{TestDaemon, stdout_ok};

use super::LEGACY;

#[test]
fn errors_read_as_exaoperation_wrote_them() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        "{LEGACY}{}",
        r#"
f = fault(lambda: obj('/db_NO_SUCH_DB').getBackups(False, True))
assert f == "Unexpected Zope exception: NotFound: Object: /cluster1/db_NO_SUCH_DB, name: 'db_NO_SUCH_DB'", f
assert 'Unexpected Zope exception: NotFound: Object' in fault(lambda: obj('/db_' + urllib.parse.quote_plus('my db')).runningDatabase())
assert fault(lambda: obj('/n0011').getNodeState()) == "Unexpected Zope exception: NotFound: Object: /cluster1/n0011, name: 'n0011'"
assert fault(lambda: obj('/storage/r0001').getProperties()).endswith("name: 'r0001'")
assert fault(lambda: db.noSuchMethod()) == "Unexpected Zope exception: NotFound: Object: /cluster1/db_MY_DATABASE/noSuchMethod, name: 'noSuchMethod'"

try:
    obj('/db_MY_DATABASE', password='wrong+pass word').runningDatabase()
    raise AssertionError('no 401')
except xmlrpc.client.ProtocolError as e:
    assert e.errcode == 401 and 'Basic' in dict((k.lower(), v) for k, v in e.headers.items()).get('www-authenticate', ''), (e.errcode, e.headers)

f = fault(lambda: db.getBackupInfo('yesterday'))
assert f.startswith('Unexpected Zope exception: TypeError: ') and "getBackupInfo() argument 'timestamp'" in f, f
assert "argument 'timestamp' names no backup" in fault(lambda: db.getBackupInfo(99))
assert "backupDatabase() missing required argument 'level'" in fault(lambda: db.backupDatabase('r0001'))
assert "backupDatabase() argument 'volume' names no archive volume" in fault(lambda: db.backupDatabase('r0099', 0))
assert "backupDatabase() argument 'level' must be an integer" in fault(lambda: db.backupDatabase('r0001', 'full'))
assert "getBackups() takes at most 2 arguments (3 given)" in fault(lambda: db.getBackups(False, True, 1))
assert "deleteBackups() argument 'backup_list'" in fault(lambda: db.deleteBackups('x'))
f = fault(lambda: db.backupDatabase('r0001', 12))
assert f.startswith('Unexpected Zope exception: UsageError: ') and 'level' in f, f
f = fault(lambda: db.restoreDatabase('10001 MY_DATABASE/id_1/level_0/node_0/backup_202601010000 MY_DATABASE', 'virtual access'))
assert 'not supported' in f, f

for target, method in ((obj(), 'getLicenseFeatures'), (obj(), 'addBucketFS'), (obj(), 'getHardwareInformation'),
                       (db, 'shrinkDatabase'), (obj('/storage'), 'startEXAStorage'), (obj('/r0001'), 'editRemoteVolume')):
    f = fault(lambda: getattr(target, method)())
    assert f.startswith('Unexpected Zope exception: NotSupported: ') and method + ' is not supported by this server' in f, f

root = connect()
assert 'job_exec' in root.system.listMethods() and 'getBackups' not in root.system.listMethods()
assert root.job_exec('db_list')['result_output'] == ['MY_DATABASE']
print('ok')
"#
    )));
    assert_eq!(out, "ok\n");
}
