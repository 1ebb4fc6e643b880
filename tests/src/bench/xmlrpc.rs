//! `job_exec('db_list')` calls per second from one Python `xmlrpc.client` (one keep-alive
//! HTTPS connection, as a ConfD script would use), with p50/p99 latency per call.

use crate::{TestDaemon, stdout_ok};

/// Prints calls/s, p50 and p99 of `calls` sequential `job_exec('db_list')` calls.
pub fn calls_per_second(calls: usize) -> anyhow::Result<()> {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        "import time\n\
         for _ in range(200): proxy.job_exec('db_list')\n\
         lat = []\n\
         t0 = time.perf_counter()\n\
         for _ in range({calls}):\n\
         \x20   t = time.perf_counter(); r = proxy.job_exec('db_list'); lat.append(time.perf_counter() - t)\n\
         total = time.perf_counter() - t0\n\
         assert r['result_output'] == ['MY_DATABASE']\n\
         lat.sort()\n\
         print('%.0f %.3f %.3f' % ({calls} / total, lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3))"
    )));
    let fields: Vec<&str> = out.split_whitespace().collect();
    let [rate, p50, p99] = fields.as_slice() else {
        anyhow::bail!("unexpected output of the Python client: {out}");
    };
    println!(
        "xmlrpc  job_exec('db_list'), 1 Python client, {calls} calls over one HTTPS connection: {rate} calls/s, p50 {p50} ms, p99 {p99} ms (target >= 2500 calls/s)"
    );
    Ok(())
}
