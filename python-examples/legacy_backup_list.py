#!/usr/bin/env python3
"""List a database's backups through EXAoperation's legacy XML-RPC object API, the way
scripts written for EXAoperation do it (TLS 1.2 without certificate check, credentials
quoted with quote_plus, the database object at /cluster1/db_<name>). With
--restore-newest it then stops the database, restores the newest usable backup and
starts the database again, through the same API only.

    legacy_backup_list.py [--host HOST:PORT] [--user USER] [--password PW] [--db NAME]
                          [--restore-newest]

Defaults come from the environment or client.json (see confd_connection.py).
"""

import argparse
import ssl
import sys
import time
import urllib.parse
import xmlrpc.client

from confd_connection import settings


def object_proxy(host, user, password, path):
    """A ServerProxy for one EXAoperation object, built as EXAoperation's examples build it."""
    url = "https://%s:%s@%s/cluster1%s" % (urllib.parse.quote_plus(user), urllib.parse.quote_plus(password), host, path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return xmlrpc.client.ServerProxy(url, context=context)


def restore_newest(database, backups):
    usable = [b for b in backups if b["usable"]]
    if not usable:
        sys.exit("no usable backup to restore")
    newest = max(usable, key=lambda b: (b["timestamp"], b["bid"]))
    print("restoring %s" % newest["id"])
    if database.runningDatabase():
        database.shutdownDatabase()
        while database.runningDatabase():
            time.sleep(0.2)
    database.restoreDatabase(newest["id"], "blocking")
    while True:
        progress = database.getPddProgress()
        if not progress["Comment"].endswith(("started", "active")):
            break
        time.sleep(0.2)
    print(progress["Comment"])
    if progress["Comment"] != "Restore has been successfully finished":
        sys.exit(1)
    if not database.runningDatabase():
        database.startDatabase()
    print("database is %s" % database.stateDatabase())


def main():
    url, user, password, _ = settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=urllib.parse.urlsplit(url).netloc, help="host[:port] of the XML-RPC listener")
    parser.add_argument("--user", default=user)
    parser.add_argument("--password", default=password)
    parser.add_argument("--db", default="MY_DATABASE")
    parser.add_argument("--restore-newest", action="store_true")
    args = parser.parse_args()

    database = object_proxy(args.host, args.user, args.password, "/db_" + urllib.parse.quote_plus(args.db))
    try:
        backups = database.getBackups(False, True)
        for b in backups:
            info = database.getBackupInfo([b["bid"], b["volume"]])
            print("%4d  level %d  %s  expires %-16s  %-8s  %s  depends on %s  %d files" % (
                b["bid"], b["level"], b["timestamp"], info["expire date"] or "never",
                "usable" if b["usable"] else "UNUSABLE", b["volume"],
                info["dependencies"] or "-", len(info["files"])))
        if not backups:
            print("no backups of %s" % args.db)
        if args.restore_newest:
            restore_newest(database, backups)
    except xmlrpc.client.ProtocolError as e:
        sys.exit("no access to the server: %s %s" % (e.errcode, e.errmsg))
    except xmlrpc.client.Fault as e:
        if "NotFound: Object" in e.faultString:
            sys.exit("database instance not found")
        sys.exit(e.faultString)


if __name__ == "__main__":
    main()
