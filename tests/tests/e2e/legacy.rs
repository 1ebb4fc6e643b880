//! EXAoperation's legacy XML-RPC object API under `/cluster1`, driven by stock Python
//! `xmlrpc.client` built the way EXAoperation's scripts build it.

mod errors;
mod methods;
mod probes;

/// Python defining `obj(path, user, password)`: a ServerProxy for `/cluster1<path>` with
/// TLS 1.2, CERT_NONE, no hostname check and `quote_plus`'d credentials; `fault(call)`
/// returns the fault string of a call that must fail.
pub const LEGACY: &str = r#"
import urllib.parse
def obj(path='', user=os.environ['CONFD_USER'], password=os.environ['CONFD_PASSWORD']):
    host = urllib.parse.urlsplit(os.environ['CONFD_URL']).netloc
    url = 'https://%s:%s@%s/cluster1%s' % (urllib.parse.quote_plus(user), urllib.parse.quote_plus(password), host, path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return xmlrpc.client.ServerProxy(url, context=context)
def fault(call):
    try:
        call()
    except xmlrpc.client.Fault as f:
        assert f.faultCode == -1, f.faultCode
        return f.faultString
    raise AssertionError('no fault')
db = obj('/db_MY_DATABASE')
def pdd_wait():
    while True:
        p = db.getPddProgress()
        if not p['Comment'].endswith(('started', 'active')):
            return p
        time.sleep(0.02)
"#;
