#!/bin/bash
# Fetch one Debian kernel line into the kernel cache and print its directory.
#   tests/kernels/fetch.sh SUITE            (KARCH=arm64 for another architecture)
# Uses apt-get with a private sources list and state directory under the cache:
# the host's apt configuration and /boot are never touched. The result,
# $KERNEL_CACHE/<release>/, holds vmlinuz, the modules (depmod run) and the BTF.
set -euo pipefail
suite=${1:?usage: fetch.sh SUITE}
cache=${KERNEL_CACHE:-/var/cache/leakscope-kernels}
arch=${KARCH:-amd64}
# apt's index of one architecture per state directory
apt_dir=$cache/apt
[ "$arch" = amd64 ] || apt_dir=$cache/apt-$arch
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs"
# one fetch at a time per cache (apt runs with its locking off, and a kernel's
# directory is made in place): parallel matrix runs and other worktrees wait here
exec 9>"$cache/lock"
flock 9

if [ ! -f "$apt_dir/sources.list" ]; then
	for s in bullseye bookworm trixie trixie-backports; do
		echo "deb [signed-by=$keyring] http://deb.debian.org/debian $s main"
	done >"$apt_dir/sources.list.tmp"
	for s in bookworm-security trixie-security; do
		echo "deb [signed-by=$keyring] http://deb.debian.org/debian-security $s main"
	done >>"$apt_dir/sources.list.tmp"
	mv "$apt_dir/sources.list.tmp" "$apt_dir/sources.list"
fi
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache"
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
	-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o APT::Sandbox::User=root -o Debug::NoLocking=1)

# one index update per cache per 12 hours
stamp=$apt_dir/updated
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720)" ]; then
	apt-get "${apt_opts[@]}" -qq update >&2
	touch "$stamp"
fi

# linux-image-ARCH/SUITE depends on the suite's current build
image=$(apt-cache "${apt_opts[@]}" show "linux-image-$arch/$suite" 2>/dev/null |
	sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
	sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
[ -n "$image" ] || { echo "Error: no linux-image-$arch in Debian's $suite index" >&2; exit 1; }
release=${image#linux-image-}
dir=$cache/$release
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi

# newer kernels split the image into linux-binary-R (vmlinuz), linux-modules-R
# and linux-base-R (config, modules.builtin: modprobe needs it)
pkgs=("$image")
for extra in "linux-binary-$release" "linux-modules-$release" "linux-base-$release"; do
	if apt-cache "${apt_opts[@]}" show "$extra" >/dev/null 2>&1; then pkgs+=("$extra"); fi
done
(cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]}" >&2)

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/root"
for p in "${pkgs[@]}"; do
	dpkg-deb -x "$cache"/debs/"${p}"_*.deb "$dir.tmp/root"
done
# /boot/vmlinuz-R (older packages) or /usr/lib/modules/R/vmlinuz (7.x's linux-binary-R)
vmlinuz=
for v in "boot/vmlinuz-$release" "usr/lib/modules/$release/vmlinuz" "lib/modules/$release/vmlinuz"; do
	if [ -f "$dir.tmp/root/$v" ]; then vmlinuz=$v; break; fi
done
[ -n "$vmlinuz" ] || { echo "Error: $image has no /boot/vmlinuz-$release nor modules/$release/vmlinuz" >&2; exit 1; }
ln -s "root/$vmlinuz" "$dir.tmp/vmlinuz"
# the modules live in /lib/modules (older packages) or /usr/lib/modules
moddir=$(find "$dir.tmp/root" -maxdepth 4 -type d -path "*/lib/modules/$release" | head -n 1)
[ -n "$moddir" ] || { echo "Error: $image has no modules for $release" >&2; exit 1; }
ln -s "${moddir#"$dir.tmp/"}" "$dir.tmp/modules"
modbase=${moddir%/lib/modules/$release}
depmod -b "$modbase" "$release"
echo "$release" >"$dir.tmp/release"
# modprobe -d takes this, relative to the directory
echo "${modbase#"$dir.tmp/"}" >"$dir.tmp/modbase"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
# the symlinks point inside the directory, so they survive the rename
touch "$dir/ready"
for p in "${pkgs[@]}"; do rm -f "$cache"/debs/"${p}"_*.deb; done
echo "$dir"
