#!/bin/sh
# Creates the namespace and this service's search attributes (keep in step with
# workflows/definitions.ts; test/deploy.test.ts checks that they match).
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe -n "$ns" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$ns" --retention 30d --address "$TEMPORAL_ADDRESS"
for attr in OrgSlug=Keyword MemberEmail=Keyword MemberStatus=Keyword SiteAccessPending=Bool SiteAccessPendingSince=Datetime DisabledBy=Keyword StatusOverride=Keyword; do
  temporal operator search-attribute create -n "$ns" --address "$TEMPORAL_ADDRESS" \
    --name "${attr%%=*}" --type "${attr#*=}" || true
done
echo "namespace $ns and search attributes ready"
