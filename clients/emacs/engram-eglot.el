;;; engram-eglot.el --- Engram language server through Eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools

;;; Commentary:

;; Registers `engram lsp --stdio' as an Eglot server for `engram-eglot-modes' and adds the commands
;; `engram-index', `engram-review', `engram-ask', `engram-dialogue', `engram-explain' and `engram-usage'
;; (each a `workspace/executeCommand' of the Engram LSP extension).  Completions, code actions, hover and
;; review diagnostics (Flymake) come through Eglot itself.  Eglot manages one server per project and
;; major mode; to run Engram next to another server for the same mode, see README.md.
;;
;;   (require 'engram-eglot)
;;   (engram-eglot-setup)          ; then M-x eglot in a project buffer, or (add-hook 'python-mode-hook #'eglot-ensure)

;;; Code:

(require 'eglot)
(require 'jsonrpc)
(require 'cl-lib)

(defgroup engram nil "Engram language server." :group 'tools :prefix "engram-")

(defcustom engram-command '("engram" "lsp" "--stdio")
  "Command (program and arguments) that starts the Engram language server.
For a build tree: (\"dotnet\" \"/path/to/engram.dll\" \"lsp\")."
  :type '(repeat string))

(defcustom engram-eglot-modes
  '(python-mode js-mode typescript-mode c-mode c++-mode java-mode go-mode rust-mode ruby-mode sh-mode
    csharp-mode markdown-mode)
  "Major modes for which Eglot starts Engram."
  :type '(repeat symbol))

(defcustom engram-settings
  '(:inlineCompletion (:enabled t :debounceMs 150)
    :completion (:enabled t)
    :review (:onSave :json-false)
    :index (:lexicalOnly :json-false :autoUpdate t))
  "Server settings.
Sent as initializationOptions and as the `engram' section of
workspace/configuration."
  :type 'sexp)

(defvar engram-last-status nil
  "Params of the last `engram/status' notification (a plist), or nil.")

(defun engram-eglot-contact (&optional _interactive)
  "The Eglot contact for Engram: `engram-command' plus initializationOptions."
  (append engram-command (list :initializationOptions engram-settings)))

;;;###autoload
(defun engram-eglot-setup ()
  "Make Eglot start Engram for `engram-eglot-modes'.
Also answers the server's workspace/configuration requests."
  (setf (alist-get engram-eglot-modes eglot-server-programs nil nil #'equal) #'engram-eglot-contact)
  (setq-default eglot-workspace-configuration
                (let ((existing (default-value 'eglot-workspace-configuration)))
                  (if (functionp existing)
                      existing
                    (plist-put (copy-sequence existing) :engram engram-settings)))))

(cl-defmethod eglot-handle-notification (_server (_method (eql engram/status)) &rest params)
  "Remember the status (index state, model, cost today) for `engram-status-string'."
  (setq engram-last-status params)
  (force-mode-line-update t))

(defun engram-status-string ()
  "A short status for the mode line, e.g. \"engram: ready 120 files\"."
  (if (null engram-last-status)
      ""
    (let ((index (plist-get engram-last-status :index)))
      (format "engram: %s %s files" (plist-get index :state) (plist-get index :files)))))

(defun engram--server ()
  (or (eglot-current-server) (user-error "Engram: no Eglot server in this buffer (M-x eglot)")))

(defun engram-execute (command &rest arguments)
  "Run Engram's COMMAND with ARGUMENTS synchronously and return the result.
JSON objects come back as plists and arrays as vectors."
  (jsonrpc-request (engram--server) :workspace/executeCommand
                   (list :command command :arguments (vconcat arguments))))

(defun engram--show-markdown (name text)
  (with-current-buffer (get-buffer-create (format "*engram %s*" name))
    (let ((inhibit-read-only t))
      (erase-buffer)
      (insert text)
      (goto-char (point-min))
      (if (fboundp 'markdown-mode) (markdown-mode) (text-mode))
      (view-mode 1))
    (display-buffer (current-buffer))
    (current-buffer)))

;;;###autoload
(defun engram-index ()
  "Index the workspace; report files and chunks."
  (interactive)
  (let* ((result (engram-execute "engram.index"))
         (roots (append (plist-get result :roots) nil)))
    (message "Engram: indexed %d files, %d chunks"
             (apply #'+ (mapcar (lambda (r) (plist-get r :files)) roots))
             (apply #'+ (mapcar (lambda (r) (plist-get r :chunks)) roots)))
    result))

;;;###autoload
(defun engram-review (&optional this-buffer)
  "Review the working tree against HEAD.
With prefix arg THIS-BUFFER, only this buffer's changes.  Findings
arrive as diagnostics (Flymake, source \"engram\")."
  (interactive "P")
  (let ((result (if this-buffer
                    (engram-execute "engram.reviewChanges" (eglot--path-to-uri (buffer-file-name)))
                  (engram-execute "engram.reviewChanges"))))
    (message "Engram review: %s finding(s)" (plist-get result :findings))
    result))

(defun engram--answer-text (question result)
  (concat "# " question "\n\n"
          (if (eq (plist-get result :extractive) t) "> Extractive answer (no model configured).\n\n" "")
          (plist-get result :markdown) "\n"
          (let ((citations (append (plist-get result :citations) nil)))
            (if citations
                (concat "\n## Sources\n\n"
                        (mapconcat (lambda (c)
                                     (format "- %s:%s-%s" (plist-get c :path) (plist-get c :startLine) (plist-get c :endLine)))
                                   citations "\n")
                        "\n")
              ""))))

;;;###autoload
(defun engram-ask (question)
  "Ask QUESTION about the workspace; the answer opens in a buffer with its sources."
  (interactive "sEngram ask: ")
  (let ((result (engram-execute "engram.ask" question)))
    (engram--show-markdown "answer" (engram--answer-text question result))
    result))

;;;###autoload
(defun engram-dialogue (mode topic)
  "Run dialogue MODE (from engram.listModes) on TOPIC."
  (interactive
   (let* ((modes (append (engram-execute "engram.listModes") nil))
          (names (mapcar (lambda (m) (plist-get m :name)) modes)))
     (list (completing-read "Dialogue mode: " names nil t)
           (read-string "Topic: "))))
  (let ((result (engram-execute "engram.runDialogue" mode topic)))
    (engram--show-markdown "dialogue" (concat "# " mode ": " topic "\n\n" (plist-get result :markdown)))
    result))

;;;###autoload
(defun engram-explain (beg end)
  "Explain the region from BEG to END."
  (interactive "r")
  (let ((result (engram-execute "engram.explain" (eglot--path-to-uri (buffer-file-name))
                                (list :start (eglot--pos-to-lsp-position beg)
                                      :end (eglot--pos-to-lsp-position end)))))
    (engram--show-markdown "explanation" (plist-get result :markdown))
    result))

;;;###autoload
(defun engram-usage ()
  "Show model calls and cost today."
  (interactive)
  (let ((usage (engram-execute "engram.usage")))
    (message "Engram today: %s call(s), $%.4f" (plist-get usage :todayCalls) (plist-get usage :todayCost))
    usage))

(provide 'engram-eglot)
;;; engram-eglot.el ends here
