# Sourced by the deploy tests (run.sh, alerts.sh) with $here set to tests/deploy: installs the
# pinned validator (package-lock.json) into node_modules/ on first use and again whenever the
# lock file is newer than the installed tree (a package was added), under a lock (mkdir is
# atomic) in case two tests or builds run at once on one checkout.
npm_ci_needed() {
  [[ ! -f "$here/node_modules/.package-lock.json" ||
     "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]
}
if npm_ci_needed; then
  lock="$here/.npm-install.lock"
  for _ in $(seq 1 600); do mkdir "$lock" 2>/dev/null && break; sleep 0.5; done
  trap 'rmdir "$lock" 2>/dev/null || true' EXIT
  if npm_ci_needed; then
    echo "installing the validator (npm ci, pinned by package-lock.json)..."
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) || {
      echo "$(basename "$0"): FAILED: npm ci in $here did not succeed" >&2; exit 1; }
  fi
  rmdir "$lock" 2>/dev/null || true
  trap - EXIT
fi

