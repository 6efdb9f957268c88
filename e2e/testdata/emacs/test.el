;;; test.el --- End-to-end check of stui-lsp with Emacs, eglot and stui.el  -*- lexical-binding: t; -*-

;; e2e/editors_test.go runs: emacs --batch -l test.el
;; with STUI_LSP, STUI_TEST_ENDPOINT, STUI_DEAD_ENDPOINT, STUI_TEST_WORKSPACE
;; and STUI_EDITORS_DIR set.  It prints "ok"/"not ok" lines, then PASS or
;; FAIL, and exits non-zero on failure.

(require 'cl-lib)
(unless (require 'eglot nil t)
  (princ "SKIP: eglot is not installed (Debian: apt-get install elpa-eglot)\n")
  (kill-emacs 0))
(add-to-list 'load-path (expand-file-name "emacs" (getenv "STUI_EDITORS_DIR")))
(require 'stui)

(defvar test-failures 0)
(defun test-check (name ok &optional detail)
  (if ok
      (princ (format "ok - %s\n" name))
    (cl-incf test-failures)
    (princ (format "not ok - %s%s\n" name (if detail (format ": %S" detail) "")))))

(defun test-wait (secs pred)
  "Wait up to SECS for PRED, running timers and process output."
  (let ((deadline (+ (float-time) secs)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(defvar test-diagnostics (make-hash-table :test #'equal)
  "The diagnostics the server published, by URI, as eglot received them.")
(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics &allow-other-keys)
  (puthash uri diagnostics test-diagnostics))

(setq eglot-sync-connect t
      eglot-autoshutdown nil
      eglot-events-buffer-size 0
      eglot-confirm-server-initiated-edits nil
      stui-lsp-program (getenv "STUI_LSP"))

(defvar test-ws (getenv "STUI_TEST_WORKSPACE"))

(defun test-open (file)
  "Visit FILE of the workspace in stui-mode with eglot managing it."
  (find-file (expand-file-name file test-ws))
  (unless (eglot-current-server)
    (apply #'eglot--connect (eglot--guess-contact)))
  (test-wait 10 #'eglot-current-server))

(defun test-goto (line needle)
  "Move to NEEDLE on LINE (1-based)."
  (goto-char (point-min))
  (forward-line (1- line))
  (search-forward needle (line-end-position))
  (goto-char (match-beginning 0)))

(defun test-hover ()
  (let ((h (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                            (eglot--TextDocumentPositionParams))))
    (and h (let ((c (plist-get h :contents))) (if (stringp c) c (plist-get c :value))))))

(defun test-live ()
  (setq stui-endpoint (getenv "STUI_TEST_ENDPOINT"))
  (test-check "playgrounds open in stui-mode" (progn (find-file (expand-file-name "playground.st" test-ws))
                                                     (eq major-mode 'stui-mode)))
  (test-check "eglot starts stui-lsp from its eglot-server-programs entry" (test-open "playground.st"))
  (test-check "stui.status reports the connected image"
              (test-wait 10 (lambda () (eq (plist-get (stui-command "stui.status" nil) :connected) t))))

  (test-goto 2 "Counter")
  (let* ((pos (eglot--pos-to-lsp-position))
         (encoding (plist-get (eglot--capabilities (eglot--current-server-or-lose)) :positionEncoding))
         (want (if (equal encoding "utf-8") 13 10)))
    (test-check (format "eglot sends columns in the agreed encoding (%s)" (or encoding "utf-16"))
                (= (plist-get pos :character) want) pos))
  (let ((text (or (test-hover) "")))
    (test-check "hover on Counter shows the image's class: superclass and comment"
                (and (string-match-p "Object" text) (string-match-p "café" text)
                     (string-match-p "my comment is not ASCII" text))
                text))

  (let* ((lenses (jsonrpc-request (eglot--current-server-or-lose) :textDocument/codeLens
                                  `(:textDocument ,(eglot--TextDocumentIdentifier))))
         (titles (mapcar (lambda (l) (plist-get (plist-get l :command) :title)) lenses)))
    (test-check "code lenses: Evaluate | Print it | Inspect it"
                (and (member "Evaluate" titles) (member "Print it" titles) (member "Inspect it" titles)) titles))

  (test-goto 3 "3 + 4")
  (let ((actions (jsonrpc-request (eglot--current-server-or-lose) :textDocument/codeAction
                                  (list :textDocument (eglot--TextDocumentIdentifier)
                                        :range (list :start (eglot--pos-to-lsp-position) :end (eglot--pos-to-lsp-position))
                                        :context (list :diagnostics [] :only ["source.stui.evaluate"])))))
    (test-check "code actions at point: Evaluate, Print it, Inspect it (eglot shows no lenses)"
                (equal (mapcar (lambda (a) (plist-get a :title)) actions) '("Evaluate" "Print it" "Inspect it")) actions))

  (let ((res (stui-eval)))
    (test-check "stui-eval (C-c C-d) evaluates the statement at point: 7" (equal (plist-get res :result) "7") res))
  (test-check "C-c C-d is bound to stui-eval" (eq (key-binding (kbd "C-c C-d")) 'stui-eval))

  (test-goto 4 "6 * 7")
  (let ((res (stui-print)))
    (test-check "stui-print answers 42" (equal (plist-get res :result) "42") res)
    (let ((line (buffer-substring (line-beginning-position) (line-end-position))))
      (test-check "stui-print inserts \"42\" after the statement" (equal line "\"café 😀\" 6 * 7 \"42\".") line)))

  (test-goto 3 "3 + 4")
  (set-mark (point))
  (forward-char 5)
  (activate-mark)
  (let ((res (stui-eval)))
    (test-check "stui-eval on the region" (equal (plist-get res :result) "7") res))
  (deactivate-mark)

  (test-goto 5 "(1 to: 3)")
  (let ((res (stui-inspect)))
    (test-check "stui-inspect shows an OrderedCollection"
                (equal (plist-get (plist-get res :object_info) :class_name) "OrderedCollection") res)
    (with-current-buffer "*stui-inspector*"
      (goto-char (point-min))
      (test-check "the inspector lists the array slot with its object id" (re-search-forward "^array" nil t))
      (let ((res2 (stui-inspector-drill)))
        (test-check "RET on the slot inspects its object"
                    (and res2 (not (equal (plist-get res2 :object_id) (plist-get res :object_id)))) res2))))

  (test-open "broken.st")
  (test-goto 1 "3 +")
  (let ((beg (point)))
    (set-mark beg)
    (forward-char 3)
    (activate-mark)
    (let ((err (condition-case e (progn (stui-eval) nil) (user-error (cadr e)))))
      (test-check "evaluating \"3 +\" fails with a SyntaxError" (and err (string-match-p "SyntaxError" err)) err))
    (deactivate-mark)
    (let* ((uri (eglot--path-to-uri (buffer-file-name)))
           (diag (test-wait 5 (lambda () (cl-find "stui evaluate" (gethash uri test-diagnostics)
                                                  :key (lambda (d) (plist-get d :source)) :test #'equal)))))
      (test-check "the syntax error is a diagnostic just after the \"+\""
                  (and diag (= (eglot--lsp-position-to-point (plist-get (plist-get diag :range) :start)) (+ beg 3)))
                  (gethash uri test-diagnostics))))

  (test-open "src/Demo/Counter.class.st")
  (test-check "Tonel files open in stui-mode" (eq major-mode 'stui-mode))
  (let ((lenses (jsonrpc-request (eglot--current-server-or-lose) :textDocument/codeLens
                                 `(:textDocument ,(eglot--TextDocumentIdentifier)))))
    (test-check "code lenses on the <example> method of the Tonel class"
                (= (cl-count-if (lambda (l) (member (plist-get (plist-get l :command) :command)
                                                    '("stui.evaluate" "stui.printIt" "stui.inspect")))
                                lenses)
                   3)
                lenses))
  (goto-char (point-min))
  (re-search-forward "c := self new")
  (test-check "indentation: a method body is one level inside its brackets"
              (progn (indent-according-to-mode) (= (current-indentation) stui-indent-offset)))
  (maphash (lambda (_project servers) (mapc #'eglot-shutdown servers)) eglot--servers-by-project))

(defun test-image-down ()
  (dolist (b (buffer-list))
    (when (buffer-file-name b) (kill-buffer b)))
  (setq stui-endpoint nil
        stui-lsp-args (list "--endpoint" (getenv "STUI_DEAD_ENDPOINT")))
  (test-open "playground.st")
  (test-goto 2 "Counter")
  (let* ((t0 (float-time))
         (text (or (test-hover) ""))
         (ms (* 1000 (- (float-time) t0))))
    (test-check (format "with no image, hover answers quickly (%d ms) with \"image not connected\"" ms)
                (and (< ms 3000) (string-match-p "image not connected" text)) text))
  (eglot-shutdown (eglot--current-server-or-lose)))

(condition-case err
    (progn (test-live) (test-image-down))
  (error (test-check "no unexpected error" nil err)))
(princ (if (= test-failures 0) "PASS\n" (format "FAIL (%d)\n" test-failures)))
(kill-emacs (if (= test-failures 0) 0 1))
