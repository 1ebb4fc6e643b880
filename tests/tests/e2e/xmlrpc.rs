//! Stock Python `xmlrpc.client` against the daemon, as Exasol's documentation calls it.

use confd_tests::{TestDaemon, stdout_ok};

#[test]
fn db_list_returns_the_demo_database_as_documented() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "r = proxy.job_exec('db_list')\n\
         print(r['result_code'], r['result_name'], r['result_output'], r['result_desc'])\n\
         print(sorted(r.keys()))",
    ));
    assert_eq!(
        out,
        "0 OK ['MY_DATABASE'] Success\n['result_code', 'result_desc', 'result_jobid', 'result_name', 'result_output']\n"
    );
}

#[test]
fn jobs_without_output_have_no_result_output_and_state_follows() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "p = {'params': {'db_name': 'MY_DATABASE'}}\n\
         r = proxy.job_exec('db_stop', p)\n\
         print('result_output' in r, r['result_name'], 'result_revision' in r)\n\
         print(proxy.job_exec('db_state', p)['result_output'])\n\
         proxy.job_exec('db_start', p)\n\
         print(proxy.job_exec('db_state', p)['result_output'])",
    ));
    assert_eq!(out, "False OK True\nsetup\nrunning\n");
}

#[test]
fn volumes_are_listed_as_the_spec_shows() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "print(proxy.job_exec('remote_volume_list')['result_output'])\n\
         i = proxy.job_exec('remote_volume_info', {'params': {'remote_volume_id': 10001}})['result_output']\n\
         print(i['name'], repr(i['vid']), i['type'], i['url'].startswith('file:///'))\n\
         print([v['name'] for v in proxy.job_exec('st_volume_list')['result_output']])\n\
         s = proxy.job_exec('st_volume_info', {'params': {'vname': 'ArchiveVolume1'}})['result_output']\n\
         print(s['id'], s['name'], s['state'])\n\
         print(proxy.job_exec('remote_volume_state', {'params': {'remote_volume_name': 'r0001'}})['result_output'])",
    ));
    assert_eq!(
        out,
        "['r0001']\nr0001 '10001' file True\n['ArchiveVolume1']\n1 ArchiveVolume1 ONLINE\n['Online']\n"
    );
}

#[test]
fn remote_volume_add_allocates_the_next_id_and_masks_the_password() {
    let d = TestDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_ok(&d.python(&format!(
        "r = proxy.job_exec('remote_volume_add', {{'params': {{'vol_type': 'file', 'url': 'file://{}', 'username': 'u', 'password': 'hunter2'}}}})\n\
         print(r['result_name'], r['result_output'][0][0], r['result_output'][0][1])\n\
         i = proxy.job_exec('remote_volume_info', {{'params': {{'remote_volume_name': 'r0002'}}}})['result_output']\n\
         print(i['vid'], i['password'])\n\
         info = proxy.job_info(r['result_jobid'])\n\
         print('hunter2' in str(info), info['params']['password'])\n\
         r = proxy.job_exec('remote_volume_add', {{'params': {{'vol_type': 'smb', 'url': 'smb:////1.2.3.4/share'}}}})\n\
         print(r['result_name'], r['result_desc'])",
        dir.path().display()
    )));
    assert_eq!(
        out,
        "OK r0002 admin\n10002 ******\nFalse ******\nUNSUPPORTED Remote volume type 'smb' is not supported by this server (supported: file, s3)\n"
    );
}

#[test]
fn job_start_wait_result_and_info_follow_one_job() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "j = proxy.job_start('db_state', {'params': {'db_name': 'MY_DATABASE'}})\n\
         w = proxy.job_wait(j)\n\
         print(w['result_jobid'] == j, w['result_output'], proxy.job_finished(j))\n\
         print(proxy.job_result(j)['result_output'], proxy.job_info(j)['name'])\n\
         print(proxy.job_result('999.1')['result_name'])",
    ));
    assert_eq!(out, "True running True\nrunning db_state\nNOT_FOUND\n");
}

#[test]
fn introspection_lists_methods_and_jobs_and_multicall_works() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "m = proxy.system.listMethods()\n\
         print('job_exec' in m, 'system.multicall' in m)\n\
         print('db_backup_list' in proxy.job_list() or 'db_list' in proxy.job_list())\n\
         print(proxy.job_desc('st_volume_info')['substitutes'])\n\
         print(proxy.system.methodSignature('job_exec'))\n\
         mc = xmlrpc.client.MultiCall(proxy)\n\
         mc.job_exec('db_list')\n\
         mc.job_exec('remote_volume_list')\n\
         print([r['result_output'] for r in mc()])",
    ));
    assert_eq!(
        out,
        "True True\nTrue\n{'vid': ['vname']}\n[['struct', 'string', 'struct']]\n[['MY_DATABASE'], ['r0001']]\n"
    );
}

#[test]
fn job_ids_are_epoch_dot_sequence_and_epoch_grows_on_restart() {
    let state = tempfile::tempdir().unwrap();
    let first = {
        let d = TestDaemon::start_in(state.path(), |_| {});
        stdout_ok(&d.python("print(proxy.job_exec('db_list')['result_jobid'])"))
    };
    let d = TestDaemon::start_in(state.path(), |_| {});
    let second = stdout_ok(&d.python(&format!(
        "print(proxy.job_exec('db_list')['result_jobid'])\nprint(proxy.job_result('{}')['result_output'])",
        first.trim()
    )));
    assert_eq!(first.trim(), "1.1");
    assert_eq!(
        second, "2.1\n['MY_DATABASE']\n",
        "records survive a restart"
    );
}

#[test]
fn created_database_over_user_data_survives_delete() {
    let d = TestDaemon::start_with(|c| c.demo = false);
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir(data.path().join("node_0")).unwrap();
    std::fs::write(data.path().join("node_0/keep.txt"), "mine").unwrap();
    let out = stdout_ok(&d.python(&format!(
        "p = {{'db_name': 'OWN', 'nodes': 2, 'data_path': '{}'}}\n\
         print(proxy.job_exec('db_create', {{'params': p}})['result_name'])\n\
         print(proxy.job_exec('db_list')['result_output'], proxy.job_exec('db_info', {{'params': {{'db_name': 'OWN'}}}})['result_output']['state'])\n\
         print(proxy.job_exec('db_delete', {{'params': {{'db_name': 'OWN'}}}})['result_name'])\n\
         proxy.job_exec('db_stop', {{'params': {{'db_name': 'OWN'}}}})\n\
         print(proxy.job_exec('db_delete', {{'params': {{'db_name': 'OWN'}}}})['result_name'])\n\
         print(proxy.job_exec('db_list')['result_output'])",
        data.path().display()
    )));
    assert_eq!(out, "OK\n['OWN'] running\nWRONG_STATE\nOK\n[]\n");
    assert_eq!(
        std::fs::read_to_string(data.path().join("node_0/keep.txt")).unwrap(),
        "mine"
    );
    assert!(
        data.path().join("node_1").is_dir(),
        "missing node directory created"
    );
}

#[test]
fn health_and_master_answer() {
    let d = TestDaemon::start();
    let health = stdout_ok(&d.curl(&[&format!("{}/health", d.metrics_url())]));
    assert!(health.starts_with("ok: 1 database"), "{health}");
    let master = stdout_ok(&d.curl(&[&format!("{}/master", d.xmlrpc_url())]));
    assert_eq!(master, "127.0.0.1");
    let ready = stdout_ok(&d.curl(&["--fail", &format!("{}/is_master", d.xmlrpc_url())]));
    assert_eq!(ready, "true");
}

#[test]
fn user_passwd_changes_the_password_and_keeps_client_json_working() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "r = proxy.job_exec('user_passwd', {'params': {'password': 'short'}})\n\
         print(r['result_name'], r['result_desc'])\n\
         r = proxy.job_exec('user_passwd', {'params': {'password': 'a-new-password-42'}})\n\
         try:\n    proxy.job_exec('db_list')\nexcept xmlrpc.client.ProtocolError as e:\n    print('old password:', e.errcode)\n\
         new = connect('admin', 'a-new-password-42')\n\
         print(r['result_name'], 'a-new-password-42' in str(new.job_info(r['result_jobid'])))\n\
         print(new.job_exec('db_list')['result_output'])\n\
         print(json.load(open(os.path.join(os.environ['CONFD_STATE_DIR'], 'client.json')))['password'])",
    ));
    assert_eq!(
        out,
        "INVALID_PARAMETER Invalid parameter 'password': must have at least 8 characters\nold password: 401\nOK False\n['MY_DATABASE']\na-new-password-42\n"
    );
}
