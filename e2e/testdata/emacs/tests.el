;;; tests.el --- End-to-end check of SUnit runs from Emacs with eglot and stui-tests.el  -*- lexical-binding: t; -*-

;; e2e/tests_editors_test.go runs: emacs --batch -l tests.el
;; with STUI_LSP, STUI_TEST_ENDPOINT, STUI_TEST_WORKSPACE and STUI_EDITORS_DIR
;; set, against stui-testimage's TallyTest.  It prints "ok"/"not ok" lines,
;; then PASS or FAIL, and exits non-zero on failure.

(setq temporary-file-directory (file-name-as-directory (expand-file-name "tmp" (getenv "HOME"))))
(make-directory temporary-file-directory t)
(defvar native-comp-jit-compilation)
(setq native-comp-jit-compilation nil)
(require 'cl-lib)
(unless (require 'eglot nil t)
  (princ "SKIP: eglot is not installed (Debian: apt-get install elpa-eglot)\n")
  (kill-emacs 0))
(add-to-list 'load-path (expand-file-name "emacs" (getenv "STUI_EDITORS_DIR")))

(defvar test-failures 0)
(defun test-check (name ok &optional detail)
  (if ok
      (princ (format "ok - %s\n" name))
    (cl-incf test-failures)
    (princ (format "not ok - %s%s\n" name (if detail (format ": %S" detail) "")))))

(let* ((src (expand-file-name "emacs/stui-tests.el" (getenv "STUI_EDITORS_DIR")))
       (tmp (make-temp-file "stui-compile" t))
       (copy (expand-file-name "stui-tests.el" tmp))
       (warnings nil)
       (byte-compile-log-warning-function (lambda (string &rest _) (push string warnings))))
  (copy-file src copy)
  (let ((ok (byte-compile-file copy)))
    (test-check "stui-tests.el byte-compiles without warnings" (and ok (null warnings)) warnings)))
(require 'stui-tests)

(defun test-wait (secs pred)
  (let ((deadline (+ (float-time) secs)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(setq eglot-sync-connect t
      eglot-autoshutdown nil
      stui-lsp-program (getenv "STUI_LSP")
      stui-endpoint (getenv "STUI_TEST_ENDPOINT"))

(defvar test-file (expand-file-name "TallyTest.class.st" (getenv "STUI_TEST_WORKSPACE")))

(defun test-main ()
  (find-file test-file)
  (unless (eglot-current-server)
    (apply #'eglot--connect (eglot--guess-contact)))
  (test-check "eglot manages the Tonel test file" (test-wait 10 #'eglot-current-server))
  (goto-char (point-min))
  (search-forward "TallyTest >> testCarries")
  (forward-line 1)
  (test-check "C-c C-t runs the tests at point" (eq (lookup-key stui-mode-map (kbd "C-c C-t")) (function stui-run-tests)))
  (let ((buf (stui-run-tests)))
    (test-check "stui-run-tests at a test method runs it" (= (length (plist-get stui-tests-last :results)) 1)
                stui-tests-last)
    (with-current-buffer buf
      (test-check "*stui-tests* is a compilation buffer" (derived-mode-p 'compilation-mode) major-mode)
      (test-check "it names the failure with its file and line"
                  (string-match-p "TallyTest.class.st:18:[0-9]+: FAIL TallyTest>>testCarries: Got 10 instead of 11."
                                  (buffer-string))
                  (buffer-string))
      (goto-char (point-min))
      (compilation-next-error 1)
      (compile-goto-error))
    (test-check "next-error jumps to the failing line of the test"
                (and (equal (buffer-file-name) test-file) (= (line-number-at-pos) 18))
                (list (buffer-file-name) (line-number-at-pos))))
  (let ((buf (stui-run-test-class "TallyTest")))
    (with-current-buffer buf
      (let ((text (buffer-string)))
        (test-check "stui-run-test-class lists the failure and both errors at their lines"
                    (and (string-match-p "TallyTest.class.st:18:" text)
                         (string-match-p "TallyTest.class.st:23:[0-9]+: ERROR TallyTest>>testDivides" text)
                         (string-match-p "TallyTest.class.st:34:[0-9]+: ERROR TallyTest>>testWaits" text)
                         (string-match-p "SKIP TallyTest>>testLater: not yet" text))
                    text)))))

(condition-case err
    (test-main)
  (error (test-check "the script ran to the end" nil err)))
(princ (if (= test-failures 0) "PASS\n" (format "FAIL (%d)\n" test-failures)))
(kill-emacs (if (= test-failures 0) 0 1))
