"""Lays out a fleet as one folder per instance holding all its files: its logs and its own
platform events (an event that names only a workspace goes with the instance that launched it),
which is how an engine's partitions must see a fleet. Used by scripts/spark-smoke.sh.

    python3 examples/spark/split_fleet.py fixtures/fleet /tmp/fleet
"""

import json
import os
import shutil
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    instances = sorted(d for d in os.listdir(src) if d.startswith("i-"))
    os.makedirs(dst)
    for i in instances:
        shutil.copytree(os.path.join(src, i), os.path.join(dst, i))
    launched_by = {}
    lines = []
    with open(os.path.join(src, "events.jsonl")) as f:
        for line in f:
            event = json.loads(line)
            if event.get("event") == "launched":
                launched_by[event["workspace"]] = event["instance"]
            lines.append((line, event))
    by_instance = {}
    for line, event in lines:
        instance = event.get("instance") or launched_by[event["workspace"]]
        by_instance.setdefault(instance, []).append(line)
    for instance, own in by_instance.items():
        folder = os.path.join(dst, instance)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "events.jsonl"), "w") as f:
            f.writelines(own)
    print("%d instance folders in %s" % (len(by_instance), dst))


if __name__ == "__main__":
    main()
