#!/usr/bin/env bash
# Test: the Debian package holds what a CI needs and works where dpkg put it.
# Makes the package of this build with cpack, checks its metadata, unpacks it
# with `dpkg -x` into a temporary root (no LD_LIBRARY_PATH: the client
# library is static, and timock finds its own libssl.so by its RUNPATH), and
# from that root: every program's --version, every man page against its
# program's --help, timconform's listing and two cases run on the installed
# timock, a pull of the default app by timgroups from a timock on a free
# port, and the README's C program built with the installed pkg-config and
# CMake files (harness/tests/install_example.sh).
# Usage: [CPACK=cpack] test_deb.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) version=$3
work=$(mktemp -d /tmp/timock-deb-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "test_deb: line $LINENO failed" >&2' ERR
fail() {
  echo "test_deb: $*" >&2
  exit 1
}

programs=(timock timgroups timsig timconform)
deb=$work/pkg/timock_${version}_$(dpkg --print-architecture).deb
"${CPACK:-cpack}" --config "$build/CPackConfig.cmake" -B "$work/pkg" >/dev/null
[ -f "$deb" ] || fail "cpack made no $deb: $(ls "$work/pkg")"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = timock ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Section)" = devel ] || fail "Section: $(field Section)"
[[ $(field Maintainer) =~ ^[^\<]+\ \<[^\>]+@[^\>]+\>$ ]] || fail "Maintainer: $(field Maintainer)"
[ -n "$(field Description)" ] || fail "no Description"

dpkg-deb -x "$deb" "$work/root"
usr=$work/root/usr
for f in "${programs[@]/#/bin/}" include/timclient.h \
  "${programs[@]/%/.1.gz}" libtimclient.a timclient.pc \
  timclientConfig.cmake timclientConfigVersion.cmake timclientTargets.cmake; do
  case $f in
    bin/* | include/*) [ -f "$usr/$f" ] || fail "no /usr/$f" ;;
    *.1.gz) [ -f "$usr/share/man/man1/$f" ] || fail "no man page $f" ;;
    *) [ -n "$(find "$usr/lib" -name "$f")" ] || fail "no $f under /usr/lib" ;;
  esac
done
# the cases and fixtures, every one (the runner reads *.json and *.md)
for d in cases fixtures; do
  diff <(cd "$src/$d" && find . -name '*.json' -o -name '*.md' | sort) \
    <(cd "$usr/share/timock/$d" && find . -type f | sort) >&2 ||
    fail "/usr/share/timock/$d is not the tree's $d"
done

# Every library a program needs is found without LD_LIBRARY_PATH, and is
# the package's own or comes from a package the package depends on.
depends=$(field Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
for elf in "${programs[@]/#/$usr/bin/}" $(find "$usr/lib" -name '*.so'); do
  libs=$(ldd "$elf") || fail "ldd $elf"
  ! grep 'not found' <<<"$libs" || fail "$elf: a library is not found"
  for needed in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(awk -v n="$needed" '$1 == n && $2 == "=>" {print $3}' <<<"$libs")
    [ -n "$path" ] || fail "$elf: ldd does not resolve $needed"
    case $path in "$work/root"/*) continue ;; esac
    # dpkg knows a library by the path it shipped: /lib or /usr/lib
    owner=$( (dpkg -S "$path" || dpkg -S "$(readlink -f "$path")") 2>/dev/null |
      sed -n '1s/[:,].*//p') || owner=
    [ -n "$owner" ] || fail "$elf: no package owns $path"
    grep -qx "$owner" <<<"$depends" || fail "$elf needs $needed of $owner: not in Depends"
  done
done

# From the root, with nothing of the tree in reach.
cd "$work"
run() { env -u TIMOCK -u TIMCONFORM_CASES -u TIMCONFORM_FIXTURES PATH=/usr/bin:/bin "$@"; }
for p in "${programs[@]}"; do
  out=$(run "$usr/bin/$p" --version 2>&1) || fail "$p --version: $out"
  case $out in "$p $version" | "$p $version "*) ;; *) fail "$p --version: $out" ;; esac
  # the man page carries the version and every option --help names
  page=$(zcat "$usr/share/man/man1/$p.1.gz" | sed 's/\\-/-/g')
  grep -q "^\.TH ${p^^} \"1\" .* \"$p $version" <<<"$page" || fail "$p.1: no .TH of $p $version"
  help=$(run "$usr/bin/$p" --help 2>&1) || fail "$p --help: $help"
  while read -r opt; do
    grep -qF -- "$opt" <<<"$page" || fail "$p.1 lacks $opt"
  done < <(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u)
done

n=$(find "$src/cases" -maxdepth 1 -name '*.json' | wc -l)
run "$usr/bin/timconform" --list >list.txt 2>&1 || fail "timconform --list: $(cat list.txt)"
listed=$(wc -l <list.txt)
[ "$listed" -eq "$n" ] || fail "timconform --list shows $listed cases of $n"
run "$usr/bin/timconform" --case limit-zero --case pull-ends >conform.txt 2>&1 || {
  cat conform.txt >&2
  fail "timconform on the installed cases failed"
}
grep -qx "2 passed, 0 failed, 0 skipped" conform.txt || fail "timconform: $(cat conform.txt)"

# not through run(): $! must be timock itself, for the kill
env -u TIMOCK PATH=/usr/bin:/bin "$usr/bin/timock" --port 0 --quiet >line &
pid=$!
for _ in $(seq 200); do [ -s line ] && break; sleep 0.05; done
url=$(sed -n 's|^timock listening on \(http://127.0.0.1:[0-9]*\)$|\1|p' line)
[ -n "$url" ] || fail "the installed timock did not start: $(cat line)"
key=$(sed -n 's/^ *"key": "\([0-9a-f]*\)".*/\1/p' "$usr/share/timock/fixtures/default.json")
[ -n "$key" ] || fail "no key in the installed default fixture"
export TIM_URL=$url TIM_SDKAPPID=1400000000 TIM_IDENTIFIER=administrator TIM_SECRET_KEY=$key
run "$usr/bin/timgroups" >ids.txt || fail "timgroups: the pull failed"
run "$usr/bin/timgroups" --count >count.txt || fail "timgroups --count failed"
total=$(sed -n 's/^total //p' count.txt)
pulled=$(sort -u ids.txt | wc -l)
[ "$(wc -l <ids.txt)" -eq "$pulled" ] || fail "the pull repeated IDs"
if [ "$pulled" -eq 0 ] || [ "$pulled" -ne "$total" ]; then
  fail "pulled $pulled groups of a TotalCount of $total"
fi
kill "$pid"
wait "$pid" || true
pid=

"$src/harness/tests/install_example.sh" "$build" "$src" "$usr/bin/timock" "$usr" >example.txt 2>&1 ||
  fail "the C example against the installed files: $(cat example.txt)"
echo "test_deb: $(basename "$deb"): metadata, files, libraries, man pages, \
--version, timconform, a pull of $pulled groups, the C example: all good"
