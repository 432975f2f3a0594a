/**
 * Times in the viewer's own time zone. The server cannot know it (no setting, no header), so
 * every time is rendered in UTC, labelled, with "3 days ago", which is right in any zone (see
 * `when` in layout.ts); this same-origin script, loaded deferred by the layout, then rewrites the
 * UTC part in the browser's zone. Without JavaScript the page stays correct, only in UTC.
 */
export const LOCAL_TIME_SCRIPT = `
const format = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
for (const at of document.querySelectorAll('time[datetime] > .at')) {
  const date = new Date(at.parentElement.getAttribute('datetime'));
  if (!Number.isNaN(date.getTime())) at.textContent = format.format(date);
}
`;

export const LOCAL_TIME_PATH = '/local-time.js';
