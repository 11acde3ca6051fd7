#!/usr/bin/env python3
"""Golden tests: captures in, normalised JSON out, diffed against checked-in baselines.

    golden.py DARKSCOPE GENERATOR WORKDIR EXPECTED_DIR

GENERATOR (tools/gen_test_captures.py) writes small deterministic captures into
WORKDIR/captures; for each one this runs `darkscope packets --json` and
`darkscope analyze --json` and compares the output with EXPECTED_DIR/<name>.json.
Set DARKSCOPE_REGEN=1 to write the baselines instead (then review the diff in git).
"""
import difflib
import json
import os
import subprocess
import sys

DARKNET = "203.0.113.0/24,2001:db8:d::/48"


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def normalise(capture, darkscope):
    code, out, err = run([darkscope, "packets", "--json", "--no-enrich", "--darknet", DARKNET, capture])
    packets = [json.loads(line) for line in out.splitlines() if line.strip()]
    code2, out2, err2 = run([darkscope, "analyze", "--json", "--no-enrich", "--quiet", "--darknet", DARKNET,
                             capture])
    summary = json.loads(out2) if out2.strip() else None
    if summary is not None:
        for f in summary.get("files", []):
            f["path"] = os.path.basename(f["path"])
            if f.get("error"):
                f["error"] = f["error"].replace(os.path.dirname(capture) + "/", "")
    return {"packets_exit": code, "packets": packets, "analyze_exit": code2, "analyze": summary}


def main():
    darkscope, generator, workdir, expected_dir = sys.argv[1:5]
    captures = os.path.join(workdir, "captures")
    os.makedirs(captures, exist_ok=True)
    subprocess.run([sys.executable, generator, captures], check=True, capture_output=True)
    names = sorted(n for n in os.listdir(captures) if not n.startswith("."))
    if not names:
        print("golden: the generator wrote no captures")
        return 1
    regen = os.environ.get("DARKSCOPE_REGEN") == "1"
    failed = 0
    for name in names:
        got = json.dumps(normalise(os.path.join(captures, name), darkscope), indent=1, sort_keys=True) + "\n"
        baseline = os.path.join(expected_dir, name + ".json")
        if regen:
            with open(baseline, "w") as f:
                f.write(got)
            continue
        if not os.path.exists(baseline):
            print(f"golden: {name}: no baseline (run with DARKSCOPE_REGEN=1 and review it)")
            failed += 1
            continue
        want = open(baseline).read()
        if want != got:
            failed += 1
            print(f"golden: {name}: differs from its baseline")
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                       baseline, "actual", n=2))
    if regen:
        print(f"golden: wrote {len(names)} baselines into {expected_dir}")
        return 0
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
