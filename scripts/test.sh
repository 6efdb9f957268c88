#!/usr/bin/env bash
# Runs every test of the project: Go (with the race detector), the Smalltalk
# syntax check of pharo/ and testdata/, and the editor packages' checks.
# Tests that need a missing tool (nvim, emacs, node) skip with a message;
# CI installs everything (scripts/setup.sh --editors) so nothing skips there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# npm packages may carry Go files of their own: only our packages count.
mapfile -t packages < <(go list ./... | grep -v /node_modules/)

say "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"
	echo "$unformatted"
	exit 1
fi
go vet "${packages[@]}"

say "build"
go build -o bin/stui-lsp ./cmd/stui-lsp

say "stui-lsp conformance against stui-testimage"
# The e2e tests check the same run; here its report is in the log. With a
# token of its own, so the token checks run too.
go build -o bin/stui-testimage ./cmd/stui-testimage
token=$(mktemp) && chmod 600 "$token" && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$token"
coproc testimage { env -u STUI_TOKEN bin/stui-testimage -token-file "$token"; }
testimage_pid=$testimage_PID
read -r endpoint <&"${testimage[0]}"
env -u STUI_TOKEN bin/stui-lsp conformance --endpoint "$endpoint" --token-file "$token"
exec {testimage[1]}>&- # end of stdin stops the test backend
wait "$testimage_pid"
rm -f "$token"

say "Smalltalk syntax check of pharo/ and testdata/"
# The fixtures under broken/ are meant to fail: they test the checker itself.
mapfile -t sources < <(find pharo testdata -name '*.st' -not -path '*/broken/*' | sort)
bin/stui-lsp check "${sources[@]}"
if bin/stui-lsp check testdata/smalltalk/broken >/dev/null 2>&1; then
	echo "stui-lsp check found no errors in testdata/smalltalk/broken" >&2
	exit 1
fi

say "go test -race"
# STUI_E2E_RACE: the end-to-end tests also run a race-enabled stui-lsp, so a
# data race inside the server fails them as well.
STUI_E2E_RACE=1 go test -race -timeout 15m "${packages[@]}"
# The real-VS Code scenarios (e2e/vscode_test.go), one line each; screenshots beside.
[ -f build/vscode-e2e/report.txt ] && { say "real VS Code (build/vscode-e2e)"; cat build/vscode-e2e/report.txt; }

if [ -x scripts/editors-check.sh ]; then
	say "editor packages"
	scripts/editors-check.sh
fi
say "all tests passed"
