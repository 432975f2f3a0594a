import type { RetryPolicy } from '@temporalio/common';

/** Errors no retry can fix (activities/errors.ts): every activity proxy fails them at once. */
export const nonRetryableErrorTypes = ['ValidationError'];

/** The retry policy of every activity proxy (ESLint insists): the caller's backoff, our non-retryable errors. */
export const retryPolicy = (policy: Omit<RetryPolicy, 'nonRetryableErrorTypes'>): RetryPolicy => ({ ...policy, nonRetryableErrorTypes });
