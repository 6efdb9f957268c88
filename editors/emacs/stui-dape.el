;;; stui-dape.el --- dape configuration for stui-lsp's debug adapter  -*- lexical-binding: t; -*-

;;; Commentary:
;; `stui-lsp dap' (docs/debugging.md) as a dape configuration: M-x dape,
;; then `stui' runs the statement at point under the debugger, and
;; `stui-attach' waits for the next error in the image.  Load it after dape:
;;   (with-eval-after-load 'dape (require 'stui-dape))

;;; Code:

(defvar dape-configs)

(defun stui-dape--program ()
  "The visited file, for launch's program argument.
Absolute, unlike `dape-buffer-default': the adapter names it as the source
of the playground's frames, and dape opens that name from whichever buffer
is current."
  (unless (buffer-file-name)
    (user-error "No buffer file name"))
  (file-local-name (buffer-file-name)))

(defun stui-dape--line ()
  "The line of point, for launch's line argument."
  (line-number-at-pos))

(with-eval-after-load 'dape
  (add-to-list 'dape-configs
               '(stui
                 modes (stui-mode)
                 command "stui-lsp"
                 command-args ("dap")
                 :type "stui"
                 :request "launch"
                 :program stui-dape--program
                 :line stui-dape--line
                 :cwd dape-cwd))
  (add-to-list 'dape-configs
               '(stui-attach
                 modes (stui-mode)
                 command "stui-lsp"
                 command-args ("dap")
                 :type "stui"
                 :request "attach"
                 :waitForError t
                 :cwd dape-cwd)))

(provide 'stui-dape)
;;; stui-dape.el ends here
