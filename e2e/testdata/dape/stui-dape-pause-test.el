;;; -*- lexical-binding: t; -*-
;;; The real dape pauses and restarts: the playground's statement waits 20
;;; s; dape-pause stops it (reason pause), dape-restart ends that session
;;; and launches the same configuration again (the adapter offers no
;;; restart request, so dape kills and starts anew), which dape-pause stops
;;; again; dape-kill ends it.  Loaded after stui-dape-harness.el.
(defun stui-pause-until-stopped (n)
  "Send dape-pause until stop N comes, with reason pause."
  (let ((deadline (+ (float-time) 20)))
    ;; A pause that reaches the image before the evaluation runs there
    ;; stops nothing: pause again until it stops.
    (while (and (< (length stui-stops) n) (< (float-time) deadline))
      (let ((conn (dape--live-connection 'parent t)))
        (when (and conn (dape--initialized-p conn) (not (dape--stopped-threads conn)))
          (ignore-errors (dape-pause conn))))
      (let ((until (+ (float-time) 0.25)))
        (while (and (< (length stui-stops) n) (< (float-time) until))
          (accept-process-output nil 0.05)))))
  (unless (>= (length stui-stops) n) (stui-fail "pause %d: no stop" n))
  (let ((stop (car stui-stops)))
    (unless (equal (plist-get stop :reason) "pause") (stui-fail "stop %d: %S" n stop))))
(stui-launch (getenv "STUI_PLAYGROUND") 1)
(let ((first (stui-wait-for "a live connection" 20 (lambda () (car (dape--live-connections))))))
  (stui-pause-until-stopped 1)
  (stui-check-stop first 1 "UndefinedObject>>DoIt" (getenv "STUI_PLAYGROUND") 1)
  (dape-restart first)
  (let ((second (stui-wait-for "a new session" 20
                               (lambda () (seq-find (lambda (c) (not (eq c first))) (dape--live-connections))))))
    (when (jsonrpc-running-p first) (stui-fail "the first session still runs"))
    (stui-pause-until-stopped 2)
    (stui-check-stop second 2 "UndefinedObject>>DoIt" (getenv "STUI_PLAYGROUND") 1)
    (let (killed)
      (dape-kill second (lambda (&rest _) (setq killed t)))
      (stui-wait-for "the session to end" 10 (lambda () killed)))))
(princ "dape pause ok\n")
