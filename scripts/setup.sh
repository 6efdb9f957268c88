#!/usr/bin/env bash
# Installs what stui-lsp needs, builds it into bin/, and shows it working.
#
#   scripts/setup.sh            libzmq and pkg-config, then build and self-check
#   scripts/setup.sh --editors  also the editors and npm packages the tests drive
#
# On Debian/Ubuntu it installs missing packages with apt (through sudo when not
# root); on macOS it prints the Homebrew command instead.
set -euo pipefail
cd "$(dirname "$0")/.."

editors=0
for arg in "$@"; do
	case "$arg" in
	--editors) editors=1 ;;
	-h | --help)
		sed -n '2,9p' "$0"
		exit 0
		;;
	*)
		echo "setup: unknown argument $arg" >&2
		exit 2
		;;
	esac
done
[ "${CI:-}" = "true" ] && editors=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Go: the machine's own, or the usual install location.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi
if ! command -v go >/dev/null 2>&1; then
	echo "setup: Go 1.26 or newer is needed: https://go.dev/doc/install" >&2
	exit 1
fi

case "$(uname -s)" in
Darwin)
	if ! pkg-config --exists libzmq 2>/dev/null; then
		echo "setup: install ZeroMQ first: brew install zeromq pkg-config" >&2
		exit 1
	fi
	;;
Linux)
	packages=(pkg-config libzmq3-dev)
	if [ "$editors" = 1 ]; then
		packages+=(neovim emacs-nox elpa-eglot nodejs npm python3)
	fi
	missing=()
	for p in "${packages[@]}"; do
		if [ "$p" = nodejs ] || [ "$p" = npm ]; then
			command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue
		fi
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		say "installing ${missing[*]}"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	;;
esac

# The current Helix, Neovim and Emacs, in a Debian testing root beside the machine's own editors.
if [ "$editors" = 1 ] && [ "$(uname -s)" = Linux ]; then scripts/install-forky-editors.sh; fi

say "building bin/stui-lsp"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
go build -ldflags "-X main.version=$version" -o bin/stui-lsp ./cmd/stui-lsp
go build -o bin/stui-testimage ./cmd/stui-testimage

if [ "$editors" = 1 ] && [ -f editors/vscode/package-lock.json ]; then
	say "installing the VS Code extension's npm packages"
	(cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$editors" = 1 ]; then say "installing the MCP client the e2e tests drive"; scripts/install-mcp-e2e.sh; fi
if [ "$editors" = 1 ]; then say "installing the DAP client the e2e tests drive"; scripts/install-dap-e2e.sh; fi
if [ "$editors" = 1 ] && [ "$(uname -s)" = Linux ]; then say "installing real VS Code for the e2e tests (code-server, chromium)"; scripts/install-vscode-e2e.sh; fi

say "self-check"
bin/stui-lsp version
bin/stui-lsp doctor

if [ -x bin/stui-testimage ]; then
	# A round trip through real ZeroMQ, against the test backend (not an
	# image), so the build is shown working even before Pharo is set up.
	say "round trip through the test backend (cmd/stui-testimage, not a Pharo image)"
	endpoint_file=$(mktemp)
	(sleep 20 | bin/stui-testimage >"$endpoint_file" 2>/dev/null &)
	for _ in $(seq 50); do [ -s "$endpoint_file" ] && break; sleep 0.1; done
	endpoint=$(head -n 1 "$endpoint_file")
	rm -f "$endpoint_file"
	if [ -n "$endpoint" ]; then
		printf "stui-lsp eval '3 + 4'  ->  "
		bin/stui-lsp eval --endpoint "$endpoint" '3 + 4'
	fi
fi
cat <<'MSG'

stui-lsp is built at bin/stui-lsp. Point your editor at it (see editors/),
and start the STUI server in your Pharo image (see pharo/README.md):
    STUIServer start    (the per-user socket and token stui-lsp looks for by default)
MSG
