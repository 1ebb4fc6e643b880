# The one Python prelude of the test suites (TestDaemon::python runs it before each
# snippet). Connections are built the way Exasol's examples build them; the helpers keep
# the snippets short. Settings come from the environment of TestDaemon::client_env.
import base64, json, os, ssl, time, urllib.error, urllib.request, xmlrpc.client


def connect(user=os.environ['CONFD_USER'], password=os.environ['CONFD_PASSWORD']):
    """An xmlrpc.client.ServerProxy with the credentials in the URL, an unverified TLS
    context and allow_none=True, as Exasol documents it."""
    url = os.environ['CONFD_URL'].replace('https://', 'https://%s:%s@' % (user, password), 1)
    return xmlrpc.client.ServerProxy(url, context=ssl._create_unverified_context(), allow_none=True)


proxy = connect()


def job(name, **params):
    """The result struct of job `name`."""
    return proxy.job_exec(name, {'params': params})


def ok(name, **params):
    """The output of job `name`, asserting it succeeded."""
    r = job(name, **params)
    assert r['result_code'] == 0, r
    return r.get('result_output')


def wait(db):
    """Polls db_backup_progress until the running backup or restore has ended."""
    while True:
        p = ok('db_backup_progress', db_name=db)
        if 'started' not in p['Comment'] and 'active' not in p['Comment']:
            return p
        time.sleep(0.02)


def ids(db='MY_DATABASE'):
    """IDs of the backups db_backup_list shows."""
    return [b['id'] for b in ok('db_backup_list', db_name=db)]


def rest(method, path, body=None):
    """(status, JSON) of a call to the Administration API with urllib, the daemon's CA
    trusted and HTTP Basic auth; errors are answers too."""
    token = '%s:%s' % (os.environ['CONFD_USER'], os.environ['CONFD_PASSWORD'])
    headers = {'Authorization': 'Basic ' + base64.b64encode(token.encode()).decode(),
               'Accept': 'application/json', 'Content-Type': 'application/json'}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(os.environ['CONFD_REST_URL'] + path, data=data, method=method, headers=headers)
    context = ssl.create_default_context(cafile=os.environ['CONFD_CA_CERT'])
    try:
        with urllib.request.urlopen(request, context=context) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
