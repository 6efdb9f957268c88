;;; -*- lexical-binding: t; -*-
;;; What the dape scripts share: dape with stui-dape.el loaded as the
;;; README says, waiting on dape's own state, and what dape was told.
(defun stui-fail (fmt &rest args)
  (princ (concat "FAIL " (apply #'format fmt args) "\n"))
  (kill-emacs 1))
(defun stui-wait-for (what timeout pred)
  "Run the event loop until PRED returns non-nil, at most TIMEOUT seconds."
  (let ((deadline (+ (float-time) timeout)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (stui-fail "%s: not within %ss; *Messages*: %s" what timeout
                         (with-current-buffer "*Messages*" (buffer-string))))))
(require 'dape)
(defvar stui-stops nil "The adapter's stopped events as dape handled them, newest first.")
(defvar stui-breakpoint-events nil "The adapter's breakpoint events, newest first.")
(defvar stui-outputs nil "The adapter's output events' text, newest first.")
(advice-add 'dape-handle-event :before
            (lambda (_conn event body)
              (pcase event
                ('stopped (push body stui-stops))
                ('breakpoint (push (plist-get body :breakpoint) stui-breakpoint-events))
                ('output (push (plist-get body :output) stui-outputs)))))
(add-to-list 'load-path (concat (getenv "STUI_EDITORS") "/emacs"))
(require 'stui)
(require 'stui-dape)
(unless (alist-get 'stui dape-configs) (stui-fail "stui is not in dape-configs"))
(defun stui-top-frame (conn)
  (car (plist-get (dape--current-thread conn) :stackFrames)))
(defun stui-check-stop (conn n name path line)
  "Wait for stop N of CONN, and check dape shows it in NAME at PATH and LINE.
PATH nil: the frame's source is not a file.  Returns the stopped event."
  (stui-wait-for (format "stop %d" n) 20
                 (lambda () (and (>= (length stui-stops) n) (eq (dape--state conn) 'stopped)
                                 (dape--current-stack-frame conn))))
  (let ((top (stui-wait-for (format "the stack of stop %d" n) 10
                            (lambda () (let ((top (stui-top-frame conn)))
                                         (and top (equal (plist-get top :name) name) top))))))
    (unless (and (equal (plist-get (plist-get top :source) :path) path)
                 (or (null line) (equal (plist-get top :line) line)))
      (stui-fail "stop %d: top frame %S, want %s in %s at line %s" n top name path line))
    (princ (format "stop %d (%s): %s at line %s\n" n (plist-get (car stui-stops) :reason) name (plist-get top :line)))
    (car stui-stops)))
(defvar stui-replies nil
  "The adapter's replies to dape's requests, newest first: (COMMAND . ERROR).
COMMAND is a string; dape sends some as keywords, launch as a string.")
(advice-add 'dape-request :around
            (lambda (request conn command arguments &optional cb)
              (funcall request conn command arguments
                       (when cb
                         (lambda (body error)
                           (push (cons (string-remove-prefix ":" (format "%s" command)) error) stui-replies)
                           (funcall cb body error))))))
(defun stui-check-reply (command)
  "Fail unless the adapter answered COMMAND without an error."
  (let ((reply (assoc command stui-replies)))
    (unless (and reply (null (cdr reply)))
      (stui-fail "%s: %S (replies %S)" command reply stui-replies))))
(defun stui-breakpoint-at (file line text)
  "Toggle a dape breakpoint on LINE of FILE, which must start with TEXT."
  (find-file file)
  (goto-char (point-min))
  (forward-line (1- line))
  (unless (looking-at (regexp-quote text))
    (stui-fail "line %d of %s is %S" line file (thing-at-point 'line)))
  (dape-breakpoint-toggle))
(defun stui-launch (file line)
  "Run dape's stui configuration on LINE of FILE, as M-x dape there does."
  (find-file file)
  (goto-char (point-min))
  (forward-line (1- line))
  (dape (dape--config-eval 'stui nil)))
