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


def settings():
    """Return (url, user, password, ca_cert or None)."""
    stored = {}
    path = os.path.join(_state_dir(), "client.json")
    if os.path.exists(path):
        with open(path) as f:
            stored = json.load(f)
    url = os.environ.get("CONFD_URL") or stored.get("xmlrpc_url") or "https://127.0.0.1:20003"
    user = os.environ.get("CONFD_USER") or stored.get("user") or "admin"
    password = os.environ.get("CONFD_PASSWORD") or stored.get("password")
    if not password:
        sys.exit("no password: set CONFD_PASSWORD or run next to the daemon (client.json)")
    return url, user, password, os.environ.get("CONFD_CA_CERT") or stored.get("ca_cert")


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
