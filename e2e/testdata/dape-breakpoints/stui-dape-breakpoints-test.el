;;; -*- lexical-binding: t; -*-
;;; The real dape with stui-dape.el and a breakpoint: set in a Tonel file
;;; with dape-breakpoint-toggle, it stops the playground's statement in the
;;; method at that line; an edit above the method, saved, moves the method
;;; down a line (dape sends nothing for it): the adapter tells the
;;; breakpoint's new line, and the next stop is shown there.  Loaded
;;; after e2e/testdata/dape/stui-dape-harness.el.
(defvar stui-counter (getenv "STUI_COUNTER"))
(stui-breakpoint-at stui-counter 11 "\tcount := self count + 1")
(stui-launch (getenv "STUI_PLAYGROUND") 1)
(let ((conn (stui-wait-for "a live connection" 20 (lambda () (dape--live-connection 'last t)))))
  (stui-check-stop conn 1 "Counter>>increment" stui-counter 11)
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
  (stui-check-stop conn 2 "Counter>>increment" stui-counter 12)
  (let (killed)
    (dape-kill conn (lambda (&rest _) (setq killed t)))
    (stui-wait-for "the session to end" 10 (lambda () killed))))
(princ "dape breakpoints ok\n")
