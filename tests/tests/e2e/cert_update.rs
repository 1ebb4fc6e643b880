//! `cert_update` through stock Python: a new certificate is served on new connections of
//! both listeners at once while a connection opened before keeps working; a mismatched
//! pair, an expired or not yet valid certificate and garbage are refused naming the
//! parameter, with the old certificate still served; the new pair survives a restart,
//! and the key is never in a job record.

use confd_tests::{TestDaemon, stdout_ok};
use rcgen::{CertificateParams, DnType, KeyPair, SerialNumber, date_time_ymd};

/// A self-signed certificate for 127.0.0.1 and its key, both PEM.
struct Pair {
    cert: String,
    key: String,
}

fn pair(cn: &str, serial: u8, from_year: i32, to_year: i32) -> Pair {
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.serial_number = Some(SerialNumber::from(vec![0x4a, serial]));
    params.not_before = date_time_ymd(from_year, 1, 1);
    params.not_after = date_time_ymd(to_year, 1, 1);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Pair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// `peer(port)`: serial and CN of the certificate a new connection to `port` gets;
/// `upload(...)`: the result struct of cert_update.
const HELPERS: &str = r#"
import socket, tempfile, urllib.parse
def described(der):
    with tempfile.NamedTemporaryFile('w', suffix='.pem') as f:
        f.write(ssl.DER_cert_to_PEM_cert(der)); f.flush()
        c = ssl._ssl._test_decode_cert(f.name)
    return c['serialNumber'], dict(x[0] for x in c['subject']).get('commonName')
def port(env):
    return urllib.parse.urlsplit(os.environ[env]).port
def peer(env='CONFD_URL'):
    ctx = ssl._create_unverified_context()
    with socket.create_connection(('127.0.0.1', port(env))) as s, ctx.wrap_socket(s) as t:
        return described(t.getpeercert(True))
def upload(cert, key, ca=None):
    params = dict(cert=cert, key=key)
    if ca is not None:
        params['ca'] = ca
    return job('cert_update', **params)
"#;

fn py_str(text: &str) -> String {
    format!("'''{text}'''")
}

#[test]
fn a_new_certificate_is_served_on_new_connections_while_old_ones_keep_working() {
    let d = TestDaemon::start();
    let new = pair("confd-rotated", 0x11, 2020, 2090);
    let out = stdout_ok(&d.python(&format!(
        r#"{HELPERS}
old = connect()
old.job_exec('db_list')
old_sock = old._ServerProxy__transport._connection[1].sock
before = described(old_sock.getpeercert(True))
r = upload({cert}, {key}, ca={cert})
print(r['result_name'], r['result_output']['subject'], r['result_output']['serial'])
print(peer() != before, peer(), peer('CONFD_REST_URL'))
print(old.job_exec('db_list')['result_name'])
same = old._ServerProxy__transport._connection[1].sock is old_sock
print(same, described(old_sock.getpeercert(True)) == before)
"#,
        cert = py_str(&new.cert),
        key = py_str(&new.key),
    )));
    assert_eq!(
        out,
        "OK CN=confd-rotated 4a:11\n\
         True ('4A11', 'confd-rotated') ('4A11', 'confd-rotated')\n\
         OK\nTrue True\n"
    );
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.state_dir().join("client.json")).unwrap()).unwrap();
    assert!(
        settings["ca_cert"]
            .as_str()
            .unwrap()
            .ends_with("tls/installed-ca.pem"),
        "{settings}"
    );
}

#[test]
fn mismatched_expired_not_yet_valid_and_garbage_are_refused_and_the_old_one_stays() {
    let d = TestDaemon::start();
    let (a, b) = (pair("a", 1, 2020, 2090), pair("b", 2, 2020, 2090));
    let expired = pair("old", 3, 2001, 2002);
    let future = pair("future", 4, 2080, 2090);
    let out = stdout_ok(&d.python(&format!(
        r#"{HELPERS}
before = peer()
for cert, key, ca in [({a_cert}, {b_key}, None), ({exp_cert}, {exp_key}, None),
                      ({fut_cert}, {fut_key}, None), ('hello', {a_key}, None),
                      ({a_cert}, 'not a key', None), ({a_cert}, {a_key}, 'garbage'),
                      ({a_cert}, {a_key}, {exp_cert})]:
    r = upload(cert, key, ca)
    print(r['result_name'], r['result_desc'])
print(peer() == before, peer('CONFD_REST_URL') == before)
"#,
        a_cert = py_str(&a.cert),
        a_key = py_str(&a.key),
        b_key = py_str(&b.key),
        exp_cert = py_str(&expired.cert),
        exp_key = py_str(&expired.key),
        fut_cert = py_str(&future.cert),
        fut_key = py_str(&future.key),
    )));
    let keep = "the current certificate stays in use";
    assert_eq!(
        out,
        format!(
            "INVALID_PARAMETER Invalid parameter 'key': does not match the certificate in 'cert' (another public key); {keep}\n\
             INVALID_PARAMETER Invalid parameter 'cert': the certificate expired on 2002-01-01 00:00 UTC; {keep}\n\
             INVALID_PARAMETER Invalid parameter 'cert': the certificate is not valid before 2080-01-01 00:00 UTC; {keep}\n\
             INVALID_PARAMETER Invalid parameter 'cert': holds no PEM certificate (-----BEGIN CERTIFICATE-----); {keep}\n\
             INVALID_PARAMETER Invalid parameter 'key': is not a PEM private key (PKCS#8, PKCS#1 or SEC1); {keep}\n\
             INVALID_PARAMETER Invalid parameter 'ca': holds no PEM certificate (-----BEGIN CERTIFICATE-----); {keep}\n\
             INVALID_PARAMETER Invalid parameter 'ca': the certificate expired on 2002-01-01 00:00 UTC; {keep}\n\
             True True\n"
        )
    );
    assert!(!d.state_dir().join("tls/installed.pem").exists());
}

#[test]
fn the_new_pair_survives_a_restart_and_its_key_is_in_no_job_record() {
    use std::os::unix::fs::PermissionsExt as _;
    let state = tempfile::tempdir().unwrap();
    let new = pair("confd-kept", 0x22, 2020, 2090);
    let d = TestDaemon::start_in(state.path(), |_| {});
    let out = stdout_ok(&d.python(&format!(
        r#"{HELPERS}
r = upload({cert}, {key})
print(r['result_name'])
info = proxy.job_info(r['result_jobid'])
print(repr(info).count('PRIVATE KEY'), '{key_line}' in repr(info), info['params']['key'])
"#,
        cert = py_str(&new.cert),
        key = py_str(&new.key),
        key_line = new.key.lines().nth(1).unwrap(),
    )));
    assert_eq!(out, "OK\n0 False ******\n");
    drop(d);
    let bundle = state.path().join("tls/installed.pem");
    let mode = std::fs::metadata(&bundle).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let d = TestDaemon::start_in(state.path(), |_| {});
    let out = stdout_ok(&d.python(&format!(
        "{HELPERS}\nprint(peer(), peer('CONFD_REST_URL'))\n"
    )));
    assert_eq!(out, "('4A22', 'confd-kept') ('4A22', 'confd-kept')\n");
}
