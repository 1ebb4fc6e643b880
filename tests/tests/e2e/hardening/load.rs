//! Load: 16 concurrent clients send `db_backup_progress`, `db_backup_list` and
//! `job_exec('db_list')` over XML-RPC and GETs over REST while a level-0 backup runs;
//! no request may fail, and the backup must restore byte for byte.

use std::time::Instant;

use confd_tests::{TestDaemon, stdout_ok, tree_hash};

use super::figure;

/// Demo data backed up under load, as the issue asks. On the project's 2-core machine
/// with the debug build the tests use, the whole test takes about a minute: generating
/// the data ~13 s, the load 30 s, restoring and comparing ~8 s.
const DATA_BYTES: u64 = 1 << 30;
/// Seconds each client keeps sending.
const SECONDS: u32 = 30;
const CLIENTS: u32 = 16;

/// Each client is a process of its own (so one client's Python never waits for another's
/// interpreter lock, which would inflate the latencies), with its own XML-RPC connection
/// and its own kept-alive REST connection, cycling through the four kinds. A barrier
/// starts the first backup once every client runs; backups follow each other until the
/// clients stop, so one is running during the whole load. Latencies in milliseconds.
const LOAD: &str = r#"
import http.client, multiprocessing, sys, urllib.parse
CLIENTS, SECONDS = int(os.environ['LOAD_CLIENTS']), float(os.environ['LOAD_SECONDS'])
rest_url = urllib.parse.urlsplit(os.environ['CONFD_REST_URL'])
token = base64.b64encode(('%s:%s' % (os.environ['CONFD_USER'], os.environ['CONFD_PASSWORD'])).encode()).decode()
kinds = ['db_backup_progress', 'db_backup_list', "job_exec('db_list')", 'REST GET']
rest_paths = ['/api/v1/databases', '/api/v1/databases/MY_DATABASE/backups',
              '/api/v1/databases/MY_DATABASE/backups/progress', '/api/v1/databases/MY_DATABASE']
mp = multiprocessing.get_context('fork')
ready = mp.Barrier(CLIENTS + 1)
results = mp.Queue()

def client(n):
    p = connect()
    h = http.client.HTTPSConnection(rest_url.hostname, rest_url.port, context=ssl._create_unverified_context())
    lat = {k: [] for k in kinds}
    bad, active = [], 0
    ready.wait()
    end = time.time() + SECONDS
    i = n
    while time.time() < end:
        kind = kinds[i % 4]
        t = time.perf_counter()
        try:
            if kind == 'REST GET':
                h.request('GET', rest_paths[(i // 4) % 4], headers={'Authorization': 'Basic ' + token, 'Accept': 'application/json'})
                r = h.getresponse(); body = r.read()
                if r.status != 200:
                    bad.append('%s %s' % (r.status, body[:200]))
                json.loads(body)
            else:
                r = (p.job_exec('db_list') if kind == "job_exec('db_list')"
                     else p.job_exec(kind, {'params': {'db_name': 'MY_DATABASE'}}))
                if r['result_code'] != 0:
                    bad.append(str(r)[:200])
                elif kind == 'db_backup_progress' and 'active' in r['result_output']['Comment']:
                    active += 1
        except Exception as e:
            bad.append('%s: %s' % (type(e).__name__, str(e)[:200]))
        lat[kind].append((time.perf_counter() - t) * 1000)
        i += 1
    results.put((lat, bad, active))

procs = [mp.Process(target=client, args=(n,)) for n in range(CLIENTS)]
for pr in procs:
    pr.start()
ready.wait()
t0 = time.time()
comments = []
while time.time() < t0 + SECONDS:
    b0 = time.time()
    ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='1w')
    comments.append('%s (%.1f s)' % (wait('MY_DATABASE')['Comment'], time.time() - b0))
lat, errors, during = {k: [] for k in kinds}, [], 0
for _ in procs:
    l, bad, active = results.get()
    for k in kinds:
        lat[k] += l[k]
    errors += bad
    during += active
for pr in procs:
    pr.join()
def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else 0
for k in kinds:
    print('figure load: %-20s %6d requests  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms' % (
        k, len(lat[k]), pct(lat[k], .5), pct(lat[k], .99), max(lat[k] or [0])), file=sys.stderr)
print('figure load: %d requests from %d clients in %.0f s, %d errors; %d progress answers saw a backup active; backups: %s'
      % (sum(len(v) for v in lat.values()), CLIENTS, SECONDS, len(errors), during, '; '.join(comments)), file=sys.stderr)
for e in errors[:20]:
    print('error', e, file=sys.stderr)
print(all(c.startswith('Backup has been successfully finished') for c in comments), len(errors),
      during > 0, all(len(v) > 0 for v in lat.values()))
"#;

#[test]
fn sixteen_clients_poll_while_a_large_backup_runs_without_an_error() {
    let t = Instant::now();
    let d = TestDaemon::start_with(|c| c.demo_size = DATA_BYTES);
    let data = d.state_dir().join("databases/MY_DATABASE");
    let before = tree_hash(&data);
    figure(&format!(
        "figure load: {} MiB of demo data ready after {:.1} s",
        DATA_BYTES >> 20,
        t.elapsed().as_secs_f64()
    ));
    let load = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!("{}{LOAD}", confd_tests::PYTHON_PRELUDE))
        .envs(d.client_env())
        .env("LOAD_CLIENTS", CLIENTS.to_string())
        .env("LOAD_SECONDS", SECONDS.to_string())
        .output()
        .expect("python3 runs");
    figure(&String::from_utf8_lossy(&load.stderr));
    let out = stdout_ok(&load);
    assert_eq!(
        out, "True 0 True True\n",
        "every backup succeeded, no request failed, the load overlapped the backups"
    );

    let t_restore = Instant::now();
    std::fs::write(data.join("node_1/changed"), "after the backup").unwrap();
    stdout_ok(&d.python(
        "ok('db_stop', db_name='MY_DATABASE')\n\
         ok('db_restore', db_name='MY_DATABASE', backup_id=ids()[0], restore_type='blocking')\n\
         assert wait('MY_DATABASE')['Comment'] == 'Restore has been successfully finished'",
    ));
    assert_eq!(
        tree_hash(&data),
        before,
        "the backup restores byte for byte"
    );
    figure(&format!(
        "figure load: restore and compare {:.1} s; whole test {:.1} s",
        t_restore.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64()
    ));
}
