#!/usr/bin/env bash
# Runs the PySpark job of examples/spark/ in local[2] on the fixture fleet and checks that the
# report of its summary equals the report of the same folders read on one machine (the command
# line each report quotes aside). Needs python3 with pyspark (pip install pyspark; Spark >= 3.5,
# Java 17) and spark-submit on PATH; no network. Not part of `cargo test`.
#
#   scripts/spark-smoke.sh            # builds target/release/bootline if missing
#   BOOTLINE=path/to/bootline scripts/spark-smoke.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bootline=${BOOTLINE:-$root/target/release/bootline}
if [[ ! -x $bootline ]]; then
    (cd "$root" && cargo build --release --quiet)
fi
command -v spark-submit >/dev/null || { echo "spark-smoke: spark-submit is not on PATH (pip install pyspark)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "spark-smoke: python3 is not on PATH" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=$root/fixtures/bootline.toml

python3 "$root/examples/spark/split_fleet.py" "$root/fixtures/fleet" "$work/fleet"
ls -d "$work"/fleet/i-* > "$work/instances.txt"

# Spark on this machine only: no network, the driver bound to the loopback address.
export SPARK_LOCAL_IP=127.0.0.1
spark-submit --master 'local[2]' --conf spark.ui.enabled=false \
    "$root/examples/spark/bootline_summary.py" \
    --bootline "$bootline" --config "$config" \
    --instances "$work/instances.txt" --partitions 8 --out "$work/fleet.summary" \
    2> "$work/spark.log" || { tail -50 "$work/spark.log" >&2; exit 1; }

# The same folders summarised on this machine, named as the executors named them: the same
# bytes.
"$bootline" summarize --config "$config" "$work/fleet" -o "$work/local.summary" 2>/dev/null
cmp "$work/fleet.summary" "$work/local.summary"

cd "$work"
report() { # OUT INPUT: exit 0 (no finding) or 1 (a finding) both write the report
    local code=0
    "$bootline" report --quiet --config "$config" --out "$1" "$2" 2>/dev/null || code=$?
    [[ $code -le 1 ]] || { echo "spark-smoke: bootline report $2 exited $code" >&2; exit 1; }
}
report spark-report fleet.summary
report local-report "$work/fleet"

status=0
for f in local-report/*; do
    name=$(basename "$f")
    case $name in
        report.md | report.json)
            # The command each report quotes names its own inputs.
            diff <(grep -v '^bootline report \|"command": ' "$f") \
                 <(grep -v '^bootline report \|"command": ' "spark-report/$name") >&2 || status=1
            ;;
        *) cmp "$f" "spark-report/$name" || status=1 ;;
    esac
done
[[ $(ls local-report | wc -l) -eq $(ls spark-report | wc -l) ]] || status=1
if [[ $status -eq 0 ]]; then
    echo "spark-smoke: the Spark job's report equals the single-machine report ($(ls local-report | wc -l) files)"
else
    echo "spark-smoke: the reports differ" >&2
fi
exit $status
