#!/usr/bin/env python3
"""Abort the running backup of a database and show that nothing of it is listed.

    abort_backup.py [--db MY_DATABASE] [--start VOLUME]   (--start: start a backup first)
"""

import argparse

from confd_connection import connect, run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="MY_DATABASE")
    parser.add_argument("--start", metavar="VOLUME", help="start a level-0 backup on VOLUME first")
    args = parser.parse_args()
    proxy = connect()

    before = {b["id"] for b in run(proxy, "db_backup_list", db_name=args.db)}
    if args.start:
        run(proxy, "db_backup_start", db_name=args.db, backup_volume_name=args.start, level=0)
    result = proxy.job_exec("db_backup_abort", {"params": {"db_name": args.db}})
    if result["result_code"] != 0:
        print("nothing aborted: %s" % result["result_desc"])
        return
    progress = run(proxy, "db_backup_progress", db_name=args.db)
    after = {b["id"] for b in run(proxy, "db_backup_list", db_name=args.db)}
    print(progress["Comment"])
    print("new backups listed after the abort: %d" % len(after - before))


if __name__ == "__main__":
    main()
