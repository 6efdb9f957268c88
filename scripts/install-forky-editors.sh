#!/usr/bin/env bash
# Builds a Debian testing ("forky") root with the editors people run today:
# Helix (package hx), Neovim 0.12 and Emacs 30 with dape (Emacs's DAP client),
# plus libzmq5 and tmux, for the current-editor tests
# (e2e/current_editors_test.go, e2e/dape_test.go). The host's own Debian 12
# editors stay as they are; both old and current versions are tested.
#
#   scripts/install-forky-editors.sh [DIR]   default $STUI_FORKY_ROOT or /var/cache/stui-lsp/forky
#
# A root that is already complete is reused (the cache); packages added to the
# list since it was made are installed into it. Needs root (chroot, mount) and
# debootstrap, which it installs when missing.
set -euo pipefail

root=${1:-${STUI_FORKY_ROOT:-/var/cache/stui-lsp/forky}}
packages=(hx neovim emacs-nox elpa-dape libzmq5 tmux)
mirror=http://deb.debian.org/debian
# The mirror's forky Release file is older than its Valid-Until date.
apt_opts=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

mounted=()
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || true
	done
	mounted=()
}
trap unmount_all EXIT

# install_packages DIR PACKAGE... installs the packages into the root at DIR.
install_packages() {
	local dir=$1
	shift
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	mount -t proc proc "$dir/proc"
	mounted+=("$dir/proc")
	mount --bind /dev "$dir/dev"
	mounted+=("$dir/dev")
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$dir/dev/pts"
	mounted+=("$dir/dev/pts")
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		apt-get "${apt_opts[@]}" update -qq
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
	chroot "$dir" apt-get clean
	unmount_all
}

# missing_packages DIR prints the packages of the list not installed in the
# root at DIR (read from its dpkg database, so no root needed).
missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -qx 'install ok installed' || echo "$p"
	done
}

if [ -f "$root/.stui-forky-ready" ]; then
	mapfile -t missing < <(missing_packages "$root")
	if [ ${#missing[@]} -eq 0 ]; then
		say "forky editors already in $root"
		exit 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		exec sudo "$0" "$root"
	fi
	say "adding ${missing[*]} to the forky root in $root"
	install_packages "$root" "${missing[@]}"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$root"
fi

partial="$root.partial"

if ! command -v debootstrap >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# A run killed half-way may have left its mounts: detach them before removing.
awk -v p="$partial/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
	umount -l "$m" || true
done
rm -rf --one-file-system "$partial"
mkdir -p "$partial"
say "debootstrap forky into $partial"
# Debian 12's debootstrap has no forky script; sid's handles forky.
debootstrap --variant=minbase --include=ca-certificates forky "$partial" "$mirror" \
	/usr/share/debootstrap/scripts/sid >/dev/null

say "installing ${packages[*]} in the forky root"
install_packages "$partial" "${packages[@]}"

for tool in hx nvim emacs tmux; do
	[ -x "$partial/usr/bin/$tool" ] || { echo "install-forky-editors: $tool missing in the root" >&2; exit 1; }
done
chroot "$partial" /usr/bin/env -i PATH=/usr/bin:/bin sh -c 'hx --version; nvim --version | head -n 1; emacs --version | head -n 1'
touch "$partial/.stui-forky-ready"
rm -rf --one-file-system "$root"
mv "$partial" "$root"
say "forky editors ready in $root"
