;;; stui-tests.el --- Run SUnit tests through stui-lsp  -*- lexical-binding: t; -*-

;; Part of stui-lsp (editors/emacs).  Load it after stui.el:
;;   (require 'stui-tests)

;;; Commentary:

;; `stui-run-tests' (C-c C-t) runs the test method or test class at point
;; in the image, `stui-run-test-class' a class by name, through the server's
;; stui.runTests.  The outcome goes to a compilation-mode buffer,
;; *stui-tests*, with one FILE:LINE:COL: line per failure or error, so
;; `next-error' (M-g n) and RET jump to the failing line.  The server also
;; marks failures as diagnostics and shows a check or cross after each
;; test's name.

;;; Code:

(require 'stui)
(require 'compile)

(defvar stui-tests-last nil
  "The latest stui.runTests report, a plist.")

(defun stui-tests--uri-to-path (uri)
  "The file name of URI, through whichever name this eglot gives it."
  (if (fboundp 'eglot-uri-to-path)
      (eglot-uri-to-path uri)
    (with-no-warnings (eglot--uri-to-path uri))))

(defun stui-tests--line (result)
  "The compilation line of one RESULT of a report, or nil for a pass."
  (let ((status (plist-get result :status))
        (location (plist-get result :location))
        (name (format "%s>>%s" (plist-get result :class_name) (plist-get result :selector)))
        (message (or (plist-get result :message) "")))
    (pcase status
      ((or "fail" "error")
       (let ((word (if (equal status "fail") "FAIL" "ERROR")))
         (if location
             (let* ((start (plist-get (plist-get location :range) :start)))
               (format "%s:%d:%d: %s %s: %s\n"
                       (stui-tests--uri-to-path (plist-get location :uri))
                       (1+ (plist-get start :line)) (1+ (plist-get start :character))
                       word name message))
           (format "%s %s: %s\n" word name message))))
      ("skip" (format "SKIP %s: %s\n" name message))
      (_ (format "PASS %s (%d ms)\n" name (or (plist-get result :duration_ms) 0))))))

(defun stui-tests--show (report root)
  "Show REPORT in *stui-tests*, file names relative to ROOT."
  (setq stui-tests-last report)
  (let ((buf (get-buffer-create "*stui-tests*")))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (setq default-directory (file-name-as-directory root))
        (insert (format "-*- stui tests -*-\n%s\n\n" (plist-get report :summary)))
        (seq-doseq (r (plist-get report :results))
          (insert (stui-tests--line r))))
      (compilation-mode)
      (goto-char (point-min)))
    (if (> (+ (plist-get report :failed) (plist-get report :errors)) 0)
        (display-buffer buf)
      (message "stui: %s" (plist-get report :summary)))
    buf))

(defun stui-tests--run (argument)
  "Run stui.runTests with ARGUMENT and show the report."
  (let ((root (or (and (fboundp 'project-current) (project-current)
                       (project-root (project-current)))
                  default-directory)))
    (stui-tests--show (stui-command "stui.runTests" argument) root)))

;;;###autoload
(defun stui-run-tests ()
  "Run the test method or test class at point in the image."
  (interactive)
  (let ((pos (eglot--pos-to-lsp-position (point))))
    (stui-tests--run (list :uri (stui--buffer-uri) :range (list :start pos :end pos)))))

;;;###autoload
(defun stui-run-test-class (class)
  "Run every test of CLASS in the image."
  (interactive "sTest class: ")
  (stui-tests--run (list :className class)))

(define-key stui-mode-map (kbd "C-c C-t") #'stui-run-tests)

(provide 'stui-tests)
;;; stui-tests.el ends here
