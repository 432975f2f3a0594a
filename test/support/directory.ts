/** The status part of the state query of a member the directory never mentioned and no admin decided on. */
export const followingTheDirectory = {
  directory: { state: 'none', seq: 0, at: null },
  override: null,
  directoryStatus: 'none',
  disabledBy: null,
} as const;
