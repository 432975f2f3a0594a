import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

// OpenTelemetry's exception event attributes (semantic conventions); only the type is kept.
const EXCEPTION_TYPE = 'exception.type';

/** The span as recorded, but its status without a message and its exception events with only the error's type. */
function withoutErrorText(span: ReadableSpan): ReadableSpan {
  const status = { code: span.status.code };
  const events = span.events.map((event) =>
    event.name === 'exception' && event.attributes
      ? { ...event, attributes: EXCEPTION_TYPE in event.attributes ? { [EXCEPTION_TYPE]: event.attributes[EXCEPTION_TYPE] } : {} }
      : event,
  );
  return new Proxy(span, {
    get: (target, property) => {
      if (property === 'status') return status;
      if (property === 'events') return events;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Error messages and stack traces are free text that quotes whatever failed: a mail server's
 * refusal names the mailbox ("550 no mailbox ada@example.com"), a driver's error the value it
 * choked on. The Temporal interceptors put that text into a failed span's status and exception
 * event, so every span, the workflows' too (they reach the exporter through this processor),
 * leaves with the error's type only; the message stays in the logs, which the trace id finds.
 */
export function errorTextDropped(next: SpanProcessor): SpanProcessor {
  return {
    onStart: (span: Span, parentContext: Context) => next.onStart(span, parentContext),
    onEnd: (span: ReadableSpan) => next.onEnd(withoutErrorText(span)),
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
