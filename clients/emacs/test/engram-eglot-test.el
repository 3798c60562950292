;;; engram-eglot-test.el --- Batch tests of engram-eglot against the real `engram lsp'  -*- lexical-binding: t; -*-

;; Run by tests/Engram.Clients.Tests (EmacsEglotTests):
;;   ENGRAM_TEST_COMMAND='["dotnet","/path/engram.dll","lsp","--index-dir","/tmp/x"]' \
;;   ENGRAM_TEST_FILE=/tmp/ws/calc.py emacs --batch -L clients/emacs -l clients/emacs/test/engram-eglot-test.el \
;;   -f ert-run-tests-batch-and-exit

;;; Code:

(require 'ert)
(require 'json)
(require 'engram-eglot)

(defvar engram-test--buffer nil)

(defun engram-test--wait (predicate seconds)
  "Process output until PREDICATE is non-nil or SECONDS pass; return its value."
  (let ((deadline (+ (float-time) seconds)) (value nil))
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    value))

(defun engram-test--ensure-server ()
  "Open the fixture file and connect Eglot to Engram once."
  (unless (and engram-test--buffer (buffer-live-p engram-test--buffer)
               (with-current-buffer engram-test--buffer (eglot-current-server)))
    (setq engram-command (append (json-read-from-string (getenv "ENGRAM_TEST_COMMAND")) nil))
    (engram-eglot-setup)
    (setq engram-test--buffer (find-file-noselect (getenv "ENGRAM_TEST_FILE")))
    (with-current-buffer engram-test--buffer
      (python-mode)
      (let ((inhibit-message t)) (eglot-ensure))
      ;; eglot-ensure connects from post-command-hook, which batch mode never runs.
      (unless (eglot-current-server)
        (apply #'eglot (eglot--guess-contact)))
      (engram-test--wait (lambda () (eglot-current-server)) 60)))
  (with-current-buffer engram-test--buffer (eglot-current-server)))

(ert-deftest engram-eglot-connects-with-engram-capabilities ()
  (let ((server (engram-test--ensure-server)))
    (should server)
    (let* ((caps (eglot--capabilities server))
           (commands (append (plist-get (plist-get caps :executeCommandProvider) :commands) nil)))
      (should (plist-get caps :completionProvider))
      (should (member "engram.ask" commands))
      (should (member "engram.index" commands)))))

(ert-deftest engram-eglot-completion-at-point-offers-workspace-words ()
  (engram-test--ensure-server)
  (with-current-buffer engram-test--buffer
    (goto-char (point-max))
    (insert "\nresult = calc")
    (let ((candidates
           (engram-test--wait
            (lambda ()
              (let ((capf (eglot-completion-at-point)))
                (and capf
                     (let ((all (all-completions (buffer-substring-no-properties (nth 0 capf) (nth 1 capf))
                                                 (nth 2 capf))))
                       (and (member "calculate_total" all) all)))))
            60)))
      (message "completion candidates: %S" candidates)
      (should (member "calculate_total" candidates)))))

(ert-deftest engram-eglot-index-command-reports-the-fixture-files ()
  (engram-test--ensure-server)
  (with-current-buffer engram-test--buffer
    (let* ((result (engram-index))
           (roots (append (plist-get result :roots) nil)))
      (message "engram.index: %S" result)
      (should (= (length roots) 1))
      (should (>= (plist-get (car roots) :files) 2))
      (should (> (plist-get (car roots) :chunks) 0)))))

(ert-deftest engram-eglot-status-notification-is-handled ()
  (engram-test--ensure-server)
  (should (engram-test--wait (lambda () engram-last-status) 60))
  (should (member (plist-get (plist-get engram-last-status :index) :state) '("none" "indexing" "ready" "error")))
  (should (string-prefix-p "engram: " (engram-status-string))))

(ert-deftest engram-eglot-list-modes-and-ask ()
  (engram-test--ensure-server)
  (with-current-buffer engram-test--buffer
    (let ((modes (append (engram-execute "engram.listModes") nil)))
      (should (member "debate" (mapcar (lambda (m) (plist-get m :name)) modes))))
    (let* ((result (engram-ask "Where is the total of the prices computed?"))
           (citations (append (plist-get result :citations) nil)))
      (message "engram.ask: %S" result)
      (should (stringp (plist-get result :markdown)))
      (should (cl-some (lambda (c) (string-match-p "calc\\.py" (plist-get c :path))) citations))
      (with-current-buffer "*engram answer*"
        (should (string-match-p "## Sources" (buffer-string)))))))

;;; engram-eglot-test.el ends here
