#!/usr/bin/env python3
"""List remote and local archive volumes; optionally add a `file` remote volume.

    volumes.py                          list volumes with details
    volumes.py --add-file-volume DIR    add DIR as a remote volume of type file, then list
"""

import argparse

from confd_connection import connect, run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--add-file-volume", metavar="DIR", help="directory to add as a remote volume (vol_type file)")
    args = parser.parse_args()
    proxy = connect()

    if args.add_file_volume:
        added = run(proxy, "remote_volume_add", vol_type="file", url="file://" + args.add_file_volume)
        print("added remote volume %s" % added[0][0])

    print("Remote archive volumes:")
    for name in run(proxy, "remote_volume_list"):
        info = run(proxy, "remote_volume_info", remote_volume_name=name)
        state = run(proxy, "remote_volume_state", remote_volume_name=name)
        print("  %-10s vid %-6s %-5s %-40s %s" % (info["name"], info["vid"], info["type"], info["url"], state[0]))

    print("Local archive volumes:")
    for volume in run(proxy, "st_volume_list"):
        info = run(proxy, "st_volume_info", vid=int(volume["id"]))
        print("  %-16s id %-4s %-8s size %s" % (info["name"], info["id"], info["state"], info["size"]))


if __name__ == "__main__":
    main()
