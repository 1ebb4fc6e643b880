#!/usr/bin/env python3
"""Restore a database from a backup (Exasol's restore procedure): stop the database,
restore the chosen backup (a level-N backup brings its whole chain), follow the progress,
check that the database runs again.

    restore.py [--db MY_DATABASE] [--backup-id ID]   (default: the newest usable backup)
"""

import argparse
import sys
import time

from confd_connection import connect, run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="MY_DATABASE")
    parser.add_argument("--backup-id", help="an 'id' from db_backup_list")
    parser.add_argument("--restore-type", default="blocking")
    args = parser.parse_args()
    proxy = connect()

    backups = [b for b in run(proxy, "db_backup_list", db_name=args.db) if b["usable"]]
    if not backups:
        sys.exit("no usable backup of %s" % args.db)
    backup_id = args.backup_id or backups[-1]["id"]
    print("restoring %s" % backup_id)

    if run(proxy, "db_state", db_name=args.db) == "running":
        run(proxy, "db_stop", db_name=args.db)
    run(proxy, "db_restore", db_name=args.db, backup_id=backup_id, restore_type=args.restore_type)
    while True:
        p = run(proxy, "db_backup_progress", db_name=args.db)
        print("%3d%%  %s" % (p["Progress"], p["Comment"]))
        if not p["Comment"].endswith(("started", "active")):
            break
        time.sleep(0.2)
    if p["Comment"] != "Restore has been successfully finished":
        sys.exit(p["Comment"])
    print("database %s is %s" % (args.db, run(proxy, "db_state", db_name=args.db)))


if __name__ == "__main__":
    main()
