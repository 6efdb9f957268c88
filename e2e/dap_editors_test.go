package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ansiEscape matches the colour codes of hx --health.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// The editors' debug configurations in the current editors of the Debian
// testing root: Helix's languages.toml in Helix itself (hx --health), and
// the nvim-dap and dape configurations loaded by Neovim and Emacs, each of
// which then starts the adapter with the command line it configured and gets
// an answer to DAP's initialize from the real stui-lsp dap. A few lines stand
// in for the part of each plugin that the configuration touches
// (dap.adapters, dap.configurations and dap.run; dape-configs), so what is
// shown is that the configurations load and start a working adapter. nvim-dap
// is not packaged for Debian or npm; the real dape drives the adapter in
// TestDapeDrivesTheAdapter (dape_test.go).
func TestEditorDebugConfigurations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the current editors in the Debian testing root; not in -short mode")
	}
	f := newForky(t)
	f.installHelixConfig(t)

	t.Run("helix", func(t *testing.T) {
		out, err := f.run(t, time.Minute, "hx --health smalltalk")
		if err != nil {
			t.Fatalf("hx --health: %v\n%s", err, out)
		}
		plain := ansiEscape.ReplaceAllString(out, "")
		if !strings.Contains(plain, "Configured debug adapter:\n  ✓ "+f.path("bin", "stui-lsp")) {
			t.Fatalf("Helix does not find the configured debug adapter:\n%s", plain)
		}
	})

	t.Run("neovim", func(t *testing.T) {
		script := f.hostPath("tmp", "dap.lua")
		if err := os.WriteFile(script, []byte(neovimDAPScript), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := f.run(t, time.Minute, "nvim --headless -u NONE -i NONE -c "+shellQuote("luafile "+f.path("tmp", "dap.lua")),
			"STUI_EDITORS="+f.path("editors"))
		if err != nil || !strings.Contains(out, "neovim dap ok") {
			t.Fatalf("nvim: %v\n%s", err, out)
		}
	})

	t.Run("emacs", func(t *testing.T) {
		script := f.hostPath("tmp", "dap.el")
		if err := os.WriteFile(script, []byte(emacsDAPScript), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := f.run(t, time.Minute, "emacs --batch -l "+shellQuote(f.path("tmp", "dap.el")), "STUI_EDITORS="+f.path("editors"))
		if err != nil || !strings.Contains(out, "emacs dape ok") {
			t.Fatalf("emacs: %v\n%s", err, out)
		}
	})
}

// dapInitialize is DAP's first request, framed.
const dapInitialize = `{"seq":1,"type":"request","command":"initialize","arguments":{"adapterID":"stui","linesStartAt1":true,"columnsStartAt1":true}}`

const neovimDAPScript = `
local function fail(msg, v)
  io.stdout:write('FAIL ' .. msg .. ' ' .. vim.inspect(v) .. '\n')
  vim.cmd('cquit 1')
end
-- The part of nvim-dap the configuration touches.
local ran
package.loaded['dap'] = { adapters = {}, configurations = {}, run = function(c) ran = c end }
vim.opt.runtimepath:prepend(os.getenv('STUI_EDITORS') .. '/neovim')
require('stui.dap').setup({ endpoint = 'tcp://127.0.0.1:1' })
local dap = require('dap')
local a = dap.adapters.stui
if not a or a.type ~= 'executable' or a.command ~= 'stui-lsp' then fail('adapter', a) end
if not vim.deep_equal(a.args, { 'dap', '--endpoint', 'tcp://127.0.0.1:1' }) then fail('adapter args', a.args) end
local launch, attach = dap.configurations.smalltalk[1], dap.configurations.smalltalk[2]
if launch.type ~= 'stui' or launch.request ~= 'launch' or launch.program ~= '${file}' or type(launch.line()) ~= 'number' then fail('launch', launch) end
if attach.request ~= 'attach' or attach.waitForError ~= true then fail('attach', attach) end
if type(vim.lsp.commands['stui.debugIt']) ~= 'function' then fail('stui.debugIt', vim.lsp.commands) end
-- Start the adapter as nvim-dap starts an executable one: DAP on stdio.
local body = '` + dapInitialize + `'
local cmd = { a.command }
vim.list_extend(cmd, a.args)
local res = vim.system(cmd, { stdin = 'Content-Length: ' .. #body .. '\r\n\r\n' .. body }):wait(20000)
if not res.stdout:find('"command":"initialize"', 1, true) or not res.stdout:find('"success":true', 1, true) then fail('initialize', res) end
io.stdout:write('neovim dap ok\n')
vim.cmd('qall!')
`

var emacsDAPScript = `
(defun fail (msg v) (princ (format "FAIL %s %S\n" msg v)) (kill-emacs 1))
;; The part of dape the configuration touches.
(defvar dape-configs nil)
(defvar dape-cwd nil)
(provide 'dape)
(define-derived-mode stui-mode prog-mode "STUI")
(add-to-list 'load-path (concat (getenv "STUI_EDITORS") "/emacs"))
(require 'stui-dape)
(let ((launch (alist-get 'stui dape-configs))
      (attach (alist-get 'stui-attach dape-configs)))
  (unless (and launch (equal (plist-get launch 'command) "stui-lsp") (equal (plist-get launch 'command-args) '("dap"))
               (equal (plist-get launch :type) "stui") (equal (plist-get launch :request) "launch")
               (functionp (plist-get launch :line)))
    (fail "launch" launch))
  (unless (and attach (equal (plist-get attach :request) "attach") (eq (plist-get attach :waitForError) t))
    (fail "attach" attach))
  ;; Start the adapter with the configured command line: DAP on stdio.
  (let* ((body "` + strings.ReplaceAll(dapInitialize, `"`, `\"`) + `")
         (input (make-temp-file "dap-in")))
    (with-temp-file input (insert (format "Content-Length: %d\r\n\r\n%s" (string-bytes body) body)))
    (with-temp-buffer
      (apply #'call-process (plist-get launch 'command) input t nil (plist-get launch 'command-args))
      (unless (and (string-match-p "\"command\":\"initialize\"" (buffer-string)) (string-match-p "\"success\":true" (buffer-string)))
        (fail "initialize" (buffer-string))))))
(princ "emacs dape ok\n")
`
