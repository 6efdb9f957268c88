#!/usr/bin/env bash
# Installs what the real-VS Code end-to-end tests (e2e/vscode) need: Debian's
# chromium and ripgrep, the toolchain code-server's native modules build with,
# and e2e/vscode's npm packages (code-server 4.100.3, playwright-core) from the
# committed package-lock.json. Idempotent: it does nothing when all of it is
# already there, and reuses a cached node_modules built from the same lock.
#
# code-server's install needs a few things set in the environment, none of
# which patches anything:
#   - its postinstall refuses to run as root unless npm passes unsafe-perm;
#   - @vscode/ripgrep would download rg; it first looks for a cached archive in
#     $TMPDIR, so we put Debian's /usr/bin/rg there under the name it expects;
#   - node-gyp would download Node's headers; Debian's nodejs ships them in
#     /usr/include/node (npm_config_nodedir=/usr);
#   - node-pty's postinstall runs npx, which asks before installing without
#     a terminal (npm_config_yes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/e2e/vscode"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

packages=(chromium ripgrep libkrb5-dev build-essential python3)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node and npm may come from another package than Debian's (setup.sh
# installs them when missing): any will do that has Node 20's headers.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	say "installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The lock file's hash is the cache key: node_modules is reused as long as
# the lock file is the one it was installed from. A copy of it is kept in the
# user's cache directory, because a fresh clone would otherwise rebuild
# code-server's native modules on every run (minutes on two cores).
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
stamp="$dir/node_modules/.stui-lock-sha256"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/stui-lsp/vscode-e2e/$want"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/node_modules/.bin/code-server" ]; then
	say "e2e/vscode npm packages are up to date"
	exit 0
fi
if [ -f "$cache/node_modules/.stui-lock-sha256" ]; then
	say "e2e/vscode npm packages from the cache ($cache)"
	rm -rf "$dir/node_modules"
	cp -a "$cache/node_modules" "$dir/node_modules"
	exit 0
fi

say "installing e2e/vscode's npm packages (code-server, playwright-core)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rg_cache="$work/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rg_cache/bin"
cp /usr/bin/rg "$rg_cache/bin/rg"
tar -C "$rg_cache/bin" -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
rm -rf "$rg_cache/bin"

(
	cd "$dir"
	TMPDIR="$work" \
		npm_config_nodedir=/usr \
		npm_config_yes=true \
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		npm ci --unsafe-perm --no-audit --no-fund --loglevel=error
)
echo "$want" >"$stamp"
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
cp -a "$dir/node_modules" "$cache.tmp/node_modules"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
