"""Summarise a fleet's boot logs on Spark with bootline, and merge the parts in a tree.

map:    each partition of instance folders runs `bootline summarize FOLDER… -o -` on an
        executor, with the bootline binary and the configuration shipped by SparkContext.addFile;
merge:  the partial summaries are merged by `bootline summarize PART PART -o -` in a tree
        (RDD.treeReduce): merging is associative and commutative, so any tree gives the same
        bytes;
write:  the driver writes the one summary that `bootline report`, `recommend`, `fit` and
        `check` read as they read the logs.

Each instance's files (its logs and its platform events) must be in one folder: a partition
holds whole instances, so no machine is split between two summaries.

    spark-submit --master local[2] examples/spark/bootline_summary.py \\
        --bootline target/release/bootline --config fixtures/bootline.toml \\
        --instances instances.txt --out fleet.summary

`--instances` names a file with one instance folder per line, as every executor sees it (a
shared or mounted filesystem). With `--fetch 'CMD {src} {dst}'`, each folder is first copied to
the executor's local disk with that command (for example `hadoop fs -copyToLocal {src} {dst}`
or `gcloud storage cp -r {src} {dst}`), and the summary lists the local copies as its inputs.
"""

import argparse
import os
import shlex
import stat
import subprocess
import sys
import tempfile

from pyspark import SparkContext, SparkFiles


def shipped(name):
    """The path of a file shipped with addFile, on this executor or the driver."""
    return SparkFiles.get(os.path.basename(name))


def bootline(args, shipped_names):
    """Runs the shipped bootline with args; returns its standard output (a summary)."""
    binary = shipped(shipped_names["bootline"])
    mode = os.stat(binary).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(binary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    cmd = [binary, "summarize", "--config", shipped(shipped_names["config"])]
    cmd += shipped_names.get("extra", []) + args + ["-o", "-"]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if run.returncode != 0:
        raise RuntimeError(
            "bootline summarize failed (exit %d): %s"
            % (run.returncode, run.stderr.decode("utf-8", "replace"))
        )
    sys.stderr.write(run.stderr.decode("utf-8", "replace"))
    return run.stdout


def summarize_partition(folders, shipped_names, fetch):
    """map: one summary of a partition's instance folders (none for an empty partition)."""
    folders = [f for f in folders if f]
    if not folders:
        return
    with tempfile.TemporaryDirectory(prefix="bootline-part-") as tmp:
        if fetch:
            local = []
            for i, src in enumerate(folders):
                dst = os.path.join(tmp, "%06d-%s" % (i, os.path.basename(src.rstrip("/"))))
                cmd = [w.format(src=src, dst=dst) for w in shlex.split(fetch)]
                subprocess.run(cmd, check=True)
                local.append(dst)
            folders = local
        yield bootline(folders, shipped_names)


def merge(shipped_names):
    """merge: two summaries into one, by bootline itself."""

    def both(a, b):
        with tempfile.TemporaryDirectory(prefix="bootline-merge-") as tmp:
            paths = []
            for name, data in (("a.summary", a), ("b.summary", b)):
                path = os.path.join(tmp, name)
                with open(path, "wb") as f:
                    f.write(data)
                paths.append(path)
            return bootline(paths, shipped_names)

    return both


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootline", required=True, help="the bootline binary (Linux, for the executors)")
    p.add_argument("--config", required=True, help="bootline.toml")
    p.add_argument("--instances", required=True, help="a file: one instance folder per line")
    p.add_argument("--out", required=True, help="the summary to write (on the driver)")
    p.add_argument("--partitions", type=int, default=0, help="default: Spark's parallelism")
    p.add_argument("--depth", type=int, default=2, help="depth of the merge tree")
    p.add_argument("--group-by", help="keep this label's values (bootline summarize --group-by)")
    p.add_argument("--fetch", help="copy each folder to local disk first: 'CMD {src} {dst}'")
    args = p.parse_args()

    with open(args.instances) as f:
        folders = [line.strip() for line in f if line.strip()]
    if not folders:
        sys.exit("bootline_summary: %s lists no instance folder" % args.instances)

    sc = SparkContext(appName="bootline-summary")
    sc.addFile(os.path.abspath(args.bootline))
    sc.addFile(os.path.abspath(args.config))
    shipped_names = {"bootline": args.bootline, "config": args.config}
    if args.group_by:
        shipped_names["extra"] = ["--group-by", args.group_by]
    slices = args.partitions or sc.defaultParallelism
    fetch = args.fetch
    parts = sc.parallelize(folders, slices).mapPartitions(
        lambda it: summarize_partition(list(it), shipped_names, fetch)
    )
    summary = parts.treeReduce(merge(shipped_names), depth=args.depth)
    tmp = args.out + ".part"
    with open(tmp, "wb") as f:
        f.write(summary)
    os.replace(tmp, args.out)
    print("bootline_summary: %d instance folders in %d partitions -> %s"
          % (len(folders), slices, args.out))
    sc.stop()


if __name__ == "__main__":
    main()
