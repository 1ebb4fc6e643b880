//! Users and groups with per-job rights, through stock Python `xmlrpc.client` and urllib:
//! `exausers` reads but cannot act, `exadbadm` backs up, REST is for `exaadm` only, and a
//! deleted or disabled user is refused on its next request.

use confd_tests::{TestDaemon, stdout_ok};

const USERS: &str = r#"
ok('user_create', username='viewer', userid=1001, password='viewer-pass-1', group='exausers', login_enabled=True)
ok('user_create', username='operator', userid=1002, password='operator-pass-1', group=498, login_enabled=True)
viewer = connect('viewer', 'viewer-pass-1')
operator = connect('operator', 'operator-pass-1')
def as_user(proxy_, name, **params):
    return proxy_.job_exec(name, {'params': params})
"#;

#[test]
fn exausers_read_but_cannot_act_and_exadbadm_backs_up() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        r#"{USERS}
db = dict(db_name='MY_DATABASE')
for name, params in [('db_list', {{}}), ('db_info', db), ('db_state', db), ('db_backup_list', db),
                     ('db_backup_progress', db), ('st_volume_list', {{}}), ('remote_volume_list', {{}}),
                     ('remote_volume_info', dict(remote_volume_name='r0001'))]:
    print(name, as_user(viewer, name, **params)['result_name'])
start = dict(db_name='MY_DATABASE', backup_volume_name='r0001', level=0)
for name, params in [('db_backup_start', start), ('db_backup_abort', db), ('db_stop', db),
                     ('db_restore', dict(db_name='MY_DATABASE', backup_id='x', restore_type='blocking')),
                     ('remote_volume_remove', dict(remote_volume_name='r0001')),
                     ('user_create', dict(username='x', userid=9, password='', group='root', login_enabled=True))]:
    r = as_user(viewer, name, **params)
    print(r['result_name'], r['result_desc'])
print(as_user(operator, 'db_backup_start', **start)['result_name'])
wait('MY_DATABASE')
print(len(ids()), as_user(operator, 'user_list')['result_name'])
"#
    )));
    assert_eq!(
        out,
        "db_list OK\ndb_info OK\ndb_state OK\ndb_backup_list OK\ndb_backup_progress OK\n\
         st_volume_list OK\nremote_volume_list OK\nremote_volume_info OK\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'db_backup_start'\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'db_backup_abort'\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'db_stop'\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'db_restore'\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'remote_volume_remove'\n\
         PERMISSION_DENIED User 'viewer' is not allowed to run job 'user_create'\n\
         OK\n1 PERMISSION_DENIED\n"
    );
}

#[test]
fn rest_is_for_exaadm_and_deleted_or_disabled_users_get_401() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        r#"{USERS}
def rest_as(user, password):
    token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    request = urllib.request.Request(os.environ['CONFD_REST_URL'] + '/api/v1/databases',
                                     headers={{'Authorization': 'Basic ' + token}})
    context = ssl.create_default_context(cafile=os.environ['CONFD_CA_CERT'])
    try:
        with urllib.request.urlopen(request, context=context) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)['code']
print(rest_as('viewer', 'viewer-pass-1'), rest_as('viewer', 'wrong-password'))
def refused(proxy_):
    try:
        proxy_.job_exec('db_list')
        return 'served'
    except xmlrpc.client.ProtocolError as e:
        return e.errcode
print(refused(viewer), refused(operator))
ok('user_delete', username='viewer')
ok('user_modify', username='operator', login_enabled=False)
print(refused(viewer), refused(operator))
ok('user_modify', username='operator', login_enabled=True, group='exausers', additional_groups=['exadbadm'])
print(refused(operator))
info = ok('user_info', username='operator')
print(info['group'], info['additional_groups'], info['login_enabled'], sorted(info))
r = job('user_delete', username=os.environ['CONFD_USER'])
print(r['result_name'])
secrets = ['viewer-pass-1', 'operator-pass-1']
records = str([proxy.job_info('%s' % i) for i in [r['result_jobid']]]) + str(ok('user_list'))
print(any(s in records for s in secrets))
"#
    )));
    assert_eq!(
        out,
        "(403, 'PERMISSION_DENIED') (401, 'UNAUTHORIZED')\n\
         served served\n\
         401 401\n\
         served\n\
         exausers ['exadbadm'] True ['additional_groups', 'authorized_keys', 'group', 'id', 'login_enabled', 'name', 'password_set']\n\
         WRONG_STATE\n\
         False\n"
    );
}

#[test]
fn group_list_shows_exasols_groups_and_bad_user_input_is_named() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
print(ok('group_list'))
base = dict(username='u1', userid=1001, password='long-enough-1', group='exausers', login_enabled=True)
ok('user_create', **base)
for bad in [dict(username='u1'), dict(username='u2', userid=1001), dict(username='u2', userid=1002, group='wheel'),
            dict(username='u2', userid=1002, password='short'), dict(username='a/b', userid=1003),
            dict(username='u2', userid=1002, additional_groups=['nobody'])]:
    r = job('user_create', **{**base, **bad})
    print(r['result_name'], r['result_desc'].split(':')[0])
r = job('user_info', username='nobody')
print(r['result_name'], r['result_desc'])
r = job('user_create', **base)
print('long-enough-1' in str(proxy.job_info(r['result_jobid'])))
"#,
    ));
    assert_eq!(
        out,
        "{'exaadm': {'id': 499}, 'exabfsadm': {'id': 496}, 'exadbadm': {'id': 498}, 'exasaasadm': {'id': 495}, 'exastoradm': {'id': 497}, 'exausers': {'id': 500}, 'root': {'id': 0}}\n\
         INVALID_PARAMETER Invalid parameter 'username'\n\
         INVALID_PARAMETER Invalid parameter 'userid'\n\
         INVALID_PARAMETER Invalid parameter 'group'\n\
         INVALID_PARAMETER Invalid parameter 'password'\n\
         INVALID_PARAMETER Invalid parameter 'username'\n\
         INVALID_PARAMETER Invalid parameter 'additional_groups'\n\
         NOT_FOUND User 'nobody' does not exist\n\
         False\n"
    );
}

#[test]
fn job_management_over_xml_rpc_respects_the_jobs_owner() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        r#"{USERS}
p = {{'params': {{'db_name': 'MY_DATABASE'}}}}
j = proxy.job_start('db_state', p)
print(proxy.job_wait(j)['result_output'])
info = proxy.job_info(j)
print(info['name'], info['user'], info['state'], info['params'])
try:
    viewer.job_info(j)
except xmlrpc.client.Fault as f:
    print('fault', f.faultString)
print(proxy.job_stop(j)['result_desc'])
mine = viewer.job_start('db_state', p)
viewer.job_wait(mine)
print(viewer.job_info(mine)['user'], proxy.job_info(mine)['user'], viewer.job_finished(mine))
"#
    )));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "running");
    assert_eq!(
        lines[1],
        "db_state admin finished {'db_name': 'MY_DATABASE'}"
    );
    assert!(
        lines[2].starts_with("fault User 'viewer' is not allowed to run job 'job_info "),
        "{out}"
    );
    assert!(lines[3].ends_with("has already finished"), "{out}");
    assert_eq!(lines[4], "viewer viewer True");
}
