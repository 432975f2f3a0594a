/**
 * Input an activity can never succeed with (e.g. an invalid recipient). Every proxyActivities and
 * proxyLocalActivities in workflows/ names it in nonRetryableErrorTypes, so it fails at once.
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
