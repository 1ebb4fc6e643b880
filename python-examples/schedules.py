#!/usr/bin/env python3
"""Schedule backups the way Exasol documents it: a nightly level 0 and an hourly level 1
on the same archive volume, then show them as db_info lists them under config: backups.
Adding a schedule that exists already replaces nothing: the job refuses, and so do we.

    schedules.py [--db MY_DATABASE] [--volume r0001] [--remove]
"""

import argparse

from confd_connection import connect, run

SCHEDULES = [
    # name, level, expire, cron fields
    ("nightly", 0, "1w", {"minute": 0, "hour": 2}),
    ("hourly", 1, "2d", {"minute": 30, "hour": "*"}),
]


def show(proxy, db):
    backups = run(proxy, "db_info", db_name=db)["config"].get("backups", {})
    if not backups:
        print("no schedules")
    for name, s in sorted(backups.items()):
        state = "enabled" if s["enabled"] else "disabled"
        cron = " ".join(s[k] for k in ("minute", "hour", "day", "month", "weekday"))
        last = "%s %s" % (s["last_run"], s["last_outcome"]) if s["last_run"] else "never ran"
        print("%-8s level %d to %s, expire %s, cron '%s' (%s), %s; next run %s %s; last: %s"
              % (name, s["level"], s["volume"], s["expire"] or "never", cron, s["time_zone"],
                 state, s["next_run"] or "-", s["time_zone"], last))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="MY_DATABASE")
    parser.add_argument("--volume", default="r0001", help="archive volume name (remote or local)")
    parser.add_argument("--remove", action="store_true", help="remove the two schedules instead")
    args = parser.parse_args()
    proxy = connect()
    for name, level, expire, cron in SCHEDULES:
        if args.remove:
            run(proxy, "db_backup_remove_schedule", db_name=args.db, backup_name=name)
            print("removed %s" % name)
        else:
            run(proxy, "db_backup_add_schedule", db_name=args.db, backup_name=name,
                backup_volume_name=args.volume, level=level, expire=expire, **cron)
            print("added %s" % name)
    show(proxy, args.db)


if __name__ == "__main__":
    main()
