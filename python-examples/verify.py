#!/usr/bin/env python3
"""Verify the newest backup of a database (and the chain it builds on): start
db_backup_verify, follow db_backup_progress until it ends, print one status line.

Exit status: 0 when the backup is intact, 2 when it is damaged (the line names the
damaged files), 1 when the verify could not run.

    verify.py [--db MY_DATABASE]
"""

import argparse
import sys
import time

from confd_connection import connect, run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="MY_DATABASE")
    args = parser.parse_args()
    proxy = connect()

    backups = run(proxy, "db_backup_list", db_name=args.db)
    if not backups:
        sys.exit("database %s has no backup to verify" % args.db)
    # The list is ordered by commit time: the last entry is the newest backup.
    newest = backups[-1]["id"]
    run(proxy, "db_backup_verify", db_name=args.db, backup_id=newest)
    while True:
        p = run(proxy, "db_backup_progress", db_name=args.db)
        if not p["Comment"].endswith(("started", "active")):
            break
        time.sleep(0.05)

    comment = p["Comment"]
    if comment == "Verify has been successfully finished":
        print("intact: %s (%d bytes checked)" % (newest, p["Bytes total"]))
        return 0
    if "damaged file" in comment:
        print("DAMAGED: %s: %s" % (newest, comment.split(": ", 1)[1]))
        return 2
    print("verify did not complete: %s" % comment)
    return 1


if __name__ == "__main__":
    sys.exit(main())
