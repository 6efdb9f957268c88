;;; stui.el --- Live Pharo Smalltalk through stui-lsp and eglot  -*- lexical-binding: t; -*-

;; Version: 0.2.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, smalltalk, pharo
;; URL: https://github.com/stui-lsp/stui-lsp

;;; Commentary:

;; `stui-mode' is a major mode for Smalltalk playgrounds (.st), chunk
;; file-outs and Tonel sources (.class.st, .extension.st, .trait.st,
;; package.st), and the glue that runs the stui-lsp language server under
;; eglot.  stui-lsp talks to a live Pharo image; hover, completion,
;; definitions and diagnostics come through eglot as usual, and these
;; commands run the server's evaluation commands:
;;
;;   C-c C-d  `stui-eval'     Do it: the region, or the statement at point;
;;                            the result is shown after the code
;;   C-c C-p  `stui-print'    Print it: insert the result as a "comment"
;;   C-c C-i  `stui-inspect'  Inspect it in the *stui-inspector* buffer,
;;                            where RET on a slot inspects that object
;;   C-c C-r  `stui-reset'    start a fresh image session
;;   C-c C-c  `stui-interrupt' interrupt the running evaluation
;;   C-c C-s  `stui-status'   show the image connection
;;
;; Setup: put this file on `load-path', then
;;
;;   (require 'stui)
;;   (add-hook 'stui-mode-hook #'eglot-ensure)
;;
;; Tested with Emacs 28 and eglot 1.9 (Debian 12) and Emacs 30 with its own
;; eglot (Debian testing).  Where eglot renamed a function, stui.el calls the
;; name this eglot has, so neither version warns of an obsolete one.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'seq)
(require 'project)
(require 'eglot)
(require 'jsonrpc)

(defgroup stui nil
  "Live Pharo Smalltalk through stui-lsp."
  :group 'languages
  :prefix "stui-")

(defcustom stui-lsp-program "stui-lsp"
  "The stui-lsp binary, found on `exec-path' unless absolute."
  :type 'string)

(defcustom stui-lsp-args nil
  "Extra arguments for stui-lsp, e.g. (\"--log-file\" \"/tmp/stui.log\")."
  :type '(repeat string))

(defcustom stui-endpoint nil
  "Endpoint of the image's STUI server, e.g. \"tcp://127.0.0.1:5555\".
Nil lets stui-lsp choose: $STUI_ENDPOINT, the per-user socket, or the
default port."
  :type '(choice (const :tag "Default" nil) string))

(defcustom stui-settings nil
  "Other settings of the `stui' section as a plist.
For example (:evaluateTimeoutMs 60000 :maxResultChars 20000)."
  :type 'plist)

(defcustom stui-indent-offset 4
  "Indentation of each bracket level."
  :type 'integer)

(defcustom stui-confirm-print-it nil
  "Whether Print it asks before the server inserts its result."
  :type 'boolean)

(defcustom stui-root-markers '(".project" ".smalltalk.ston" ".git")
  "Files or directories that mark a project root, tried in this order.
A directory holding a BaselineOf... package is a root too, when none of
these is found above the file."
  :type '(repeat string))

(defvar stui-last-result nil
  "The result of the last stui command, as a plist (for scripts and tests).")

;;;; Syntax

(defvar stui-mode-syntax-table
  (let ((st (make-syntax-table)))
    ;; "..." is a comment, '...' a string.
    (modify-syntax-entry ?\" "!" st)
    (modify-syntax-entry ?\' "\"" st)
    (modify-syntax-entry ?\\ "." st)
    (dolist (c '(?+ ?- ?* ?/ ?< ?> ?= ?~ ?, ?@ ?% ?| ?& ?? ?! ?^ ?. ?\; ?#))
      (modify-syntax-entry c "." st))
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?: "_" st)
    (modify-syntax-entry ?$ "'" st)
    (modify-syntax-entry ?\[ "(]" st)
    (modify-syntax-entry ?\] ")[" st)
    (modify-syntax-entry ?\( "()" st)
    (modify-syntax-entry ?\) ")(" st)
    (modify-syntax-entry ?\{ "(}" st)
    (modify-syntax-entry ?\} "){" st)
    st)
  "Syntax table of `stui-mode'.")

(defconst stui--syntax-propertize
  (syntax-propertize-rules
   ;; A character literal such as $' or $" is not a string or a comment.
   ("\\(\\$\\)\\(.\\)" (1 "'") (2 "_")))
  "Marks character literals.")

;;;; Font lock

(defconst stui-font-lock-keywords
  `(;; Tonel definitions and method headers: Foo >> bar [ / Foo class >> bar: x [
    ("^\\(Class\\|Trait\\|Extension\\|Package\\)\\s-*{" 1 font-lock-keyword-face)
    ("^\\([A-Z][A-Za-z0-9_]*\\)\\(?:\\s-+class\\)?\\s-*>>\\s-*\\([^[\n]*?\\)\\s-*\\[\\s-*$"
     (1 font-lock-type-face) (2 font-lock-function-name-face))
    ;; Pragmas: <example> <primitive: 60>
    ("^\\s-*\\(<[a-zA-Z][A-Za-z0-9_:]*\\)[^>\n]*>" 1 font-lock-preprocessor-face)
    ;; Pseudo-variables.
    (,(regexp-opt '("self" "super" "thisContext" "nil" "true" "false") 'symbols)
     . font-lock-constant-face)
    ;; Symbols: #foo #foo:bar: #+ #'with space'.
    ("#\\(?:[A-Za-z_][A-Za-z0-9_:]*\\|[-+*/\\\\<>=~,@%|&?!]+\\|'[^']*'\\)" . font-lock-constant-face)
    ;; Literal arrays and byte arrays: #( #[ #{
    ("#[[({]" . font-lock-constant-face)
    ;; Character literals.
    ("\\$." . font-lock-string-face)
    ;; Keyword selectors (not the := assignment).
    ("\\_<[a-zA-Z_][A-Za-z0-9_]*:\\(?:[^=]\\|$\\)" . (0 font-lock-keyword-face))
    ;; Block arguments :x and temporaries | a b |.
    (":[a-zA-Z_][A-Za-z0-9_]*" . font-lock-variable-name-face)
    ;; Class names.
    ("\\_<[A-Z][A-Za-z0-9_]*\\_>" . font-lock-type-face)
    ;; Return and assignment.
    ("\\^\\|:=" . font-lock-builtin-face)
    ;; Numbers: 3 -2 16r1F 2e10 1.5 3/4s2.
    ("\\_<-?[0-9]+\\(?:r[0-9A-Z]+\\)?\\(?:\\.[0-9]+\\)?\\(?:[edq]-?[0-9]+\\)?s?[0-9]*\\_>" . font-lock-constant-face))
  "Highlighting of `stui-mode'.")

;;;; Indentation

(defun stui--indentation ()
  "The indentation of the current line: one level per open bracket."
  (save-excursion
    (back-to-indentation)
    (let* ((ppss (syntax-ppss))
           (depth (car ppss)))
      (cond
       ((nth 4 ppss) nil)               ; inside a comment: leave it
       ((nth 3 ppss) nil)               ; inside a string
       (t
        (when (looking-at "[])}]")
          (setq depth (1- depth)))
        (* (max depth 0) stui-indent-offset))))))

(defun stui-indent-line ()
  "Indent the current line as Pharo does: a level per bracket."
  (interactive)
  (let ((col (stui--indentation))
        (offset (- (current-column) (current-indentation))))
    (when col
      (indent-line-to col)
      (when (> offset 0)
        (forward-char offset)))))

;;;; The mode

(defvar stui-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-d") #'stui-eval)
    (define-key map (kbd "C-c C-p") #'stui-print)
    (define-key map (kbd "C-c C-i") #'stui-inspect)
    (define-key map (kbd "C-c C-r") #'stui-reset)
    (define-key map (kbd "C-c C-c") #'stui-interrupt)
    (define-key map (kbd "C-c C-s") #'stui-status)
    map)
  "Keys of `stui-mode'.")

;;;###autoload
(define-derived-mode stui-mode prog-mode "Smalltalk"
  "Major mode for Pharo Smalltalk playgrounds and Tonel sources.

\\{stui-mode-map}"
  :syntax-table stui-mode-syntax-table
  (setq-local comment-start "\"")
  (setq-local comment-end "\"")
  (setq-local comment-start-skip "\"+\\s-*")
  (setq-local comment-use-syntax t)
  (setq-local syntax-propertize-function stui--syntax-propertize)
  (setq-local font-lock-defaults '(stui-font-lock-keywords))
  (setq-local indent-line-function #'stui-indent-line)
  (setq-local indent-tabs-mode t)
  (setq-local tab-width stui-indent-offset)
  (setq-local electric-indent-chars (append "]})" electric-indent-chars)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.st\\'" . stui-mode))

;;;; eglot

(defun stui--path-to-uri (path)
  "The file URI of PATH, through whichever name this eglot gives it."
  (if (fboundp 'eglot-path-to-uri)
      (eglot-path-to-uri path)
    (with-no-warnings (eglot--path-to-uri path))))

(defun stui--buffer-uri ()
  "The URI of the current buffer's file."
  (stui--path-to-uri (buffer-file-name)))

(defun stui--flush-changes ()
  "Send eglot's pending changes, as eglot does before its own requests.
eglot sends didChange only after a pause in typing; a command run right
after typing must not evaluate the text as it was."
  (when (fboundp 'eglot--signal-textDocument/didChange)
    (eglot--signal-textDocument/didChange)))

;;;; Project root

(defun stui--running-root (dir)
  "The root of a running stui-lsp server at or above DIR, if any."
  (let ((dir (file-name-as-directory (expand-file-name dir)))
        found)
    (maphash (lambda (project servers)
               (let ((root (file-name-as-directory (expand-file-name (project-root project)))))
                 (when (and (string-prefix-p root dir)
                            (seq-some (lambda (s) (memq 'stui-mode (eglot--major-modes s))) servers)
                            (or (null found) (> (length root) (length found))))
                   (setq found root))))
             eglot--servers-by-project)
    found))

(defun stui--marked-root (dir)
  "The nearest directory at or above DIR holding a root marker."
  (or (seq-some (lambda (marker) (locate-dominating-file dir marker)) stui-root-markers)
      (locate-dominating-file
       dir (lambda (d) (and (file-directory-p d) (directory-files d nil "\\`BaselineOf" t))))))

(defun stui-project-find (dir)
  "A project for a Smalltalk buffer outside version control.
The root is that of a stui-lsp server already running above DIR, so a
Tonel file below a playground joins its server rather than starting a
second one; else the nearest root marker (see `stui-root-markers')."
  (when (derived-mode-p 'stui-mode)
    (let ((root (or (stui--running-root dir) (stui--marked-root dir))))
      (when root
        (cons 'transient (file-name-as-directory (expand-file-name root)))))))

;; After version control's own function, so a git repository stays a VC
;; project.
(add-hook 'project-find-functions #'stui-project-find 90)

(defun stui--initialization-options ()
  "The `stui' settings sent as initializationOptions."
  (let ((opts (copy-sequence stui-settings)))
    (when (and stui-endpoint (not (string-empty-p stui-endpoint)))
      (setq opts (plist-put opts :endpoint stui-endpoint)))
    (or opts eglot--{})))

(defun stui-eglot-contact (&optional _interactive)
  "How eglot starts stui-lsp."
  `(,stui-lsp-program ,@stui-lsp-args
    :initializationOptions ,(stui--initialization-options)))

;;;###autoload
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '((stui-mode :language-id "smalltalk") . stui-eglot-contact)))

(defun stui--server ()
  "The eglot server of this buffer, or an error."
  (eglot--current-server-or-lose))

(defun stui-command (command argument)
  "Run the stui-lsp COMMAND with its one object ARGUMENT (a plist).
Pending changes go first, so the server sees the text as it is now."
  (let ((server (stui--server)))
    (stui--flush-changes)
    (jsonrpc-request server :workspace/executeCommand
                     `(:command ,command :arguments [,(or argument eglot--{})]))))

(defun stui--target ()
  "The argument for an evaluation: the region, or the statement at point."
  (let ((beg (if (use-region-p) (region-beginning) (point)))
        (end (if (use-region-p) (region-end) (point))))
    (list :uri (stui--buffer-uri)
          :range (list :start (eglot--pos-to-lsp-position beg)
                       :end (eglot--pos-to-lsp-position end)))))

(defun stui--result-end (target)
  "Where the code of TARGET ends, for showing a result after it."
  (save-excursion
    (goto-char (eglot--lsp-position-to-point (plist-get (plist-get target :range) :end)))
    (line-end-position)))

(defvar-local stui--overlays nil)

(defun stui--show-inline (pos text)
  "Show TEXT after POS until the next change of the buffer."
  (let ((ov (make-overlay pos pos nil t)))
    (overlay-put ov 'stui t)
    (overlay-put ov 'after-string (propertize (concat " => " text) 'face 'font-lock-comment-face))
    (overlay-put ov 'modification-hooks (list (lambda (o &rest _) (delete-overlay o))))
    (push ov stui--overlays)
    ov))

(defun stui-clear-results ()
  "Remove the results shown in the buffer."
  (interactive)
  (mapc #'delete-overlay stui--overlays)
  (setq stui--overlays nil))

(defun stui--call (command argument)
  "Run COMMAND; record and return its result, or signal a user error."
  (condition-case err
      (setq stui-last-result (stui-command command argument))
    (jsonrpc-error
     (let ((msg (or (cdr (assq 'jsonrpc-error-message (cdr err))) (format "%S" err))))
       (setq stui-last-result (list :error msg))
       (user-error "stui: %s" msg)))))

(defun stui--refresh-hints ()
  "Ask eglot for the inlay hints again: it does not take the server's
refresh request, and the result of an evaluation is one."
  (if (fboundp 'eglot--update-hints-1)
      (eglot--update-hints-1 (point-min) (point-max))
    (jit-lock-refontify)))

(defun stui-eval ()
  "Do it: evaluate the region or the statement at point.
The result shows once after the code: as the server's inlay hint where
eglot shows them (Emacs 29+), else as an overlay of stui.el's own.  The
server also says it in the echo area."
  (interactive)
  (let* ((target (stui--target))
         (res (stui--call "stui.evaluate" target)))
    (if (bound-and-true-p eglot-inlay-hints-mode)
        (stui--refresh-hints)
      (stui--show-inline (stui--result-end target)
                         (concat (plist-get res :result) (if (eq (plist-get res :truncated) t) " ..." ""))))
    res))

(defun stui-print ()
  "Print it: evaluate and insert the result after the code as a comment."
  (interactive)
  ;; eglot 1.16 renamed the variable that asks before a server's edit.
  (cl-progv (list (if (boundp 'eglot-confirm-server-edits)
                      'eglot-confirm-server-edits
                    'eglot-confirm-server-initiated-edits))
      (list stui-confirm-print-it)
    (stui--call "stui.printIt" (stui--target))))

(defun stui-reset ()
  "Start a fresh session in the image."
  (interactive)
  (let ((res (stui--call "stui.resetSession" (list :uri (stui--buffer-uri)))))
    (message "stui: new session %s" (plist-get res :session_id))
    res))

(defun stui-interrupt ()
  "Interrupt the evaluation running for this workspace."
  (interactive)
  (stui--call "stui.interrupt" (list :uri (stui--buffer-uri))))

(defun stui-status ()
  "Show the image connection."
  (interactive)
  (let ((res (stui--call "stui.status" nil)))
    (message "stui: %s %s%s" (plist-get res :state) (plist-get res :endpoint)
             (if (plist-get res :image_name) (concat " " (plist-get res :image_name)) ""))
    res))

;;;; Inspector

(defvar stui--inspector-server nil "The eglot server of the inspected objects.")
(defvar stui--inspector-history nil "Object ids inspected before, latest first.")
(defvar stui--inspector-current nil "The object id shown in the inspector.")

(defvar stui-inspector-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "RET") #'stui-inspector-drill)
    (define-key map (kbd "l") #'stui-inspector-back)
    (define-key map (kbd "DEL") #'stui-inspector-back)
    (define-key map (kbd "g") #'stui-inspector-refresh)
    map)
  "Keys of the inspector.")

(define-derived-mode stui-inspector-mode special-mode "STUI-Inspector"
  "An object of the image: RET on a slot inspects it, l goes back.")

(defun stui--inspector-show (server res)
  "Show the inspection RES of SERVER in the inspector buffer."
  (let ((buf (get-buffer-create "*stui-inspector*")))
    (with-current-buffer buf
      (stui-inspector-mode)
      (setq stui--inspector-server server
            stui--inspector-current (plist-get res :object_id))
      (let ((inhibit-read-only t)
            (info (plist-get res :object_info)))
        (erase-buffer)
        (insert (replace-regexp-in-string "\n" " " (or (plist-get info :string_representation) "")) "\n")
        (insert (format "  class: %s   size: %s   object id: %s\n"
                        (plist-get info :class_name) (plist-get info :size) (plist-get res :object_id)))
        (insert (make-string 60 ?-) "\n")
        (let ((start (point)))
          (seq-doseq (slot (plist-get res :slots))
            (let ((line-start (point))
                  (id (plist-get slot :object_id)))
              (insert (format "%-14s %s  (%s)" (plist-get slot :name)
                              (replace-regexp-in-string "\n" " " (or (plist-get slot :print_string) ""))
                              (plist-get slot :class_name)))
              (when (and (stringp id) (eq (plist-get slot :has_slots) t))
                (insert "  [" id "]")
                (put-text-property line-start (point) 'stui-object-id id))
              (insert "\n")))
          (let ((shown (+ (or (plist-get res :offset) 0) (length (plist-get res :slots))))
                (total (or (plist-get res :total_slots) 0)))
            (when (> total shown)
              (insert (format "... %d more slots\n" (- total shown)))))
          (insert (make-string 60 ?-) "\nRET inspect the slot   l back   g refresh\n")
          (goto-char start))))
    (display-buffer buf)
    (setq stui-last-result res)
    res))

(defun stui-inspect ()
  "Inspect it: inspect the result of the region or the statement at point."
  (interactive)
  (let ((server (stui--server)))
    (setq stui--inspector-history nil)
    (stui--inspector-show server (stui--call "stui.inspect" (append (stui--target) '(:open :json-false))))))

(defun stui-inspect-object (id &optional server)
  "Inspect the object ID of the image session (on SERVER)."
  (interactive "sObject id: ")
  (let* ((server (or server stui--inspector-server (stui--server)))
         (res (condition-case err
                  (jsonrpc-request server :workspace/executeCommand
                                   `(:command "stui.inspect" :arguments [(:objectId ,id :open :json-false)]))
                (jsonrpc-error (user-error "stui: %s" (cdr (assq 'jsonrpc-error-message (cdr err))))))))
    (stui--inspector-show server res)))

(defun stui-inspector-drill ()
  "Inspect the object of the slot at point."
  (interactive)
  (let ((id (get-text-property (point) 'stui-object-id)))
    (unless id
      (user-error "Nothing to inspect on this line"))
    (push stui--inspector-current stui--inspector-history)
    (stui-inspect-object id stui--inspector-server)))

(defun stui-inspector-back ()
  "Go back to the object inspected before."
  (interactive)
  (let ((id (pop stui--inspector-history)))
    (when id
      (stui-inspect-object id stui--inspector-server))))

(defun stui-inspector-refresh ()
  "Inspect the current object again."
  (interactive)
  (stui-inspect-object stui--inspector-current stui--inspector-server))

(provide 'stui)
;;; stui.el ends here
