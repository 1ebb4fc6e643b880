//! Defects found by hostile testing (issue 11, point 7), each reproduced with stock
//! Python `xmlrpc.client` and curl: echoed values are capped, control characters
//! escaped, secrets never echoed, expiry bounds enforced.

use std::time::Duration;

use confd_tests::{TestDaemon, stdout_ok};

#[test]
fn echoed_values_are_capped_and_unknown_names_are_not_stored_in_full() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
big = 'j' * 2**20
r = proxy.job_exec(big)
print(r['result_name'], len(r['result_desc']) < 300, '… (1048576 characters)' in r['result_desc'])
print(len(proxy.job_info(r['result_jobid'])['name']) < 200)
for params in [{big: 1}, {'db_name': 'MY_DATABASE', 'backup_id': big, 'restore_type': 'blocking'},
               {'db_name': 'MY_DATABASE', 'backup_volume_id': 10001, 'level': 0, 'expire': big + 'w'},
               {'db_name': 'D' * 4096}]:
    job_name = 'db_restore' if 'backup_id' in params else 'db_backup_start' if 'level' in params else 'db_state'
    r = proxy.job_exec(job_name, {'params': params})
    info = proxy.job_info(r['result_jobid'])
    print(r['result_name'], len(r['result_desc']) < 400, len(str(info)) < 20000)
"#,
    ));
    assert_eq!(
        out,
        "NOT_FOUND True True\nTrue\n\
         INVALID_PARAMETER True True\n\
         INVALID_PARAMETER True True\n\
         INVALID_PARAMETER True True\n\
         NOT_FOUND True True\n"
    );
}

#[test]
fn control_characters_in_values_come_back_escaped_as_readable_xml() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
for value in ['A\x00B', 'A\x01B', 'A\x1bB']:
    r = job('db_state', db_name=value)
    print(r['result_name'], r['result_desc'])
try:
    proxy.job_result('1.1\x00')
except xmlrpc.client.Fault as f:
    print('fault', f.faultString.count('\\u0000'))
else:
    r = proxy.job_result('1.1\x00')
    print(r['result_name'], '\\u0000' in r['result_desc'])
"#,
    ));
    assert_eq!(
        out,
        "NOT_FOUND Database 'A\\u0000B' does not exist\n\
         NOT_FOUND Database 'A\\u0001B' does not exist\n\
         NOT_FOUND Database 'A\\u001bB' does not exist\n\
         INVALID_PARAMETER True\n"
    );
}

#[test]
fn credentials_in_an_s3_url_are_refused_and_never_echoed() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
r = job('remote_volume_add', vol_type='s3', url='http://u:SECRET@127.0.0.1:9/bucket')
print(r['result_name'], 'username and password' in r['result_desc'], 'SECRET' in str(r))
print('SECRET' in str(proxy.job_info(r['result_jobid'])))
print(ok('remote_volume_list'))
"#,
    ));
    assert_eq!(out, "INVALID_PARAMETER True False\nTrue\n['r0001']\n");
}

#[test]
fn rest_does_not_quote_a_secret_of_the_wrong_type() {
    let d = TestDaemon::start();
    let (status, body) = d.curl_rest(
        "POST",
        "/api/v1/databases/MY_DATABASE/volumes",
        true,
        &[
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"volType": "file", "url": "file:///tmp", "password": 123456789}"#,
        ],
    );
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("123456789"), "{body}");
    assert!(
        body.contains("password") && body.contains("expected a string"),
        "{body}"
    );
}

#[test]
fn expiry_outside_its_bounds_is_refused_with_the_reason() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='0w')
print(r['result_name'], r['result_desc'])
ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='1w')
wait('MY_DATABASE')
files = ok('db_backup_list', db_name='MY_DATABASE')[0]['expire_alterable'].split()[1]
for t in ['9223372036854775807', '0000-01-01 00:00:00', '2020-01-01 00:00:00', '10000-01-01 00:00:00']:
    r = job('db_backup_change_expiration', backup_volume_id=10001, backup_files=files, expire_time=t)
    print(r['result_name'], r['result_desc'].split(': ', 1)[0])
print(ok('db_backup_list', db_name='MY_DATABASE')[0]['expire'] != '')
"#,
    ));
    assert_eq!(
        out,
        "INVALID_PARAMETER Invalid parameter 'expire': '0w' is zero: the backup would expire at once (give a positive expiry, or none to keep it)\n\
         INVALID_PARAMETER Invalid parameter 'expire_time'\n\
         INVALID_PARAMETER Invalid parameter 'expire_time'\n\
         INVALID_PARAMETER Invalid parameter 'expire_time'\n\
         INVALID_PARAMETER Invalid parameter 'expire_time'\n\
         True\n"
    );
}

fn short_limits(c: &mut confd_daemon::Config) {
    c.connections = confd_daemon::ConnectionLimits {
        first_request: Duration::from_secs(1),
        request_head: Duration::from_secs(1),
        handshake: Duration::from_secs(1),
        max_connections: 64,
    };
}

/// Raw TLS connections to the XML-RPC listener, as a slow or idle client makes them.
const RAW_TLS: &str = r#"
import socket, urllib.parse
url = urllib.parse.urlsplit(os.environ['CONFD_URL'])
context = ssl._create_unverified_context()
def tls():
    c = context.wrap_socket(socket.create_connection((url.hostname, url.port)))
    c.settimeout(20)
    return c
def closed(c):
    """True once the server has closed the connection (whatever it sent before)."""
    try:
        while c.recv(1024):
            pass
        return True
    except (ConnectionError, ssl.SSLError):
        return True
    except socket.timeout:
        return False
"#;

#[test]
fn idle_and_slow_connections_are_closed_but_a_request_under_way_is_served() {
    let d = TestDaemon::start_with(short_limits);
    let out = stdout_ok(&d.python(&format!(
        r#"{RAW_TLS}
c = tls(); t = time.time()
print('idle closed', closed(c), time.time() - t < 10)
c = tls(); t = time.time()
try:
    for ch in b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n':
        c.send(bytes([ch]))
        time.sleep(0.2)
    print('slow closed', closed(c), time.time() - t < 10)
except (ConnectionError, ssl.SSLError):
    print('slow closed', True, time.time() - t < 10)
# A request whose body takes three seconds, far past the head timeout: once its head is
# in, the request is served whatever it takes.
body = xmlrpc.client.dumps(('db_list',), 'job_exec').encode()
token = base64.b64encode(('%s:%s' % (os.environ['CONFD_USER'], os.environ['CONFD_PASSWORD'])).encode())
c = tls()
c.send(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nAuthorization: Basic ' + token
       + b'\r\nContent-Length: %d\r\n\r\n' % len(body))
t = time.time()
for k in range(0, len(body), len(body) // 15 + 1):
    c.send(body[k:k + len(body) // 15 + 1])
    time.sleep(0.2)
answer = b''
while b'</methodResponse>' not in answer:
    answer += c.recv(65536)
print(answer.startswith(b'HTTP/1.1 200'), b'MY_DATABASE' in answer, time.time() - t > 2)
"#
    )));
    assert_eq!(
        out,
        "idle closed True True\nslow closed True True\nTrue True True\n"
    );
}

#[test]
fn a_listener_holds_at_most_its_cap_of_connections() {
    let d = TestDaemon::start_with(|c| c.connections.max_connections = 3);
    let out = stdout_ok(&d.python(&format!(
        r#"{RAW_TLS}
held = [tls() for _ in range(3)]
try:
    tls().send(b'GET / HTTP/1.1\r\n\r\n')
    print('fourth refused', False)
except (ConnectionError, ssl.SSLError, OSError):
    print('fourth refused', True)
held.pop().close()
deadline = time.time() + 10
while True:
    try:
        print(connect().job_exec('db_state', {{'params': {{'db_name': 'MY_DATABASE'}}}})['result_output'])
        break
    except (ConnectionError, ssl.SSLError, OSError):
        assert time.time() < deadline
        time.sleep(0.1)
"#
    )));
    assert_eq!(out, "fourth refused True\nrunning\n");
}
