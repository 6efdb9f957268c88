;;; -*- lexical-binding: t; -*-
;;; The real dape attaches with stui-dape.el's stui-attach (waitForError):
;;; once the attach is answered the script says so in the file
;;; $STUI_ATTACHED, the test launches code that fails through another
;;; adapter, and dape shows that process stopped on its error; dape-continue
;;; resumes it, and the session ends.  Loaded after stui-dape-harness.el.
(find-file (getenv "STUI_PLAYGROUND"))
(dape (dape--config-eval 'stui-attach nil))
(let ((conn (stui-wait-for "a live connection" 20 (lambda () (car (dape--live-connections))))))
  (stui-wait-for "the attach to be answered" 20 (lambda () (assoc "attach" stui-replies)))
  (stui-check-reply "attach")
  (write-region "" nil (getenv "STUI_ATTACHED"))
  (stui-wait-for "the other process to stop" 20
                 (lambda () (and stui-stops (eq (dape--state conn) 'stopped) (dape--current-stack-frame conn))))
  (let ((stop (car stui-stops)))
    (unless (equal (plist-get stop :reason) "exception") (stui-fail "stopped %S" stop)))
  (unless (string-match-p "raised elsewhere" (or (dape--exception-description conn) ""))
    (stui-fail "exception %S" (dape--exception-description conn)))
  (let ((frames (plist-get (dape--current-thread conn) :stackFrames)))
    (unless (equal (plist-get (car (last frames)) :name) "UndefinedObject>>DoIt")
      (stui-fail "the stack %S" frames))
    (princ (format "attached: %s, frames %S\n" (string-trim (dape--exception-description conn))
                   (mapcar (lambda (f) (plist-get f :name)) frames))))
  (dape-continue conn)
  (stui-wait-for "the continue to be answered" 10 (lambda () (assoc "continue" stui-replies)))
  (stui-check-reply "continue")
  (stui-wait-for "the session to end" 10 (lambda () (null (dape--live-connections))))
  (princ (format "replies: %S\n" (reverse stui-replies))))
(princ "dape attach ok\n")
