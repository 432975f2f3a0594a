import type { DomainView } from '../domain-actions.ts';

export const statusWords = (d: DomainView) =>
  d.status === 'verified' ? `verified (${d.verifiedBy === 'dns' ? 'DNS' : 'by the operator'})` : d.status === 'pending' ? 'pending: waiting for the DNS record' : 'failed: no record within 30 days';

/** What the domains page's status feed (`GET {page}/status`) tells the page's script about one domain. */
export const domainStatus = (d: DomainView) => ({
  domain: d.domain,
  status: d.status,
  statusWords: statusWords(d),
  lastCheck: d.lastCheck ? { at: d.lastCheck.at, description: d.lastCheck.description } : null,
});

/** How often and how long a page with a pending domain asks for its status: every 5 s for 10 minutes, then a reload shows it. */
export const STATUS_POLL = Object.freeze({ everyMs: 5_000, times: 120 });

/**
 * Live status on the domains page (domains.ts), part of the pages' one same-origin script: while a
 * domain on the page is pending, the list's status feed is asked every few seconds, bounded, and
 * each domain's status and last check are rewritten in place; a hidden tab skips its turns. It stops
 * once none is pending, after STATUS_POLL.times turns, or when the feed stops answering JSON (the
 * session ended). Without JavaScript, a reload shows the same.
 */
export const DOMAIN_STATUS_SCRIPT = `
const domainList = document.querySelector('[data-domain-status-url]');
if (domainList) {
  const when = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  let polls = 0;
  const poll = async () => {
    if (!domainList.querySelector('[data-domain-status="pending"]') || ++polls > ${STATUS_POLL.times}) return;
    // A tab in the background asks nothing; its time still counts against the bound.
    if (document.hidden) return void setTimeout(poll, ${STATUS_POLL.everyMs});
    try {
      const answer = await fetch(domainList.dataset.domainStatusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!answer.ok || !(answer.headers.get('content-type') ?? '').includes('application/json')) return;
      for (const d of (await answer.json()).domains) {
        const status = document.getElementById('status-' + d.domain);
        if (status && status.dataset.domainStatus !== d.status) {
          status.dataset.domainStatus = d.status;
          status.textContent = d.statusWords;
        }
        const lastCheck = document.getElementById('last-check-' + d.domain);
        if (lastCheck && d.lastCheck) lastCheck.textContent = when.format(new Date(d.lastCheck.at)) + ': ' + d.lastCheck.description;
      }
    } catch {
      // A network blip: the next poll tries again.
    }
    setTimeout(poll, ${STATUS_POLL.everyMs});
  };
  setTimeout(poll, ${STATUS_POLL.everyMs});
}
`;
