//! The hostile-input driver: one Python process that sends raw requests over TLS, and
//! the pass criteria every answer is checked against.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Lines, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use confd_tests::{TestDaemon, base64_encode};
use serde_json::{Value, json};

use super::corpus::{CANARY, Port};

/// Sends each request line `{"port", "raw"}` on a fresh TLS connection and answers with
/// what came back: the whole response, its status, and for XML-RPC whether Python's
/// parser reads it and the `result_name` of a result struct.
const DRIVER: &str = r#"
import socket, ssl, sys, json, base64, os, urllib.parse, xmlrpc.client, xml.parsers.expat
ctx = ssl._create_unverified_context()
urls = {p: urllib.parse.urlsplit(os.environ[k]) for p, k in [('XmlRpc', 'CONFD_URL'), ('Rest', 'CONFD_REST_URL')]}
def dechunk(b):
    out = b''
    while b:
        size, _, b = b.partition(b'\r\n')
        n = int(size.split(b';')[0] or b'0', 16)
        if n == 0:
            break
        out, b = out + b[:n], b[n + 2:]
    return out
for line in sys.stdin:
    req = json.loads(line)
    u = urls[req['port']]
    out = {'status': None, 'error': None, 'xml_ok': None, 'result_name': None}
    data = b''
    try:
        c = ctx.wrap_socket(socket.create_connection((u.hostname, u.port), timeout=30))
        try:
            c.sendall(base64.b64decode(req['raw']))
        except OSError as e:
            out['error'] = 'closed while sending (%s)' % type(e).__name__
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            out['error'] = 'timeout'
        except OSError as e:
            out['error'] = 'reset (%s)' % type(e).__name__
        c.close()
    except OSError as e:
        out['error'] = 'connect: %s' % e
    head, _, body = data.partition(b'\r\n\r\n')
    if head.startswith(b'HTTP/1.1 '):
        out['status'] = int(head[9:12])
        if b'transfer-encoding: chunked' in head.lower():
            body = dechunk(body)
    if req['port'] == 'XmlRpc' and out['status'] == 200:
        try:
            (r,), _ = xmlrpc.client.loads(body)
            out['xml_ok'] = True
            if isinstance(r, dict):
                out['result_name'] = r.get('result_name')
        except xmlrpc.client.Fault:
            out['xml_ok'] = True
        except (xml.parsers.expat.ExpatError, ValueError) as e:
            out['xml_ok'] = False
            out['error'] = 'unreadable: %s' % e
    out['data'] = base64.b64encode(data).decode()
    print(json.dumps(out), flush=True)
"#;

pub struct Driver {
    child: Child,
    stdin: ChildStdin,
    answers: Lines<BufReader<ChildStdout>>,
    /// How many answers of each [`kind`], for the figures.
    pub kinds: BTreeMap<String, u32>,
}

impl Driver {
    pub fn start(d: &TestDaemon) -> Self {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(DRIVER)
            .envs(d.client_env())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdin = child.stdin.take().expect("piped");
        let answers = BufReader::new(child.stdout.take().expect("piped")).lines();
        Driver {
            child,
            stdin,
            answers,
            kinds: BTreeMap::new(),
        }
    }

    pub fn send(&mut self, port: Port, raw: &[u8]) -> Value {
        let port = if port == Port::XmlRpc {
            "XmlRpc"
        } else {
            "Rest"
        };
        let line = json!({"port": port, "raw": base64_encode(raw)});
        writeln!(self.stdin, "{line}").expect("driver takes requests");
        let answer = self.answers.next().expect("driver answers").expect("line");
        let answer: Value = serde_json::from_str(&answer).expect("driver JSON");
        *self.kinds.entry(kind(&answer)).or_default() += 1;
        answer
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode(b64: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap_or_default()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The pass criteria of one answer; `Err` names what failed.
pub fn check(raw: &[u8], answer: &Value) -> Result<(), String> {
    let data = decode(answer["data"].as_str().unwrap_or_default());
    let text = String::from_utf8_lossy(&data[..data.len().min(600)]).into_owned();
    let body = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(&raw[..0], |at| &raw[at + 4..]);
    let failure = if answer["error"] == "timeout" {
        Some("no answer and no close within 30 s")
    } else if answer["status"] == 500 {
        Some("a 500")
    } else if answer["xml_ok"] == false {
        Some("XML-RPC answer Python cannot parse")
    } else if answer["result_name"] == "ERROR" || contains(&data, b"panicked") {
        Some("an internal error (panic)")
    } else if contains(&data, CANARY.as_bytes()) {
        Some("the canary past the echo cap came back")
    } else if body.len() >= 200 && contains(&data, body) {
        Some("the request body came back")
    } else if contains(&data, b"root:x:0:0") {
        Some("a local file came back")
    } else if data.len() > 256 << 10 {
        Some("an answer over 256 KiB")
    } else {
        None
    };
    match failure {
        Some(f) => Err(format!("{f}: {} {text}", answer["error"])),
        None => Ok(()),
    }
}

/// How a request was refused, for the figures: `400`, `200 INVALID_PARAMETER`, `200
/// fault`, `closed` (the connection ended without an answer).
fn kind(answer: &Value) -> String {
    match (answer["status"].as_u64(), answer["result_name"].as_str()) {
        (None, _) => "closed".into(),
        (Some(200), Some(name)) => format!("200 {name}"),
        (Some(200), None) if answer["xml_ok"] == true => "200 fault".into(),
        (Some(status), _) => status.to_string(),
    }
}
