"""Connect to ConfD the way Exasol's documentation does, with settings found on this machine.

Settings, first found wins: the environment (CONFD_URL, CONFD_USER, CONFD_PASSWORD,
CONFD_CA_CERT), then client.json in the confd state directory ($CONFD_STATE_DIR, else
$XDG_DATA_HOME/confd, else ~/.local/share/confd). Standard library only.
"""

import json
import os
import ssl
import sys
import urllib.parse
import xmlrpc.client


def _state_dir():
    if os.environ.get("CONFD_STATE_DIR"):
        return os.environ["CONFD_STATE_DIR"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "confd")


def stored_settings():
    """The contents of client.json in the state directory, or {} when there is none."""
    path = os.path.join(_state_dir(), "client.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def settings(url_variable="CONFD_URL", url_key="xmlrpc_url", default_url="https://127.0.0.1:20003"):
    """Return (url, user, password, ca_cert or None) for XML-RPC (or, with the REST
    variable and key, for the Administration API)."""
    stored = stored_settings()
    url = os.environ.get(url_variable) or stored.get(url_key) or default_url
    user = os.environ.get("CONFD_USER") or stored.get("user") or "admin"
    password = os.environ.get("CONFD_PASSWORD") or stored.get("password")
    if not password:
        sys.exit("no password: set CONFD_PASSWORD or run next to the daemon (client.json)")
    return url.rstrip("/"), user, password, os.environ.get("CONFD_CA_CERT") or stored.get("ca_cert")


def connect():
    """An xmlrpc.client.ServerProxy for ConfD (credentials in the URL, as documented)."""
    url, user, password, ca_cert = settings()
    parts = urllib.parse.urlsplit(url)
    quoted = "%s:%s@%s" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(password, safe=""), parts.netloc)
    # Exasol's examples disable verification; we verify when the daemon's CA is known.
    context = ssl.create_default_context(cafile=ca_cert) if ca_cert else ssl._create_unverified_context()
    return xmlrpc.client.ServerProxy(urllib.parse.urlunsplit(parts._replace(netloc=quoted)), context=context, allow_none=True)


def run(proxy, job, **params):
    """job_exec a job; exit with its message when it fails; return result_output (or None)."""
    result = proxy.job_exec(job, {"params": params}) if params else proxy.job_exec(job)
    if result["result_code"] != 0:
        sys.exit("%s failed: %s (%s)" % (job, result["result_desc"], result["result_name"]))
    return result.get("result_output")
