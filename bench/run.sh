#!/usr/bin/env bash
# Whole-pipeline benchmark: generates a synthetic darknet capture with
# `darkscope synth` and measures, in the same run and on the same file, darkscope
# against its peers (tcpdump with a BPF filter, tshark, cat) and against the floor
# of any analysis (bench/pcap_walk: find every record, read a few bytes of each),
# each pinned to one core with a warm page cache, best of several runs. Writes a
# table to stdout and build/bench/results.json.
#
#   bench/run.sh [packets=20000000]
#
# Environment:
#   DARKSCOPE_BIN   darkscope binary (default build/release/darkscope, built if missing)
#   DARKNET         darknet prefixes (default 198.18.0.0/16, in the RFC 2544 benchmarking range)
#   SEED, DAYS      generator parameters (default 1, 1: a telescope's daily file)
#   START           first day of the capture (default 2020-02-11)
#   RUNS            runs per measurement, best kept (default 3; slow tools run twice)
#   NO_TSHARK=1     skip tshark (it is slow: it runs on a 1M-packet prefix and is scaled)
#   NO_INGEST=1     skip the ingest row
#   CPU             the core to pin to (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

case "${1:-}" in
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
packets="${1:-20000000}"
[[ "$packets" =~ ^[1-9][0-9]*$ ]] || { echo "bench: packets must be a positive number, not '$packets' (--help)" >&2; exit 2; }
darknet="${DARKNET:-198.18.0.0/16}"
seed="${SEED:-1}"
days="${DAYS:-1}"
start="${START:-2020-02-11}"
runs="${RUNS:-3}"
cpu="${CPU:-0}"
bin="${DARKSCOPE_BIN:-build/release/darkscope}"
out="build/bench"
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package 'time'; run scripts/setup)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"

if [ ! -x "$bin" ]; then
  echo "bench: building release ($bin not found)" >&2
  scripts/build release >&2
fi
[ -x "$bin" ] || die "$bin still missing after the build"

# ---------------------------------------------------------------- captures
# A capture is reused when it was generated with the same parameters by the same
# generator version; a .params file beside it records them.
synth_seconds=""
synth_capture() {  # $1 packets, $2 file
  local n="$1" file="$2"
  local params="packets=$n darknet=$darknet seed=$seed days=$days start=$start version=$("$bin" --version 2>/dev/null | head -1)"
  if [ -f "$file" ] && [ -f "$file.params" ] && [ "$(cat "$file.params")" = "$params" ]; then
    return
  fi
  echo "bench: generating $n packets into $file" >&2
  local t
  t=$( { /usr/bin/time -f '%e %M' "$bin" synth --packets "$n" --darknet "$darknet" --start "$start" \
          --days "$days" --seed "$seed" -q -o "$file" ; } 2>&1 | tail -1)
  echo "$params" > "$file.params"
  [ "$n" = "$packets" ] && synth_seconds="${t%% *}"
  return 0
}

capture="$out/synth-$packets-s$seed.pcap"
half=$((packets / 2))
half_capture="$out/synth-$half-s$seed.pcap"
synth_capture "$packets" "$capture"
synth_capture "$half" "$half_capture"
bytes=$(stat -c %s "$capture")
half_bytes=$(stat -c %s "$half_capture")

# ---------------------------------------------------------------- measuring
# measure NAME PACKETS BYTES RUNS CMD...: best wall time, the CPU time (user + sys)
# of that run, and the peak RSS of all runs. CPU time is kept because a loaded
# machine stretches wall time but hardly CPU time.
declare -a rows=()
measure() {
  local name="$1" n="$2" b="$3" r="$4"
  shift 4
  local best="" best_cpu="" rss=0 t m u s
  for _ in $(seq "$r"); do
    local pin=(taskset -c "$cpu")
    [ "${UNPINNED:-0}" = "1" ] && pin=()
    /usr/bin/time -f '%e %M %U %S' -o "$out/.time" "${pin[@]}" "$@" >/dev/null 2>"$out/.stderr" ||
      { echo "bench: '$name' failed:" >&2; tail -5 "$out/.stderr" >&2; return 1; }
    read -r t m u s < <(tail -1 "$out/.time")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
      best="$t"
      best_cpu=$(awk "BEGIN{print $u + $s}")
    fi
    [ "$m" -gt "$rss" ] && rss="$m"
  done
  rows+=("$name|$n|$b|$best|$rss|$best_cpu")
  printf '  %-34s %8.2f s (cpu %.2f s)\n' "$name" "$best" "$best_cpu" >&2
}

echo "bench: warming the page cache" >&2
cat "$capture" "$half_capture" >/dev/null

help=$("$bin" analyze --help 2>&1 || true)
no_enrich=()
if grep -q -- '--no-enrich' <<<"$help"; then no_enrich=(--no-enrich); fi

echo "bench: measuring ($runs runs each, pinned to CPU $cpu)" >&2
measure "cat" "$packets" "$bytes" "$runs" cat "$capture"
# The floor: finding every record of the mapped file and reading a few bytes of
# each packet, nothing more (bench/pcap_walk.cpp, built with the release build).
walk="$(dirname "$bin")/bench/pcap_walk"
if [ -x "$walk" ]; then
  measure "record walk (pcap_walk, the floor)" "$packets" "$bytes" "$runs" "$walk" "$capture"
fi
measure "darkscope analyze ${no_enrich[*]}" "$packets" "$bytes" "$runs" \
  "$bin" analyze -q --darknet "$darknet" "${no_enrich[@]}" "$capture"
measure "darkscope analyze (enriched)" "$packets" "$bytes" "$runs" \
  "$bin" analyze -q --darknet "$darknet" "$capture"
measure "darkscope analyze, half capture" "$half" "$half_bytes" 2 \
  "$bin" analyze -q --darknet "$darknet" "${no_enrich[@]}" "$half_capture"
measure "tcpdump 'tcp[4:4] = ip[16:4]'" "$packets" "$bytes" 2 \
  tcpdump -r "$capture" -w /dev/null 'tcp[4:4] = ip[16:4]'

# ---------------------------------------------------------------- ingest
# capture -> SQLite store, from an empty database each run (measured when the
# binary has the command; further store rows go here).
# ingest runs its counting, event detectors, hashing and SQLite writes on threads
# of their own: one row pinned to the same single core as analyze, one free to use
# both cores (the way it is meant to run).
if [ "${NO_INGEST:-0}" != "1" ] && "$bin" ingest --help >/dev/null 2>&1; then
  db="$out/bench.sqlite"
  ingest_cmd=(sh -c 'rm -f "$1" "$1-wal" "$1-shm"; exec "$2" ingest -q --db "$1" --darknet "$3" "$4"'
    ingest "$db" "$bin" "$darknet" "$capture")
  measure "darkscope ingest (enriched)" "$packets" "$bytes" 2 "${ingest_cmd[@]}" ||
    echo "bench: ingest not measured" >&2
  UNPINNED=1 measure "darkscope ingest, both cores" "$packets" "$bytes" 2 "${ingest_cmd[@]}" ||
    echo "bench: ingest not measured" >&2
  ingest_db_mb=$(du -m "$db" | cut -f1)
fi

if [ "${NO_TSHARK:-0}" != "1" ] && command -v tshark >/dev/null && command -v editcap >/dev/null; then
  prefix_n=$((packets < 1000000 ? packets : 1000000))
  prefix="$out/synth-$packets-s$seed.prefix.pcap"
  [ -f "$prefix" ] && [ "$prefix" -nt "$capture" ] || editcap -r "$capture" "$prefix" "1-$prefix_n" >/dev/null
  cat "$prefix" >/dev/null
  measure "tshark (1M prefix, scaled)" "$prefix_n" "$(stat -c %s "$prefix")" 1 \
    tshark -n -r "$prefix" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e ip.src
fi

# ---------------------------------------------------------------- report
printf '\nCapture: %s packets, %.1f MB, darknet %s, %s days (%s)\n' \
  "$packets" "$(awk "BEGIN{print $bytes/1e6}")" "$darknet" "$days" "$capture"
[ -n "$synth_seconds" ] && printf 'Generated by darkscope synth in %s s (%.2f Mpps)\n' "$synth_seconds" \
  "$(awk "BEGIN{print $packets/$synth_seconds/1e6}")"
printf '\n%-36s %9s %9s %12s %9s %10s\n' tool seconds cpu-s packets/s MB/s "peak RSS"
json_rows=""
declare -A pps mbps rssmb cpus secs
for row in "${rows[@]}"; do
  IFS='|' read -r name n b t rss c <<<"$row"
  p=$(awk "BEGIN{printf \"%.0f\", ($t > 0 ? $n / $t : 0)}")
  m=$(awk "BEGIN{printf \"%.1f\", ($t > 0 ? $b / $t / 1e6 : 0)}")
  r=$(awk "BEGIN{printf \"%.1f\", $rss / 1024}")
  pps["$name"]=$p
  mbps["$name"]=$m
  rssmb["$name"]=$r
  cpus["$name"]=$c
  secs["$name"]=$t
  printf '%-36s %9.2f %9.2f %12s %9s %7s MB\n' "$name" "$t" "$c" "$p" "$m" "$r"
  json_rows+="${json_rows:+,}{\"tool\":\"$name\",\"packets\":$n,\"bytes\":$b,\"seconds\":$t,\"cpu_seconds\":$c,\"packets_per_second\":$p,\"mb_per_second\":$m,\"peak_rss_mb\":$r}"
done

ds="darkscope analyze ${no_enrich[*]}"
td="tcpdump 'tcp[4:4] = ip[16:4]'"
# (Parentheses: in awk, `printf ... > 0` would redirect into a file named 0.)
ratio_tcpdump=$(awk "BEGIN{printf \"%.2f\", (${pps[$td]:-0} > 0 ? ${pps[$ds]:-0} / ${pps[$td]:-1} : 0)}")
ratio_cat=$(awk "BEGIN{printf \"%.0f\", (${mbps[cat]:-0} > 0 ? 100 * ${mbps[$ds]:-0} / ${mbps[cat]:-1} : 0)}")
ratio_tcpdump_cpu=$(awk "BEGIN{printf \"%.2f\", (${cpus[$ds]:-0} > 0 ? ${cpus[$td]:-0} / ${cpus[$ds]:-1} : 0)}")
printf '\ndarkscope / tcpdump packet rate: %sx by wall time, %sx by CPU time (target >= 4x)\n' \
  "$ratio_tcpdump" "$ratio_tcpdump_cpu"
printf 'darkscope byte rate / cat byte rate: %s%% (target >= 40%%)\n' "$ratio_cat"
fl="record walk (pcap_walk, the floor)"
if [ -n "${secs[$fl]:-}" ] && [ -n "${secs[$td]:-}" ]; then
  printf 'walking the records alone takes %s s; 4x tcpdump'"'"'s rate leaves %s s for the whole analysis\n' \
    "${secs[$fl]}" "$(awk "BEGIN{printf \"%.2f\", ${secs[$td]} / 4}")"
fi
de="darkscope analyze (enriched)"
enrich_cost=$(awk "BEGIN{printf \"%.0f\", (${pps[$de]:-0} > 0 ? 100 * (${pps[$ds]:-0} / ${pps[$de]:-1} - 1) : 0)}")
printf 'enrichment adds %s%% to analyze wall time (target <= 30%%)\n' "$enrich_cost"
di="darkscope ingest (enriched)"
dib="darkscope ingest, both cores"
ratio_ingest=""
ratio_ingest_both=""
if [ -n "${pps[$di]:-}" ]; then
  ratio_ingest=$(awk "BEGIN{printf \"%.0f\", (${pps[$de]:-0} > 0 ? 100 * ${pps[$di]:-0} / ${pps[$de]:-1} : 0)}")
  ratio_ingest_both=$(awk "BEGIN{printf \"%.0f\", (${pps[$de]:-0} > 0 ? 100 * ${pps[$dib]:-0} / ${pps[$de]:-1} : 0)}")
  printf 'ingest packet rate / enriched analyze packet rate: %s%% on one core, %s%% on both (target >= 50%%)\n' \
    "$ratio_ingest" "$ratio_ingest_both"
  printf 'database: %s MB, %s MB per million packets\n' "$ingest_db_mb" \
    "$(awk "BEGIN{printf \"%.1f\", $ingest_db_mb * 1e6 / $packets}")"
fi
printf 'peak RSS, full vs half capture: %s MB vs %s MB (should not grow with file size)\n' \
  "${rssmb[$ds]:-?}" "${rssmb[darkscope analyze, half capture]:-?}"

cat >"$out/results.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "host": {"cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')", "cores": $(nproc), "pinned_cpu": $cpu},
  "darkscope_version": "$("$bin" --version 2>/dev/null | head -1)",
  "capture": {"path": "$capture", "packets": $packets, "bytes": $bytes, "darknet": "$darknet", "days": $days, "start": "$start", "seed": $seed},
  "synth_seconds": ${synth_seconds:-null},
  "results": [$json_rows],
  "ratios": {"darkscope_over_tcpdump_pps": $ratio_tcpdump, "darkscope_over_tcpdump_cpu": $ratio_tcpdump_cpu, "darkscope_over_cat_bytes_percent": $ratio_cat, "enrichment_cost_percent": $enrich_cost, "ingest_over_analyze_percent": ${ratio_ingest:-null}, "ingest_both_cores_over_analyze_percent": ${ratio_ingest_both:-null}}
}
EOF
echo "bench: results in $out/results.json"
