/** An operator mistake: the message says what to change. */
export class OperatorError extends Error {
  override name = 'OperatorError';
}
