#!/usr/bin/env bash
# Creates a development CA, server certificates for records and analytics (valid for
# localhost and 127.0.0.1), client certificates (analytics -> records mTLS, and one for an
# operator), a token file with one token per role, and a page-token signing key per service.
# Existing files are kept, so running it again is harmless (and page tokens stay valid across
# restarts of servers that use the same key).
#
#   deploy/dev-certs.sh DIR
#
# Output in DIR: ca.pem ca.key, records.pem records.key, analytics.pem analytics.key,
# analytics-client.pem analytics-client.key, operator.pem operator.key, tokens (hashes
# only, for --token_file), tokens.plain (the tokens themselves, for clients; mode 600), and
# records-page-token.key analytics-page-token.key (for --page_token_key_file; mode 600).
set -euo pipefail
dir=${1:?usage: dev-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

if [[ ! -f ca.pem ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=dangbo development CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
fi

issue() {  # name subject-cn extended-key-usage
  local name=$1 cn=$2 usage=$3
  [[ -f $name.pem ]] && return 0
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$name.key" -out "$name.csr" \
    2>/dev/null
  printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\nextendedKeyUsage=%s\n' \
    "$cn" "$usage" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
issue records records serverAuth
issue analytics analytics serverAuth
issue analytics-client analytics clientAuth
issue operator operator clientAuth

if [[ ! -f tokens.plain ]]; then
  : > tokens.plain
  for entry in "ops-admin admin" "ops-editor editor" "ops-inspector inspector" \
               "ops-treasurer treasurer" "ops-viewer viewer" "analytics service"; do
    set -- $entry
    printf '%s %s %s\n' "$1" "$2" "$(openssl rand -hex 24)" >> tokens.plain
  done
fi
{
  echo "# dangbo development tokens (sha256 of each token, principal, role)"
  while read -r principal role token; do
    printf 'sha256:%s %s %s\n' "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" \
      "$principal" "$role"
  done < tokens.plain
} > tokens
# --page_token_key_file: at least 32 bytes (64 hex characters, no newline).
for service in records analytics; do
  if [[ ! -f $service-page-token.key ]]; then
    key=$(openssl rand -hex 32)   # set -e: no empty key file if openssl fails
    printf '%s' "$key" > "$service-page-token.key"
  fi
done
chmod 644 ca.pem records.pem analytics.pem tokens
