/**
 * Every message, search attribute and workflow ID shared by workflows, worker and api.
 * Wire names never change once shipped: running workflows and operators' saved filters depend on them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { MemberRef, MemberSource, MemberStatus } from '../domain/member.ts';

export const searchAttributes = {
  orgSlug: defineSearchAttributeKey('OrgSlug', SearchAttributeType.KEYWORD),
  memberEmail: defineSearchAttributeKey('MemberEmail', SearchAttributeType.KEYWORD),
  memberStatus: defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD),
  siteAccessPending: defineSearchAttributeKey('SiteAccessPending', SearchAttributeType.BOOL),
} as const;

export const memberWorkflowId = (orgSlug: string, memberId: string): string => `member/${orgSlug}/${memberId}`;

export interface MemberLifecycleInput extends MemberRef {
  email: string;
  source: MemberSource;
  /** Carried across continue-as-new; absent on the first run. */
  state?: MemberLifecycleState;
}

export interface MemberLifecycleState {
  status: MemberStatus;
  siteAccessPending: boolean;
  email: string;
}

export const memberStateQuery = defineQuery<MemberLifecycleState & MemberRef>('memberState');
