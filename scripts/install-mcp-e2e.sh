#!/usr/bin/env bash
# Installs the official MCP TypeScript client that e2e/mcp_test.go drives
# `stui-lsp mcp` with, from e2e/mcp/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../e2e/mcp"
if ! command -v npm >/dev/null 2>&1; then
	echo "install-mcp-e2e: npm is not installed; the MCP end-to-end test will skip" >&2
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
