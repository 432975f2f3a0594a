import type { StampPorts } from '../../activities/members.ts';

const asked = () => new Error('a provisioning asked for no lifecycle seed stamps nobody and asks nothing of Temporal');

/** The ports of a provisioning never asked for a lifecycle seed (the floor's, direct calls): any use is a bug. */
export const unseededPorts: StampPorts = {
  nudgeReminders: () => Promise.reject(asked()),
  remindersRunning: () => Promise.reject(asked()),
  memberEmailHash: () => {
    throw asked();
  },
};
