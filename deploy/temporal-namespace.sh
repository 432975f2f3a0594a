#!/bin/sh
# Creates the namespace and this service's search attributes (keep in step with
# workflows/definitions.ts; test/deploy.test.ts checks that they match).
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe -n "$ns" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$ns" --retention 30d --address "$TEMPORAL_ADDRESS"
# A namespace just created is unknown to the frontend until its cache refreshes (seconds): a
# search attribute is retried until it is created or listed, and a failure is a failure.
for attr in OrgSlug=Keyword MemberEmailHash=Keyword MemberStatus=Keyword SiteAccessPending=Bool SiteAccessPendingSince=Datetime DisabledBy=Keyword StatusOverride=Keyword; do
  name="${attr%%=*}"
  tries=0
  until temporal operator search-attribute create -n "$ns" --address "$TEMPORAL_ADDRESS" --name "$name" --type "${attr#*=}" \
    || temporal operator search-attribute list -n "$ns" --address "$TEMPORAL_ADDRESS" | grep -qw "$name"; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || { echo "search attribute $name could not be created" >&2; exit 1; }
    sleep 2
  done
done
echo "namespace $ns and search attributes ready"
