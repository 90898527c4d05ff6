#!/bin/sh
# The installed timconform carries no path of the source or build tree, and
# runs its installed cases against the installed timock (found next to it).
# Usage: installed_timconform.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 source=$2
prefix=$(mktemp -d /tmp/timconform-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for tree in "$source" "$build"; do
    if strings "$prefix/bin/timconform" | grep -F "$tree"; then
        echo "FAIL: the installed timconform names $tree" >&2
        exit 1
    fi
done
test -f "$prefix/share/timock/cases/022-limit-zero.json"
test -f "$prefix/share/timock/fixtures/default.json"
# from another folder, with nothing of the tree in reach
cd "$prefix"
env -u TIMOCK -u TIMCONFORM_CASES -u TIMCONFORM_FIXTURES PATH=/usr/bin:/bin \
    "$prefix/bin/timconform" --case limit-zero --case pull-ends >out.txt 2>&1 || {
    cat out.txt >&2
    exit 1
}
grep -qx "2 passed, 0 failed, 0 skipped" out.txt || {
    cat out.txt >&2
    exit 1
}
echo "ok: installed timconform, its cases and timock"
