;;; -*- lexical-binding: t; -*-
;;; The real dape with stui-dape.el: launch the statement at point of a
;;; playground that divides by zero, wait for the stopped event, check what
;;; dape made of it, then end the session.  Loaded after
;;; stui-dape-harness.el.
(find-file (getenv "STUI_PLAYGROUND"))
(unless (eq major-mode 'stui-mode) (stui-fail "the playground opened in %s" major-mode))
(goto-char (point-min))
(forward-line 1)
(dape (dape--config-eval 'stui nil))
(let* ((conn (stui-wait-for "a stopped thread" 20
                            (lambda () (dape--live-connection 'stopped t))))
       (frame (stui-wait-for "stack frames" 10
                             (lambda () (dape--current-stack-frame conn)))))
  (unless (eq (dape--state conn) 'stopped) (stui-fail "state %S" (dape--state conn)))
  (unless (string-match-p "ZeroDivide" (or (dape--exception-description conn) ""))
    (stui-fail "exception %S" (dape--exception-description conn)))
  (unless (equal (plist-get frame :name) "SmallInteger>>/")
    (stui-fail "top frame %S" frame))
  ;; The launched statement's frame is in the playground, at point's line.
  (let ((doit (car (last (plist-get (dape--current-thread conn) :stackFrames)))))
    (unless (and (equal (plist-get (plist-get doit :source) :path) (getenv "STUI_PLAYGROUND"))
                 (equal (plist-get doit :line) 2))
      (stui-fail "the launched statement's frame %S" doit)))
  (princ (format "stopped: %s top frame: %s\n" (string-trim (dape--exception-description conn)) (plist-get frame :name)))
  (let (killed)
    (dape-kill conn (lambda (&rest _) (setq killed t)))
    (stui-wait-for "the session to end" 10 (lambda () killed))
    ;; dape ends the adapter's process itself once terminate is answered.
    (stui-wait-for "the adapter to end" 10 (lambda () (not (process-live-p (jsonrpc--process conn)))))
    (when (dape--live-connections) (stui-fail "connections left: %S" (dape--live-connections)))
    (stui-check-reply "launch")
    (stui-check-reply "stackTrace")
    (stui-check-reply "terminate")
    (princ (format "replies: %S\n" (reverse stui-replies)))))
(princ "dape ok\n")
