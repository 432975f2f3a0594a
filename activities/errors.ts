/** Input an activity can never succeed with; named non-retryable in every proxyActivities. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
