#!/usr/bin/env python3
"""List the databases and their states (Exasol: "List databases" with XML-RPC)."""

from confd_connection import connect, run


def main():
    proxy = connect()
    for name in run(proxy, "db_list"):
        state = run(proxy, "db_state", db_name=name)
        info = run(proxy, "db_info", db_name=name)
        print("%-20s %-8s nodes: %d" % (name, state, info["config"]["num_active_nodes"]))


if __name__ == "__main__":
    main()
