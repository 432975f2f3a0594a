import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { DomainCheckSchedule } from '../domain/domain-verification.ts';
import {
  checkDomainNowSignal,
  domainVerificationWorkflowId,
  searchAttributes,
  workflowTypes,
  type DomainVerificationWorkflow,
} from '../workflows/definitions.ts';

export interface DomainToVerify {
  org: { id: string; slug: string };
  domain: string;
  /** Tests only; production runs the default schedule. */
  schedule?: DomainCheckSchedule;
}

/**
 * Asks the domain's workflow for a check now, starting it when none runs (a new claim, or a failed
 * one claimed again): signal-with-start, so concurrent requests (api replicas, CLI) join one run.
 */
export function requestDomainCheck(client: Client, taskQueue: string, { org, domain, schedule }: DomainToVerify) {
  return client.workflow.signalWithStart<DomainVerificationWorkflow, []>(workflowTypes.domainVerification, {
    taskQueue,
    workflowId: domainVerificationWorkflowId(org.slug, domain),
    args: [{ orgId: org.id, orgSlug: org.slug, domain, ...(schedule ? { schedule } : {}) }],
    signal: checkDomainNowSignal,
    signalArgs: [],
    typedSearchAttributes: [{ key: searchAttributes.orgSlug, value: org.slug }] as SearchAttributePair[],
  });
}
