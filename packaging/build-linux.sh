#!/bin/sh
# `make bundle`: build the one-folder bundle with the same spec as the Windows installer, then
# prove it works FROM INSIDE the bundle: start-up self-test offscreen, a signed package
# generated and verified by the bundled program, portable mode. A missing data file or hidden
# import fails here, in CI, instead of at a commune office.
#
# A failed build, a missing library or a bundle over budget stops at once; the smoke checks
# all run and are reported together. Exit status: 0 only when everything passed.
#
# Environment: PYTHON (default .venv/bin/python), BUNDLE_BUDGET_MB (default 200, 1 MB = 10^6 bytes).
# 200, not 150 since stop 20: USB-token signing (python-pkcs11), PAdES (pyHanko, with ssl),
# reading Word tables (python-docx + lxml.etree) added about 12 MB, and the province's PostgreSQL
# driver (psycopg binary, with its own libpq and OpenSSL) about 21 MB; Qt is 88 MB of it.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-.venv/bin/python}
case $PYTHON in */*) PYTHON=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON") ;; esac # absolute: we cd later
BUDGET_MB=${BUNDLE_BUDGET_MB:-200}
DIST=$ROOT/dist
BUNDLE=$DIST/dti-desk
APP=$BUNDLE/dti-desk
FAILED=""

fail() {
    echo "make bundle: FAIL: $*" >&2
    exit 1
}

elapsed() { echo $(($(date +%s) - $1)); }

# step NAME CMD...: run a build step; stop loudly, with its exit code, when it fails.
step() {
    name=$1
    shift
    echo "== $name"
    echo "   \$ $*"
    start=$(date +%s)
    "$@" || fail "$name (exit code $?): $*"
    echo "   ok ($(elapsed "$start") s)"
}

# check NAME CMD...: run a smoke check; on failure say so, remember it and carry on. A check
# that hangs (a modal dialog offscreen, say) is stopped after CHECK_TIMEOUT s (exit code 124).
CHECK_TIMEOUT=${CHECK_TIMEOUT:-300}
check() {
    name=$1
    shift
    echo "== $name"
    echo "   \$ $*"
    start=$(date +%s)
    if timeout "$CHECK_TIMEOUT" "$@"; then
        echo "   ok ($(elapsed "$start") s)"
        return 0
    else
        code=$?
        echo "   FAILED (exit code $code)" >&2
        FAILED="$FAILED
   - $name (exit code $code)"
        return 1
    fi
}

# broken NAME WHY: record a failed smoke check found by a test of its output.
broken() {
    echo "   FAILED: $2" >&2
    FAILED="$FAILED
   - $1: $2"
}

t0=$(date +%s)
[ -x "$PYTHON" ] || fail "no Python at $PYTHON (run make bundle, or set PYTHON)"
# PyInstaller reads and strips ELF files with binutils (objdump, objcopy, strip) on Linux.
for tool in objdump objcopy strip ldd timeout; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (objdump, objcopy, strip: apt-get install binutils)"
done
"$PYTHON" -c "import PyInstaller" 2>/dev/null || fail "PyInstaller is not installed in $PYTHON (pip install -e '.[dev]')"

# ---------------------------------------------------------------------------------------------
# Build. --clean: no stale analysis cache from an earlier tree (a clean CI machine has none).
step "PyInstaller build (packaging/dti-desk.spec)" "$PYTHON" -m PyInstaller --noconfirm --clean \
    --log-level WARN --distpath "$DIST" --workpath "$ROOT/build/pyinstaller" packaging/dti-desk.spec
[ -x "$APP" ] || fail "the build produced no executable at $APP"
build_s=$(elapsed "$t0")

# The spec drops Qt plugins and libraries the app does not use; make sure nothing kept needs one.
step "bundled binaries find the Qt libraries they link" "$PYTHON" packaging/check_bundle.py "$BUNDLE"

# Size against the budget. du -sb counts apparent bytes: what a download or a USB copy costs.
bytes=$(du -sb "$BUNDLE" | cut -f1)
files=$(find "$BUNDLE" -type f | wc -l)
verdict=$(awk -v b="$bytes" -v m="$BUDGET_MB" 'BEGIN { print (b <= m * 1000000) ? "PASS" : "OVER" }')
size_mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000000 }')
echo "== bundle size: $size_mb MB ($bytes bytes, $files files), budget $BUDGET_MB MB: $verdict"
echo "   largest parts:"
du -sb "$BUNDLE"/_internal/* 2>/dev/null | sort -rn | head -6 |
    awk -v root="$BUNDLE/" '{ sub(root, "", $2); printf "   %8.1f MB  %s\n", $1 / 1000000, $2 }'
[ "$verdict" = PASS ] || fail "the bundle is $size_mb MB, over the $BUDGET_MB MB budget"

# ---------------------------------------------------------------------------------------------
# Smoke checks. They run the bundled program, never the source tree, from a folder outside the
# repository, with their own home and data folders, so nothing of the build user leaks in.
SMOKE=$(mktemp -d "${TMPDIR:-/tmp}/dti-desk-bundle.XXXXXX")
trap 'rm -rf "$SMOKE"' EXIT
trap 'exit 130' INT TERM # through the EXIT trap, which cleans up
mkdir -p "$SMOKE/home" "$SMOKE/data" "$SMOKE/out"
export HOME="$SMOKE/home" XDG_DATA_HOME="$SMOKE/home/.local/share" XDG_CONFIG_HOME="$SMOKE/home/.config"
export QT_QPA_PLATFORM=offscreen
unset DTI_DATA_DIR DTI_LANG
cd "$SMOKE"

echo "== version"
want="dti-desk $("$PYTHON" -c "import sys; sys.path.insert(0, sys.argv[1]); import forms; print(forms.__version__)" "$ROOT")"
if got=$("$APP" --version); then
    echo "   $got"
    [ "$got" = "$want" ] || broken "version" "the bundle says '$got', the package says '$want'"
else
    broken "version" "dti-desk --version failed"
fi

# Every subcommand module was bundled: the bundled CLI's help matches the source tree's.
echo "== the bundle has every command of the source tree"
if COLUMNS=100 "$APP" --help >"$SMOKE/help-bundle.txt" &&
    COLUMNS=100 "$PYTHON" -m desktop --help >"$SMOKE/help-source.txt"; then
    if diff -u "$SMOKE/help-source.txt" "$SMOKE/help-bundle.txt" >"$SMOKE/help.diff"; then
        echo "   ok: $(grep -c '^    [a-z]' "$SMOKE/help-bundle.txt") commands"
    else
        sed 's/^/   /' "$SMOKE/help.diff"
        broken "commands" "dti-desk --help differs from the source tree (a command module missing?)"
    fi
else
    broken "commands" "dti-desk --help failed"
fi

check "self-test (offscreen)" "$APP" --data-dir "$SMOKE/data" --self-test || true

if check "demo packages, from the bundle" \
    "$APP" --data-dir "$SMOKE/data" demo packages --units 1 --out "$SMOKE/out"; then
    pkg=$(find "$SMOKE/out" -name '*.dtipkg' | sort | head -n 1)
    # the trust registry demo packages writes beside the packages (its name contains "trust")
    trust=$(find "$SMOKE/out" -maxdepth 1 -type f -iname '*trust*' | sort | head -n 1)
    if [ -z "$pkg" ]; then
        broken "package verify" "demo packages wrote no .dtipkg into $SMOKE/out"
    elif [ -z "$trust" ]; then
        broken "package verify" "demo packages wrote no trust registry (*trust*) into $SMOKE/out"
    else
        check "package verify, from the bundle" \
            "$APP" --data-dir "$SMOKE/data" package verify "$pkg" --trust "$trust" || true
    fi
else
    broken "package verify" "skipped: no package to verify"
fi

# Worker processes from inside the frozen program: a merge of 400+ new packages verifies in
# spawned workers, which re-execute the bundled program (freeze_support must route them to
# their task, not start a second app). A failing worker would be covered silently by the
# merging process, so the check reads how many packages the workers verified.
if check "demo packages (450), from the bundle" \
    "$APP" --data-dir "$SMOKE/data" demo packages --units 450 --evidence 0 --out "$SMOKE/many"; then
    trust=$(find "$SMOKE/many" -maxdepth 1 -type f -iname '*trust*' | sort | head -n 1)
    if check "merge of 450 packages with a worker process, from the bundle" \
        sh -c '"$1" --data-dir "$2" merge --db "$3" "$4" --trust "$5" --workers 1 --json >"$6"' \
        merge "$APP" "$SMOKE/data" "$SMOKE/collector.sqlite" "$SMOKE/many" "$trust" "$SMOKE/merge.json"; then
        counts=$("$PYTHON" -c "import json, sys; s = json.load(open(sys.argv[1])); print(s['accepted'], s['verified_in_workers'])" "$SMOKE/merge.json")
        set -- $counts
        if [ "$1" != 450 ]; then
            broken "merge with workers" "accepted $1 of 450 packages"
        elif [ "$2" -eq 0 ]; then
            broken "merge with workers" "no package was verified in a worker process (see the log above)"
        else
            echo "   450 accepted, $2 verified in the worker process"
        fi
    fi
else
    broken "merge with workers" "skipped: no packages to merge"
fi

# Portable mode: a copy of the folder (a USB stick) with the marker beside the program keeps
# its data in data/ beside it, never in the user's folder. Importing the bundled sample unit
# list (resources/units, read with openpyxl) and listing it goes through the database.
USB=$SMOKE/usb/dti-desk
mkdir -p "$SMOKE/usb"
cp -a "$BUNDLE" "$SMOKE/usb/"
: >"$USB/dti-desk.portable"
sample=$(find "$USB/_internal/resources/units" -name '*.xlsx' | sort | head -n 1)
user_dir_before=$([ -e "$XDG_DATA_HOME/dti-desk" ] && echo yes || echo no)
if [ -z "$sample" ]; then
    broken "portable mode" "the bundle ships no sample unit list (resources/units/*.xlsx)"
elif check "portable mode: units import of the bundled sample list" "$USB/dti-desk" units import "$sample"; then
    listed=$("$USB/dti-desk" units list | wc -l)
    if [ ! -f "$USB/data/dti-desk.sqlite" ]; then
        broken "portable mode" "no database in $USB/data: the data went elsewhere"
    elif [ "$user_dir_before" = no ] && [ -e "$XDG_DATA_HOME/dti-desk" ]; then
        broken "portable mode" "the program wrote into the user's data folder"
    elif [ "$listed" -eq 0 ]; then
        broken "portable mode" "units list shows nothing after the import"
    else
        echo "   $listed units, data kept beside the program: usb/dti-desk/data/"
    fi
fi

total_s=$(elapsed "$t0")
if [ -n "$FAILED" ]; then
    echo "make bundle: FAIL ($size_mb MB, built in $build_s s, checked in $total_s s):$FAILED" >&2
    exit 1
fi
echo "make bundle: PASS: $size_mb MB (budget $BUDGET_MB MB), built in $build_s s, all checks in $total_s s"
