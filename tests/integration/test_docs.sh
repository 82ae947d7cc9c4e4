#!/bin/bash
# The user's documentation against the code (no root needed): every long
# option user/options.c accepts is in --help, the README and the man page;
# the man page builds; `make install` puts the binary and the man page
# under PREFIX.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}

opts=$(sed -n '/longopts\[\] = {/,/{ 0 }/p' user/options.c | sed -n 's/.*{ "\([a-z-]*\)".*/\1/p')
if [ -z "$opts" ]; then
	echo "not ok docs/options_documented: no long option found in user/options.c"
else
	help=$("$OUT/leakscope" --help)
	missing=""
	for o in $opts; do
		grep -q -e "--$o\b" <<<"$help" || missing+=" --help:--$o"
		grep -q -e "--$o\b" README.md || missing+=" README.md:--$o"
		grep -q -e "--$o\b" docs/leakscope.8.scd || missing+=" leakscope.8.scd:--$o"
	done
	if [ -z "$missing" ]; then
		echo "ok docs/options_documented"
	else
		echo "not ok docs/options_documented: not mentioned:$missing"
	fi
fi

if ! command -v scdoc >/dev/null; then
	echo "skip docs/man_page_installs: scdoc is not installed (make deps installs it)"
	exit 0
fi
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if ! log=$(make -s OUT="$OUT" install DESTDIR="$dest" PREFIX=/usr 2>&1); then
	echo "not ok docs/man_page_installs: make install failed: $log"
elif ! [ -x "$dest/usr/sbin/leakscope" ] ||
     ! grep -q '^\.TH' "$dest/usr/share/man/man8/leakscope.8"; then
	echo "not ok docs/man_page_installs: not in $dest/usr/sbin and $dest/usr/share/man/man8: $(cd "$dest" && find .)"
elif ! grep -q "leakscope $(cat VERSION)" "$dest/usr/share/man/man8/leakscope.8"; then
	echo "not ok docs/man_page_installs: the man page does not name version $(cat VERSION)"
else
	echo "ok docs/man_page_installs"
fi
