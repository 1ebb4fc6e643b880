"""Exasol's backup procedure through the Administration API (REST), standard library only.

List the databases, list the archive volumes of the first one, start a level-0 backup on
r0001 that expires in a week, poll its progress until it is done, list the backups.

Settings, first found wins: the environment (CONFD_REST_URL, CONFD_USER, CONFD_PASSWORD,
CONFD_CA_CERT), then client.json in the confd state directory ($CONFD_STATE_DIR, else
$XDG_DATA_HOME/confd, else ~/.local/share/confd; key rest_url).

    python3 rest_backup.py [--volume r0001] [--level 0] [--expire 1w]
"""

import argparse
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import confd_connection


def settings():
    """Return (rest_url, user, password, ca_cert or None)."""
    return confd_connection.settings("CONFD_REST_URL", "rest_url", "https://127.0.0.1:4444")


class Api:
    """Calls the Administration API with HTTP Basic auth, as Exasol's curl examples do."""

    def __init__(self):
        self.url, user, password, ca_cert = settings()
        self.token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        # Exasol's examples use curl --insecure; we verify when the daemon's CA is known.
        self.context = ssl.create_default_context(cafile=ca_cert) if ca_cert else ssl._create_unverified_context()

    def call(self, method, path, body=None):
        headers = {"Authorization": "Basic " + self.token, "accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, context=self.context) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            try:
                error = json.load(e)
                detail = "%s: %s" % (error.get("code"), error.get("message"))
            except ValueError:
                detail = e.reason
            sys.exit("%s %s failed with HTTP %d: %s" % (method, path, e.code, detail))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", default="r0001", help="archive volume name (default r0001)")
    parser.add_argument("--level", type=int, default=0, help="backup level (default 0)")
    parser.add_argument("--expire", default="1w", help="expiry, e.g. 1w or '1w 3d' (default 1w)")
    args = parser.parse_args()
    api = Api()

    databases = api.call("GET", "/api/v1/databases")
    for db in databases:
        print("database %s: version %s, %s, %d nodes" % (db["id"], db["version"], db["state"], db["numNodes"]))
    if not databases:
        sys.exit("no database")
    db_path = "/api/v1/databases/" + urllib.parse.quote(databases[0]["id"], safe="")

    volumes = api.call("GET", db_path + "/volumes")
    for v in volumes:
        print("volume %s (ID %d): %s %s %s" % (v["name"], v["id"], v["type"], v["volType"], v["url"]))
    volume = next((v for v in volumes if v["name"] == args.volume), None)
    if volume is None:
        sys.exit("no archive volume named %s" % args.volume)

    before = len(api.call("GET", db_path + "/backups"))
    body = {"backupVolumeId": volume["id"], "backupVolumeName": volume["name"], "level": args.level, "expire": args.expire}
    started = api.call("PUT", db_path + "/backups/start", body)
    print("backup started: job %s" % started["jobId"])

    # Poll until the new backup is listed and no operation is running any more.
    deadline = time.time() + 3600
    while True:
        progress = api.call("GET", db_path + "/backups/progress")
        backups = api.call("GET", db_path + "/backups")
        percent = progress.get("progress")
        print("progress: %s%% %s" % (percent if percent is not None else "?", progress.get("comment") or ""))
        if len(backups) > before and (percent is None or percent >= 100):
            break
        comment = (progress.get("comment") or "").lower()
        if "fail" in comment or "abort" in comment:
            sys.exit("the backup did not complete: %s" % progress.get("comment"))
        if time.time() > deadline:
            sys.exit("the backup did not finish within an hour")
        time.sleep(0.5)

    for b in backups:
        print("backup %s: level %d on %s, %s, expires %s, usable %s" % (
            b["id"], b["level"], b["volume"], b["usage"], b["expire"] or "never", b["usable"]))


if __name__ == "__main__":
    main()
