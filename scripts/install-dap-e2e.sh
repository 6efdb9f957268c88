#!/usr/bin/env bash
# Installs Microsoft's DebugClient (@vscode/debugadapter-testsupport) that
# e2e/dap_test.go drives `stui-lsp dap` with, from e2e/dap/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../e2e/dap"
if ! command -v npm >/dev/null 2>&1; then
	echo "install-dap-e2e: npm is not installed; the debug adapter's end-to-end test will skip" >&2
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
