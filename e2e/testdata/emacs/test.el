;;; test.el --- End-to-end check of stui-lsp with Emacs, eglot and stui.el  -*- lexical-binding: t; -*-

;; For Emacs 28 with eglot 1.9 (Debian 12) through Emacs 30 with its own
;; eglot.  e2e/editors_test.go and e2e/current_editors_test.go run:
;;   emacs --batch -l test.el
;; with STUI_LSP, STUI_TEST_ENDPOINT, STUI_DEAD_ENDPOINT, STUI_TEST_WORKSPACE
;; and STUI_EDITORS_DIR set (STUI_TESTIMAGE and STUI_RESTART_ENDPOINT for the
;; image-down-and-back case).  It prints "ok"/"not ok" lines, then PASS or
;; FAIL, and exits non-zero on failure.

;; Temporary files go below the test's own HOME, which the test removes, and
;; no native compilation runs in the background to outlive it.
(setq temporary-file-directory (file-name-as-directory (expand-file-name "tmp" (getenv "HOME"))))
(make-directory temporary-file-directory t)
(defvar native-comp-jit-compilation)
(setq native-comp-jit-compilation nil)
(require 'cl-lib)
(unless (require 'eglot nil t)
  (princ "SKIP: eglot is not installed (Debian: apt-get install elpa-eglot)\n")
  (kill-emacs 0))
(add-to-list 'load-path (expand-file-name "emacs" (getenv "STUI_EDITORS_DIR")))
(princ (format "# Emacs %s, eglot from %s\n" emacs-version (locate-library "eglot")))

(defvar test-failures 0)
(defun test-check (name ok &optional detail)
  (if ok
      (princ (format "ok - %s\n" name))
    (cl-incf test-failures)
    (princ (format "not ok - %s%s\n" name (if detail (format ": %S" detail) "")))))

;; stui.el compiles without a warning: no obsolete function or variable of
;; this Emacs and eglot, nothing undefined.
(let* ((src (expand-file-name "emacs/stui.el" (getenv "STUI_EDITORS_DIR")))
       (tmp (make-temp-file "stui-compile" t))
       (copy (expand-file-name "stui.el" tmp))
       (byte-compile-log-warning-function
        (lambda (string &rest _) (push string test-compile-warnings))))
  (defvar test-compile-warnings nil)
  (copy-file src copy)
  (let ((ok (byte-compile-file copy)))
    (test-check "stui.el byte-compiles without warnings" (and ok (null test-compile-warnings)) test-compile-warnings)))
(require 'stui)

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

(defun eglot--request* (server method params)
  "A request the way eglot's own commands make it: pending changes first."
  (eglot--signal-textDocument/didChange)
  (jsonrpc-request server method params))

(defun test-hover ()
  (let ((h (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                            (eglot--TextDocumentPositionParams))))
    (and h (let ((c (plist-get h :contents))) (if (stringp c) c (plist-get c :value))))))

(defun test-line ()
  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

(defun test-results-on-line (line)
  "The results drawn after LINE: eglot's inlay hints and stui.el's own."
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- line))
    (let (found)
      (dolist (ov (overlays-in (line-beginning-position) (1+ (line-end-position))))
        (let ((text (or (overlay-get ov 'after-string) (overlay-get ov 'before-string))))
          (when (and text (or (overlay-get ov 'stui) (overlay-get ov 'eglot--inlay-hint))
                     (string-match "\\(?:→\\|=>\\) *\\(.*\\)" text))
            (push (string-trim (match-string 1 text)) found))))
      found)))

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
  ;; Without a region, eglot's own M-x eglot-code-actions sends the bounds of
  ;; the sexp at point: the 3 alone.  They still mean the whole statement.
  (let* ((sexp (bounds-of-thing-at-point 'sexp))
         (actions (jsonrpc-request (eglot--current-server-or-lose) :textDocument/codeAction
                                   (list :textDocument (eglot--TextDocumentIdentifier)
                                         :range (list :start (eglot--pos-to-lsp-position (car sexp))
                                                      :end (eglot--pos-to-lsp-position (cdr sexp)))
                                         :context (list :diagnostics [] :only ["source.stui.evaluate"]))))
         (range (plist-get (aref (plist-get (plist-get (aref actions 0) :command) :arguments) 0) :range)))
    (test-check "code actions on the sexp at point (the 3) target the statement 3 + 4"
                (and (= (- (cdr sexp) (car sexp)) 1)
                     (equal (buffer-substring-no-properties (eglot--lsp-position-to-point (plist-get range :start))
                                                            (eglot--lsp-position-to-point (plist-get range :end)))
                            "3 + 4"))
                actions))

  (let ((res (stui-eval)))
    (test-check "stui-eval (C-c C-d) evaluates the statement at point: 7" (equal (plist-get res :result) "7") res))
  (test-check "C-c C-d is bound to stui-eval" (eq (key-binding (kbd "C-c C-d")) 'stui-eval))

  (test-check "the result is shown once after the statement"
              (test-wait 5 (lambda () (equal (test-results-on-line 3) '("7"))))
              (test-results-on-line 3))

  ;; Typing, then Print it at once: eglot has not sent the change yet unless
  ;; stui.el flushes it.
  (test-goto 4 "7.")
  (forward-char 1)
  (insert "0")
  (let ((res (stui-print)))
    (test-check "stui-print right after typing evaluates the new text: 420" (equal (plist-get res :result) "420") res)
    (test-check "stui-print inserts \"420\" after the statement" (equal (test-line) "\"café 😀\" 6 * 70 \"420\".") (test-line)))
  (test-goto 4 "6 * 70")
  (stui-print)
  (test-check "stui-print twice on the same line" (equal (test-line) "\"café 😀\" 6 * 70 \"420\" \"420\".") (test-line))

  ;; A whole-line region: the result goes at the end of that line.
  (test-goto 3 "3 + 4")
  (set-mark (line-beginning-position))
  (goto-char (line-beginning-position 2))
  (activate-mark)
  (let ((res (stui-print)))
    (deactivate-mark)
    (test-goto 3 "3 + 4")
    (test-check "stui-print on a whole-line region puts the result at the end of that line"
                (and (equal (plist-get res :result) "7") (equal (test-line) "\"café 😀\" 3 + 4. \"7\""))
                (list res (test-line))))

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

  (let ((server (eglot--current-server-or-lose)))
    (test-check "the project root is the folder holding .project, without git"
                (equal (file-name-as-directory (project-root (eglot--project server))) (file-name-as-directory test-ws))
                (project-root (eglot--project server)))
    (goto-char (point-max))
    (insert "\nCoun")
    (let* ((comp (eglot--request* server :textDocument/completion (eglot--TextDocumentPositionParams)))
           (items (if (vectorp comp) comp (plist-get comp :items))))
      (test-check "completion of \"Coun\" offers Counter"
                  (seq-find (lambda (i) (equal (plist-get i :label) "Counter")) items) comp))
    (delete-region (line-beginning-position 0) (point-max))
    (test-goto 2 "Counter")
    (let* ((defs (eglot--request* server :textDocument/definition (eglot--TextDocumentPositionParams)))
           (def (if (vectorp defs) (and (> (length defs) 0) (aref defs 0)) defs)))
      (test-check "definition of Counter is its Tonel file"
                  (and def (string-match-p "Counter\\.class\\.st" (or (plist-get def :uri) (plist-get def :targetUri) ""))) defs)))

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
  (let ((server (eglot--current-server-or-lose)))
    (test-check "a Tonel file below the root joins the same server"
                (eq server (with-current-buffer "playground.st" (eglot-current-server))))
    (let ((syms (eglot--request* server :textDocument/documentSymbol
                                 `(:textDocument ,(eglot--TextDocumentIdentifier))))
          names)
      (cl-labels ((walk (list) (seq-doseq (sym list)
                                 (push (plist-get sym :name) names)
                                 (walk (plist-get sym :children)))))
        (walk syms))
      (test-check "document symbols list the class and its methods"
                  (and (member "Counter" names) (seq-find (lambda (n) (string-match-p "increment" n)) names)) names))
    (goto-char (point-min))
    (re-search-forward "c \\(increment\\)")
    (goto-char (match-beginning 1))
    (let ((refs (eglot--request* server :textDocument/references
                                 (append (eglot--TextDocumentPositionParams) '(:context (:includeDeclaration :json-false))))))
      (test-check "references of increment list its senders" (> (length refs) 0) refs)))
  (goto-char (point-min))
  (re-search-forward "c := self new")
  (test-check "indentation: a method body is one level inside its brackets"
              (progn (indent-according-to-mode) (= (current-indentation) stui-indent-offset)))
  (maphash (lambda (_project servers) (mapc #'eglot-shutdown servers)) eglot--servers-by-project))

(defun test-no-marker-one-server ()
  "Without git or a marker file, a Tonel file below a playground's folder
joins the server already running there."
  (let* ((dir (file-name-as-directory (make-temp-file "stui-nomarker" t)))
         (tonel (expand-file-name "src/Demo/package.st" dir)))
    (make-directory (file-name-directory tonel) t)
    (with-temp-file (expand-file-name "play.st" dir) (insert "3 + 4.\n"))
    (with-temp-file tonel (insert "Package { #name : #Demo }\n"))
    (find-file (expand-file-name "play.st" dir))
    (unless (eglot-current-server) (apply #'eglot--connect (eglot--guess-contact)))
    (let ((first (test-wait 10 #'eglot-current-server)))
      (find-file tonel)
      (test-check "without git or markers, a Tonel file below joins the running server (no second server)"
                  (and first (eq (eglot-current-server) first)) (eglot-current-server))
      (when first (eglot-shutdown first)))))

(defun test-baseline-root ()
  "A folder holding a BaselineOf... package is a root when no marker file is."
  (let* ((dir (file-name-as-directory (make-temp-file "stui-baseline" t)))
         (src (expand-file-name "src/" dir)))
    (make-directory (expand-file-name "BaselineOfDemo" src) t)
    (make-directory (expand-file-name "Demo" src) t)
    (let ((file (expand-file-name "Demo/package.st" src)))
      (with-temp-file file (insert "Package { #name : #Demo }\n"))
      (with-current-buffer (find-file-noselect file)
        (let ((project (stui-project-find default-directory)))
          (test-check "a BaselineOf* package marks the root without git"
                      (equal (and project (project-root project)) src) project))
        (kill-buffer)))))

(defun test-image-down-and-back ()
  "The image stops under a connected server and starts again."
  (let ((image (getenv "STUI_TESTIMAGE"))
        (endpoint (getenv "STUI_RESTART_ENDPOINT")))
    (when (and image endpoint)
      (cl-flet ((start-image ()
                  (let* ((ready nil)
                         (proc (make-process :name "stui-testimage" :command (list image "--endpoint" endpoint)
                                             :connection-type 'pipe :noquery t
                                             :filter (lambda (_p _s) (setq ready t)))))
                    (test-wait 10 (lambda () ready))
                    proc)))
        (dolist (b (buffer-list))
          (when (buffer-file-name b) (kill-buffer b)))
        (let ((proc (start-image)))
          (setq stui-endpoint endpoint stui-lsp-args nil)
          (test-open "playground.st")
          (test-wait 10 (lambda () (eq (plist-get (stui-command "stui.status" nil) :connected) t)))
          (test-goto 3 "3 + 4")
          (delete-process proc)
          (let ((err (test-wait 10 (lambda () (condition-case e (progn (stui-eval) nil) (user-error (cadr e)))))))
            (test-check "with the image down, stui-eval fails with an error" (and err (string-match-p "image" err)) err))
          (setq proc (start-image))
          (let ((res (condition-case e (stui-eval) (user-error (cadr e)))))
            (test-check "the first stui-eval after the image is back answers 7" (equal (plist-get res :result) "7") res))
          (delete-process proc)
          (eglot-shutdown (eglot--current-server-or-lose)))))))

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
    (progn (test-live) (test-baseline-root) (test-no-marker-one-server) (test-image-down-and-back) (test-image-down))
  (error (test-check "no unexpected error" nil err)))
(princ (if (= test-failures 0) "PASS\n" (format "FAIL (%d)\n" test-failures)))
(kill-emacs (if (= test-failures 0) 0 1))
