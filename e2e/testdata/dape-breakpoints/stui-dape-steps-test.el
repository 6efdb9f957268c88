;;; -*- lexical-binding: t; -*-
;;; The real dape steps: a breakpoint in a class-side method stops the
;;; playground's send; dape-next, dape-step-in (into Counter>>increment)
;;; and dape-step-out go statement by statement, each stop shown at its
;;; file and line; dape-continue runs to the end (the result, terminated).
;;; Loaded after e2e/testdata/dape/stui-dape-harness.el.
(defvar stui-counter (getenv "STUI_COUNTER"))
(stui-breakpoint-at stui-counter 18 "\tc := self new.")
(stui-launch (getenv "STUI_PLAYGROUND") 1)
(let ((conn (stui-wait-for "a live connection" 20 (lambda () (dape--live-connection 'last t))))
      (method "Counter class>>exampleIncrement"))
  (stui-check-stop conn 1 method stui-counter 18)
  (dape-next conn)
  (stui-check-stop conn 2 method stui-counter 19)
  (dape-step-in conn)
  (stui-check-stop conn 3 "Counter>>increment" stui-counter 11)
  (dape-step-out conn)
  (stui-check-stop conn 4 method stui-counter 20)
  (let ((reasons (mapcar (lambda (stop) (plist-get stop :reason)) (reverse stui-stops))))
    (unless (equal reasons '("breakpoint" "step" "step" "step"))
      (stui-fail "stop reasons %S" reasons)))
  (dape-continue conn)
  (stui-wait-for "the result of the send" 10 (lambda () (member "1\n" stui-outputs)))
  ;; On terminated dape ends the session itself (terminate, then it stops
  ;; the adapter).
  (stui-wait-for "the session to end" 10 (lambda () (null (dape--live-connections))))
  (when (> (length stui-stops) 4) (stui-fail "stopped again after continue: %S" (car stui-stops))))
(princ "dape steps ok\n")
