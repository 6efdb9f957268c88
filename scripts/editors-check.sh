#!/usr/bin/env bash
# Checks of the editor packages that need no editor: the VS Code extension
# (npm ci, type check, lint, command-id and grammar tests, .vsix package,
# offline) and the Helix configuration (valid TOML naming the stui-lsp binary).
# The editor end-to-end tests are Go tests: go test ./e2e -run TestEditors
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}

step() { printf '\n== %s\n' "$*"; }

cd "$root/editors/vscode"
step "vscode: npm ci"
npm ci --no-audit --no-fund
step "vscode: tsc --noEmit"
npx tsc -p . --noEmit
step "vscode: eslint"
npx eslint .
step "vscode: command ids (no clash with the server's)"
npm run --silent test:unit
step "vscode: grammar tests"
npm run --silent test:grammar
step "vscode: vsce package"
npx tsc -p .
npx vsce package --out "$out/stui-editors-check.vsix"
rm -f "$out/stui-editors-check.vsix"

step "helix: languages.toml"
python3 - "$root/editors/helix/languages.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    cfg = tomllib.load(f)
servers = cfg.get("language-server", {})
assert "stui-lsp" in servers, "no [language-server.stui-lsp]"
assert servers["stui-lsp"].get("command") == "stui-lsp", "the server command must be stui-lsp, the binary the README installs"
langs = [l for l in cfg.get("language", []) if l.get("name") == "smalltalk"]
assert langs, "no smalltalk language"
lang = langs[0]
assert "stui-lsp" in lang.get("language-servers", []), "smalltalk does not use stui-lsp"
assert "st" in lang.get("file-types", []), "file-types lacks st"
bct = lang.get("block-comment-tokens", {})
assert bct.get("start") == '"' and bct.get("end") == '"', "block comments are \"...\""
print("helix languages.toml ok")
PY

step "all editor checks passed"
