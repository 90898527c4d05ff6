#!/usr/bin/env bash
# Test: `cmake --install` gives what the README promises.  Installs the build
# into a temporary prefix, takes the C program shown in README.md, builds it
# once with pkg-config and once with find_package(timclient), and runs both
# against a timock on a free port: each must print "8000 Public groups".
# With PREFIX, the tree already installed there (the Debian package's, see
# package/test_deb.sh) is used instead of the build's.
# Usage: install_example.sh BUILD_DIR SOURCE_DIR TIMOCK [PREFIX]
set -euo pipefail
build=$1 src=$2 timock=$3 prefix=${4:-}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$prefix" ]; then
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
fi
awk '/^```c$/ {on=1; next} /^```$/ {on=0} on' "$src/README.md" > "$work/count.c"
grep -q 'tim_pull_groups' "$work/count.c"

# The README's program calls 127.0.0.1:8080; here it calls a timock on a
# free port instead.
"$timock" --port 0 --quiet > "$work/line" &
pid=$!
for _ in $(seq 200); do [ -s "$work/line" ] && break; sleep 0.05; done
port=$(sed -n 's|^timock listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/line")
[ -n "$port" ] || { echo "install_example: timock did not start"; exit 1; }
sed -i "s|127.0.0.1:8080|127.0.0.1:$port|" "$work/count.c"

# lib/pkgconfig, or lib/<multiarch>/pkgconfig under /usr
pc=$(find "$prefix" -name timclient.pc)
[ -n "$pc" ] || { echo "install_example: no timclient.pc in $prefix"; exit 1; }
export PKG_CONFIG_PATH=${pc%/timclient.pc}
# shellcheck disable=SC2046 # pkg-config prints several words
cc "$work/count.c" $(pkg-config --cflags --libs timclient) -o "$work/count-pc"

mkdir "$work/cm"
cat > "$work/cm/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(count C)
find_package(timclient REQUIRED)
add_executable(count $work/count.c)
target_link_libraries(count PRIVATE timclient::timclient)
CMAKE
cmake -S "$work/cm" -B "$work/cm/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cm/b" >/dev/null

[ "$("$work/count-pc")" = "8000 Public groups" ]
[ "$("$work/cm/b/count")" = "8000 Public groups" ]
echo "install_example: pkg-config and find_package builds both pulled 8000 Public groups"
