//! The hand-written hostile-input classes: raw HTTP requests (head and body as bytes, so
//! invalid UTF-8, NUL and duplicate headers go out as written) to the XML-RPC and REST
//! listeners. Every request is one a correct server refuses; [`CANARY`] sits past the
//! 100 characters an echoed value may keep, so finding it in an answer is an echo.

/// Marker placed deep inside hostile values; no answer may contain it.
pub const CANARY: &str = "zq-hostile-canary-7f3a";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    XmlRpc,
    Rest,
}

pub struct Case {
    pub class: &'static str,
    pub port: Port,
    pub raw: Vec<u8>,
}

/// A value that reaches an echo: at least 120 characters of `s` (the cap counts
/// characters, not bytes), then the canary.
pub fn deep(s: &str) -> String {
    let s = if s.is_empty() { "x" } else { s };
    format!("{}{CANARY}", s.repeat(120 / s.chars().count() + 1))
}

/// A whole HTTP/1.1 request with Basic auth (admin), `Connection: close` and a
/// Content-Length, plus `extra` header lines (each ending in CRLF).
pub fn http(method: &str, path: &[u8], auth: &[u8], extra: &[u8], body: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    raw.extend_from_slice(method.as_bytes());
    raw.push(b' ');
    raw.extend_from_slice(path);
    raw.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    raw.extend_from_slice(b"Authorization: Basic ");
    raw.extend_from_slice(auth);
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(extra);
    raw.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    raw.extend_from_slice(body);
    raw
}

/// `<methodCall>` of `job_exec(name, {'params': {members}})`; members are raw XML values.
pub fn job_body(name: &str, members: &[(&str, String)]) -> Vec<u8> {
    let members: String = members
        .iter()
        .map(|(k, v)| format!("<member><name>{k}</name><value>{v}</value></member>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>job_exec</methodName><params>\
         <param><value><string>{name}</string></value></param>\
         <param><value><struct><member><name>params</name><value><struct>{members}\
         </struct></value></member></struct></value></param></params></methodCall>"
    )
    .into_bytes()
}

/// `body` with its first `@` replaced by raw `bytes`.
fn with_bytes(body: Vec<u8>, bytes: &[u8]) -> Vec<u8> {
    match body.iter().position(|&c| c == b'@') {
        Some(at) => [&body[..at], bytes, &body[at + 1..]].concat(),
        None => body,
    }
}

pub fn s(v: &str) -> String {
    format!("<string>{}</string>", xml_escape(v))
}

fn xml_escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const DB: (&str, &str) = ("db_name", "<string>MY_DATABASE</string>");

fn db() -> (&'static str, String) {
    (DB.0, DB.1.to_owned())
}

/// Every class; `auth` is the admin's Basic token.
pub fn cases(auth: &str) -> Vec<Case> {
    let auth = auth.as_bytes();
    let x = |class, body: Vec<u8>| Case {
        class,
        port: Port::XmlRpc,
        raw: http("POST", b"/", auth, b"Content-Type: text/xml\r\n", &body),
    };
    let job = |class, name: &str, members: &[(&str, String)]| x(class, job_body(name, members));
    let rest = |class, method: &str, path: &[u8], body: &[u8]| Case {
        class,
        port: Port::Rest,
        raw: http(
            method,
            path,
            auth,
            b"Content-Type: application/json\r\n",
            body,
        ),
    };
    let head = |class, port, extra: &[u8]| Case {
        class,
        port,
        raw: http("GET", b"/api/v1/databases", auth, extra, b""),
    };
    let call = |m: &str| -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\"?><methodCall><methodName>{m}</methodName><params/></methodCall>"
        )
        .into_bytes()
    };
    let mut laughs = String::from("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY l0 \"lol\">");
    for i in 1..10 {
        let refs = format!("&l{};", i - 1).repeat(10);
        laughs.push_str(&format!("<!ENTITY l{i} \"{refs}\">"));
    }
    laughs.push_str("]><methodCall><methodName>&l9;</methodName><params/></methodCall>");
    let nested = |open: &str, close: &str, n: usize| {
        let mut b = String::from(
            "<?xml version=\"1.0\"?><methodCall><methodName>job_exec</methodName><params><param><value>",
        );
        b.push_str(&open.repeat(n));
        b.push_str("<string>x</string>");
        b.push_str(&close.repeat(n));
        b.push_str("</value></param></params></methodCall>");
        b.into_bytes()
    };
    let forged = [
        "10001 ../../../../etc/id_1/level_0/node_0/backup_202601010000 MY_DATABASE",
        "10001 /etc/passwd MY_DATABASE",
        "10001 MY_DATABASE/id_1/level_0/../../../../../tmp/backup_x MY_DATABASE",
        "18446744073709551616 MY_DATABASE/id_1/level_0/node_0/backup_202601010000 MY_DATABASE",
        "10001 MY_DATABASE/id_99999999999999999999/level_0/node_0/backup_1 MY_DATABASE",
    ];
    let mut v = vec![
        x("entity expansion (billion laughs)", laughs.into_bytes()),
        x(
            "external entity (file:///etc/passwd)",
            b"<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>job_exec</methodName><params><param><value><string>&x;</string></value></param></params></methodCall>".to_vec(),
        ),
        x(
            "external DTD and parameter entity",
            b"<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://127.0.0.1:9/evil.dtd\" [<!ENTITY % p SYSTEM \"file:///etc/shadow\"> %p;]><methodCall><methodName>db_list</methodName></methodCall>".to_vec(),
        ),
        x("deep nesting of arrays", nested("<array><data><value>", "</value></data></array>", 20_000)),
        x("deep nesting of structs", nested("<struct><member><name>a</name><value>", "</value></member></struct>", 20_000)),
        job("integer overflow (i4 level)", "db_backup_start", &[db(), ("backup_volume_id", "<int>10001</int>".into()), ("level", "<int>99999999999999999999</int>".into())]),
        job("integer overflow (i8 volume id)", "db_backup_start", &[db(), ("backup_volume_id", "<i8>9223372036854775808</i8>".into()), ("level", "<int>0</int>".into())]),
        job("negative and NaN numbers", "db_backup_start", &[db(), ("backup_volume_id", "<int>-2147483648</int>".into()), ("level", "<double>NaN</double>".into())]),
        x("invalid UTF-8 in the method name", b"<?xml version=\"1.0\"?><methodCall><methodName>job_\xff\xfe</methodName><params/></methodCall>".to_vec()),
        x("invalid UTF-8 in a value (lone lead byte)", with_bytes(job_body("db_state", &[("db_name", s("A@B"))]), b"\xc3")),
        x("overlong UTF-8 '/' in a name", with_bytes(job_body("db_backup_list", &[("db_name", s("..@etc"))]), b"\xc0\xaf")),
        x("NUL byte in the method name (raw)", call("db_list\0x")),
        x("NUL as a character reference", call("db_list&#0;")),
        job("NUL in a parameter value", "db_state", &[("db_name", "<string>MY_DATABASE&#0;</string>".into())]),
        job("NUL in a parameter name", "db_state", &[("db_name&#0;", s("MY_DATABASE"))]),
        job("name with '/'", "db_state", &[("db_name", s(&format!("../{}", deep("a/"))))]),
        job("name '..'", "st_volume_create", &[("name", s("..")), ("type", s("archive")), ("size", s("1 GiB"))]),
        job("volume name escaping the state dir", "remote_volume_add", &[("vol_type", s("file")), ("url", s("file:///tmp")), ("remote_volume_name", s("../../hardening-escape"))]),
        job("name with a newline", "db_state", &[("db_name", s(&format!("MY_DATABASE\n{}", deep("n"))))]),
        job("4 KB name", "db_backup_list", &[("db_name", s(&deep(&"N".repeat(4096))))]),
        job("4 KB user name with '/'", "user_create", &[("username", s(&"u/".repeat(2048))), ("userid", "<int>4242</int>".into()), ("password", s("a-long-password-1")), ("group", s("exausers")), ("login_enabled", "<boolean>1</boolean>".into())]),
        job("user id overflow", "user_create", &[("username", s("overflow")), ("userid", "<string>99999999999999999999</string>".into()), ("password", s("a-long-password-1")), ("group", s("exausers")), ("login_enabled", "<boolean>1</boolean>".into())]),
        job("unknown job, 64 KB name", &deep(&"j".repeat(65_536)), &[]),
        job("unknown parameter with a deep value", "db_list", &[("bogus", s(&deep("v")))]),
        job("expiry overflow", "db_backup_start", &[db(), ("backup_volume_id", "<int>10001</int>".into()), ("level", "<int>0</int>".into()), ("expire", s("999999999999999999999w"))]),
        x("duplicate struct members", job_body("db_backup_start", &[db(), ("db_name", s("OTHER")), ("backup_volume_id", "<int>1</int>".into()), ("backup_volume_id", "<int>99999</int>".into()), ("level", "<int>0</int>".into())])),
        x("invalid base64 and dateTime values", job_body("db_state", &[("db_name", "<base64>!!!not base64!!!</base64>".into()), ("when", "<dateTime.iso8601>9999-99-99T99:99:99</dateTime.iso8601>".into())])),
        x("empty body", Vec::new()),
        x("binary junk", (0u8..=255).cycle().take(4096).collect()),
        x("truncated XML", b"<?xml version=\"1.0\"?><methodCall><methodName>job_exec</methodName><params><param><value><str".to_vec()),
        x("UTF-16 and UTF-7 declarations", b"<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-methodCall+AD4-".to_vec()),
        x("50,000 struct members", job_body("db_list", &(0..50_000).map(|_| ("m", "<int>1</int>".to_owned())).collect::<Vec<_>>())),
        rest("REST path traversal", "GET", b"/api/v1/databases/..%2F..%2F..%2Fetc%2Fpasswd/backups", b""),
        rest("REST NUL in a path", "GET", b"/api/v1/databases/MY_DATABASE%00x/backups", b""),
        rest("REST invalid UTF-8 in a path", "GET", b"/api/v1/databases/%ff%fe%fd/backups", b""),
        rest("REST 8 KB path", "GET", format!("/api/v1/databases/{}", deep(&"p".repeat(8192))).as_bytes(), b""),
        rest("REST deep JSON nesting", "PUT", b"/api/v1/databases/MY_DATABASE/backups/start", &[b"[".repeat(100_000), b"]".repeat(100_000)].concat()),
        rest("REST integer overflow", "PUT", b"/api/v1/databases/MY_DATABASE/backups/start", br#"{"backupVolumeId": 18446744073709551616, "level": 1e400}"#),
        rest("REST invalid UTF-8 in a body", "PUT", b"/api/v1/databases/MY_DATABASE/backups/start", b"{\"backupVolumeName\": \"r\xff\xfe\", \"level\": 0}"),
        rest("REST duplicate keys", "PUT", b"/api/v1/databases/MY_DATABASE/backups/start", format!(r#"{{"level": 0, "level": 1, "backupVolumeName": "{}"}}"#, deep("v")).as_bytes()),
        rest("REST volume name with '../'", "POST", b"/api/v1/databases/MY_DATABASE/volumes", format!(r#"{{"volType": "file", "url": "file:///tmp/{}", "remoteVolumeName": "../hardening-escape"}}"#, deep("u")).as_bytes()),
        rest("REST body not JSON", "PUT", b"/api/v1/databases/MY_DATABASE/backups/restore", deep("<xml>").as_bytes()),
        rest("REST NUL in a JSON string", "PUT", b"/api/v1/databases/MY_DATABASE/backups/expiration", br#"{"backupVolumeId": 10001, "backupFiles": "MY_DATABASE/id_1/level_0\u0000", "expireTime": "2030-01-01 00:00:00"}"#),
        head("huge header (64 KB)", Port::Rest, format!("X-Big: {}\r\n", deep(&"h".repeat(65_536))).as_bytes()),
        head("huge header (1 MiB)", Port::XmlRpc, format!("X-Big: {}\r\n", deep(&"h".repeat(1 << 20))).as_bytes()),
        head("10,000 headers", Port::XmlRpc, "X-Many: 1\r\n".repeat(10_000).as_bytes()),
        head("duplicate Authorization (second one wrong)", Port::Rest, b"Authorization: Basic YWRtaW46d3Jvbmc=\r\n"),
        head("conflicting duplicate Content-Length", Port::Rest, b"Content-Length: 5\r\n"),
        Case {
            class: "Content-Length and chunked (smuggling)",
            port: Port::XmlRpc,
            raw: http("POST", b"/", auth, b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\nPOST / HTTP/1.1\r\n\r\n"),
        },
        head("header with NUL and a bare CR", Port::Rest, b"X-Bad: a\0b\rInjected: 1\r\n"),
        Case {
            class: "Authorization with invalid base64 and UTF-8",
            port: Port::XmlRpc,
            raw: http("POST", b"/", b"!!!\xff", b"", &call("db_list")),
        },
        Case {
            class: "Authorization with NUL in the user name",
            port: Port::Rest,
            raw: http("GET", b"/api/v1/databases", b"YWRtaW4AOng=", b"", b""),
        },
    ];
    for (i, id) in forged.iter().enumerate() {
        let class = [
            "forged backup ID: ../ outside the volume",
            "forged backup ID: absolute path",
            "forged backup ID: .. after the level",
            "forged backup ID: volume ID overflow",
            "forged backup ID: bid overflow",
        ][i];
        v.push(job(
            class,
            "db_backup_verify",
            &[db(), ("backup_id", s(id))],
        ));
        v.push(job(
            class,
            "db_backups_delete",
            &[
                db(),
                (
                    "backup_list",
                    format!("<array><data><value>{}</value></data></array>", s(id)),
                ),
            ],
        ));
        v.push(rest(
            class,
            "PUT",
            b"/api/v1/databases/MY_DATABASE/backups/restore",
            serde_json::json!({"backupId": id}).to_string().as_bytes(),
        ));
    }
    v.push(job(
        "forged backup files for an expiry change",
        "db_backup_change_expiration",
        &[
            ("backup_volume_id", "<int>10001</int>".into()),
            ("backup_files", s("../../MY_DATABASE/id_1/level_0")),
            ("expire_time", s("2030-01-01 00:00:00")),
        ],
    ));
    v
}
