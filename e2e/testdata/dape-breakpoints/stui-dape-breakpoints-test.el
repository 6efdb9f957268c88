;;; -*- lexical-binding: t; -*-
;;; The real dape with stui-dape.el and a breakpoint: set in a Tonel file
;;; with dape-breakpoint-toggle, it stops the playground's statement in the
;;; method at that line; an edit above the method, saved, moves the method
;;; down a line (dape sends nothing for it): the adapter tells the
;;; breakpoint's new line, and the next stop is shown there.
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
(defvar stui-stops 0 "How many stopped events dape handled.")
(defvar stui-breakpoint-events nil "The adapter's breakpoint events, newest first.")
(advice-add 'dape-handle-event :before
            (lambda (_conn event body)
              (pcase event
                ('stopped (setq stui-stops (1+ stui-stops)))
                ('breakpoint (push (plist-get body :breakpoint) stui-breakpoint-events)))))
(add-to-list 'load-path (concat (getenv "STUI_EDITORS") "/emacs"))
(require 'stui)
(require 'stui-dape)
(defun stui-top-frame (conn)
  (let ((frames (plist-get (dape--current-thread conn) :stackFrames)))
    (car frames)))
(defun stui-check-stop (conn n line)
  "Wait for stop N of CONN, and check it is in Counter>>increment at LINE."
  (stui-wait-for (format "stop %d" n) 20
                 (lambda () (and (>= stui-stops n) (eq (dape--state conn) 'stopped)
                                 (dape--current-stack-frame conn))))
  (let ((top (stui-wait-for (format "the stack of stop %d" n) 10
                            (lambda () (let ((top (stui-top-frame conn)))
                                         (and top (equal (plist-get top :name) "Counter>>increment") top))))))
    (unless (and (equal (plist-get (plist-get top :source) :path) (getenv "STUI_COUNTER"))
                 (equal (plist-get top :line) line))
      (stui-fail "stop %d: top frame %S, want Counter>>increment in %s at line %d" n top (getenv "STUI_COUNTER") line))
    (princ (format "stop %d: %s at line %d\n" n (plist-get top :name) line))))

(find-file (getenv "STUI_COUNTER"))
(goto-char (point-min))
(forward-line 10)
(unless (looking-at "\tcount := self count \\+ 1") (stui-fail "line 11 is %S" (thing-at-point 'line)))
(dape-breakpoint-toggle)
(find-file (getenv "STUI_PLAYGROUND"))
(goto-char (point-min))
(dape (dape--config-eval 'stui nil))
(let ((conn (stui-wait-for "a live connection" 20 (lambda () (dape--live-connection 'last t)))))
  (stui-check-stop conn 1 11)
  ;; A line more above the method: dape's mark moves with the text; dape
  ;; sends nothing.
  (with-current-buffer (find-buffer-visiting (getenv "STUI_COUNTER"))
    (goto-char (point-min))
    (forward-line 7)
    (insert "\n")
    (save-buffer))
  (stui-wait-for "the adapter to tell the breakpoint's new line" 10
                 (lambda () (seq-find (lambda (b) (and (equal (plist-get b :line) 12) (eq (plist-get b :verified) t)))
                                      stui-breakpoint-events)))
  (dape-continue conn)
  (stui-check-stop conn 2 12)
  (let (killed)
    (dape-kill conn (lambda (&rest _) (setq killed t)))
    (stui-wait-for "the session to end" 10 (lambda () killed))))
(princ "dape breakpoints ok\n")
