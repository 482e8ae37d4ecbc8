#!/usr/bin/env bash
# Creates what the prod overlay's Secrets hold, for one namespace: a CA, server certificates
# for records, analytics-writer and analytics (the replicas) whose SANs are their in-cluster
# names (and localhost/127.0.0.1 for `kubectl port-forward`), one bearer token per role, a
# page-token signing key per service (records; analytics: the writer and the replicas share
# one), and DIR/secrets.yaml with the nine Secrets (kubectl create secret --dry-run=client: no
# cluster needed). Existing files are kept, so running it again only adds what is missing
# (e.g. the analytics-writer certificate in a DIR made before the writer existed, or the
# page-token keys or the treasurer's token in a DIR made before them) and rewrites
# secrets.yaml.
#
#   deploy/k8s/make-secrets.sh NAMESPACE DIR
#   kubectl -n NAMESPACE apply -f DIR/secrets.yaml
#
# DIR keeps the CA key, the plaintext tokens (tokens.plain: principal role token) and the
# page-token keys: store it offline. Hand each operator their token; the servers only see
# hashes (DIR/tokens).
set -euo pipefail
ns=${1:?usage: make-secrets.sh NAMESPACE DIR}
dir=${2:?usage: make-secrets.sh NAMESPACE DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

if [[ ! -f ca.crt ]]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 1095 -subj "/CN=dangbo $ns CA" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi

issue() {  # name host... : a certificate for NAME, valid for each in-cluster HOST as
           # HOST, HOST.NS, HOST.NS.svc and HOST.NS.svc.cluster.local
  local s=$1
  shift
  [[ -f $s.crt ]] && return 0
  openssl req -newkey rsa:3072 -nodes -subj "/CN=$s.$ns.svc" -keyout "$s.key" -out "$s.csr" \
    2>/dev/null
  local sans="" host
  for host in "$@"; do
    sans+="DNS:$host,DNS:$host.$ns,DNS:$host.$ns.svc,DNS:$host.$ns.svc.cluster.local,"
  done
  sans+="DNS:localhost,IP:127.0.0.1"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$sans" > "$s.ext"
  openssl x509 -req -in "$s.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$s.ext" -out "$s.crt" 2>/dev/null
  rm -f "$s.csr" "$s.ext"
}
# Services (records-headless, analytics-writer: what the clients and the replicas dial) and
# the StatefulSets' pod names.
issue records records records-headless records-0.records-headless
issue analytics-writer analytics-writer analytics-writer-0.analytics-writer
issue analytics analytics

# principal role: operators per role (the treasurer records dues without reading personal
# data), analytics' service identity (the writer and the replicas present it to records, the
# replicas to the writer), the backup CronJob. A principal missing from an older DIR's
# tokens.plain (the treasurer, added later) is added; existing tokens are kept.
touch tokens.plain
for entry in "ops-admin admin" "ops-editor editor" "ops-inspector inspector" \
             "ops-treasurer treasurer" "ops-viewer viewer" "analytics service" \
             "records-backup admin"; do
  set -- $entry
  if ! awk -v p="$1" '$1 == p { found = 1 } END { exit !found }' tokens.plain; then
    printf '%s %s %s\n' "$1" "$2" "$(openssl rand -hex 32)" >> tokens.plain
  fi
done
{
  echo "# dangbo tokens for namespace $ns (sha256 of each token, principal, role)"
  while read -r principal role token; do
    printf 'sha256:%s %s %s\n' "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" \
      "$principal" "$role"
  done < tokens.plain
} > tokens
token_of() { awk -v p="$1" '$1 == p { printf "%s", $3 }' tokens.plain; }
token_of analytics > analytics.token
token_of records-backup > backup.token

# The keys that sign page tokens (--page_token_key_file: at least 32 bytes; these are 64 hex
# characters, no newline). Kept like everything else: a new key invalidates the page tokens
# clients hold (they restart their listing), so only a rotation should make one.
for service in records analytics; do
  if [[ ! -f $service-page-token.key ]]; then
    key=$(openssl rand -hex 32)   # set -e: no empty key file if openssl fails
    printf '%s' "$key" > "$service-page-token.key"
  fi
done

secret() { kubectl create secret "$@" --namespace "$ns" --dry-run=client -o yaml; echo "---"; }
{
  secret tls records-tls --cert=records.crt --key=records.key
  secret tls analytics-writer-tls --cert=analytics-writer.crt --key=analytics-writer.key
  secret tls analytics-tls --cert=analytics.crt --key=analytics.key
  secret generic dangbo-ca --from-file=ca.crt=ca.crt
  secret generic dangbo-tokens --from-file=tokens=tokens
  secret generic analytics-records-token --from-file=token=analytics.token
  secret generic dangbo-backup-token --from-file=token=backup.token
  secret generic records-page-token-key --from-file=key=records-page-token.key
  secret generic analytics-page-token-key --from-file=key=analytics-page-token.key
} > secrets.yaml
echo "wrote $dir/secrets.yaml (namespace $ns); apply with: kubectl apply -f $dir/secrets.yaml"
