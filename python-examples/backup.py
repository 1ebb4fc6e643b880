#!/usr/bin/env python3
"""Back up a database the way Exasol documents it for XML-RPC: find the database, find the
volume, start a backup, follow db_backup_progress with a progress bar, list the backups.

    backup.py [--db MY_DATABASE] [--volume r0001] [--level 0] [--expire 1w]
"""

import argparse
import sys
import time

from confd_connection import connect, run


def progress_bar(p, width=30):
    filled = width * p["Progress"] // 100
    eta = p.get("ETA seconds")
    extra = " %5.1f MB/s" % p.get("Rate MB/s", 0) + (" ETA %ds" % eta if eta else "")
    return "[%s%s] %3d%%%s  %s" % ("#" * filled, "." * (width - filled), p["Progress"], extra, p["Comment"])


def follow(proxy, db, interactive=sys.stdout.isatty()):
    """Poll db_backup_progress until the operation ends; return the last progress."""
    while True:
        p = run(proxy, "db_backup_progress", db_name=db)
        line = progress_bar(p)
        print(("\r" + line) if interactive else line, end="" if interactive else "\n", flush=True)
        if not p["Comment"].endswith(("started", "active")):
            if interactive:
                print()
            return p
        time.sleep(0.5 if interactive else 0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="MY_DATABASE")
    parser.add_argument("--volume", default="r0001", help="archive volume name (remote or local)")
    parser.add_argument("--level", type=int, default=0)
    parser.add_argument("--expire", default="1w", help="e.g. '1w 3d'; '' for never")
    args = parser.parse_args()
    proxy = connect()

    if args.db not in run(proxy, "db_list"):
        sys.exit("database %s does not exist" % args.db)
    volumes = run(proxy, "remote_volume_list") + [v["name"] for v in run(proxy, "st_volume_list")]
    if args.volume not in volumes:
        sys.exit("volume %s does not exist (known: %s)" % (args.volume, ", ".join(volumes)))

    params = {"db_name": args.db, "backup_volume_name": args.volume, "level": args.level}
    if args.expire:
        params["expire"] = args.expire
    run(proxy, "db_backup_start", **params)
    last = follow(proxy, args.db)
    if last["Comment"] != "Backup has been successfully finished":
        sys.exit(last["Comment"])

    for b in run(proxy, "db_backup_list", db_name=args.db):
        print("%-70s level %d  %s  expires %-16s usable %s" % (b["id"], b["level"], b["usage"], b["expire"] or "never", b["usable"]))


if __name__ == "__main__":
    main()
