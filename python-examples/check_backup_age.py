#!/usr/bin/env python3
"""Nagios/Icinga plugin: is there a recent usable backup of a database? Uses the ConfD
jobs db_backup_list (job_exec over XML-RPC).

    check_backup_age.py [-H HOST:PORT] [-u USER] [-p PASSWORD] [-d DB] [-w HOURS] [-c HOURS]

OK when the newest usable backup is younger than the warning age; WARNING when it is
older, or when a base backup expires before a backup that depends on it; CRITICAL when
it is older than the critical age or no usable backup exists; UNKNOWN when the server
cannot be asked. One status line with perfdata; exit codes 0, 1, 2, 3.
Defaults come from the environment or client.json (see confd_connection.py).
"""

import argparse
import datetime
import ssl
import sys
import urllib.parse
import xmlrpc.client

from confd_connection import settings

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


def finish(status, text, perfdata=""):
    print("BACKUP %s - %s%s" % (NAMES[status], text, " | " + perfdata if perfdata else ""))
    sys.exit(status)


def minute(text):
    """A 'YYYY-MM-DD HH:MM' time (UTC) of db_backup_list, or None for an empty one."""
    if not text:
        return None
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=datetime.timezone.utc)


def backups(args):
    url = "https://%s:%s@%s" % (urllib.parse.quote_plus(args.user), urllib.parse.quote_plus(args.password), args.host)
    context = ssl.create_default_context(cafile=args.ca_cert) if args.ca_cert else ssl._create_unverified_context()
    proxy = xmlrpc.client.ServerProxy(url, context=context, allow_none=True)
    result = proxy.job_exec("db_backup_list", {"params": {"db_name": args.db}})
    if result["result_code"] != 0:
        finish(UNKNOWN, "db_backup_list failed: %s" % result["result_desc"])
    return result["result_output"]


def outlived_bases(usable):
    """Backups whose base expires before they do: (base, dependent) pairs."""
    by_key = {(b["volume"], b["bid"]): b for b in usable}
    pairs = []
    for b in usable:
        base = by_key.get((b["volume"], int(b["dependencies"]))) if b["dependencies"].isdigit() else None
        if base and base["expire"] and (not b["expire"] or minute(base["expire"]) < minute(b["expire"])):
            pairs.append((base, b))
    return pairs


def main():
    url, user, password, ca_cert = settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-H", "--host", default=urllib.parse.urlsplit(url).netloc, help="host[:port] of the XML-RPC listener")
    parser.add_argument("-u", "--user", default=user)
    parser.add_argument("-p", "--password", default=password)
    parser.add_argument("-d", "--db", default="MY_DATABASE")
    parser.add_argument("-w", "--warning", type=float, default=26.0, help="warning age in hours (default 26)")
    parser.add_argument("-c", "--critical", type=float, default=50.0, help="critical age in hours (default 50)")
    parser.add_argument("--ca-cert", default=ca_cert, help="CA certificate of the server (default: do not verify)")
    args = parser.parse_args()

    try:
        listed = backups(args)
    except (OSError, xmlrpc.client.Error) as e:
        finish(UNKNOWN, "cannot ask %s: %s" % (args.host, e))
    usable = [b for b in listed if b["usable"]]
    thresholds = "%g;%g" % (args.warning, args.critical)
    if not usable:
        finish(CRITICAL, "no usable backup of %s" % args.db, "age_hours=U;%s usable=0" % thresholds)
    newest = max(usable, key=lambda b: (b["timestamp"], b["bid"]))
    now = datetime.datetime.now(datetime.timezone.utc)
    age = max(0.0, (now - minute(newest["timestamp"])).total_seconds() / 3600)
    perfdata = "age_hours=%.2f;%s usable=%d" % (age, thresholds, len(usable))
    text = "newest usable backup of %s is %.1f h old (%s)" % (args.db, age, newest["id"])
    if age >= args.critical:
        finish(CRITICAL, text, perfdata)
    outlived = outlived_bases(usable)
    if outlived:
        base, dependent = outlived[0]
        finish(WARNING, "level %d backup %d expires %s, before level %d backup %d that depends on it (%s)" % (
            base["level"], base["bid"], base["expire"], dependent["level"], dependent["bid"],
            dependent["expire"] or "never"), perfdata)
    if age >= args.warning:
        finish(WARNING, text, perfdata)
    finish(OK, text, perfdata)


if __name__ == "__main__":
    main()
