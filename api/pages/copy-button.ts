import { html } from 'hono/html';

/**
 * A "Copy" button for the text of the element `targetId` (a `<code>`, or a read-only `<input>`'s
 * value), for any page (a TXT record, the SCIM base URL and token, a redirect URI). It is rendered
 * hidden and only shown by PAGE_SCRIPT where the Clipboard API exists (https or localhost), so
 * without JavaScript the page shows no dead button and the value stays selectable text. The span
 * after it announces "Copied" (aria-live); it has no role=status, so a page's own notice stays the
 * only status. The accessible name starts with the visible word, as speech-input users say it.
 */
export const copyButton = (targetId: string, what: string) =>
  html`<button type="button" class="secondary copy" data-copy="${targetId}" aria-label="Copy ${what}" hidden>Copy</button><span class="copied" aria-live="polite"></span>`;

/** The copy buttons' behaviour, part of the pages' one same-origin script (page-script.ts). */
export const COPY_SCRIPT = `
if (navigator.clipboard) {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      const said = button.nextElementSibling;
      try {
        await navigator.clipboard.writeText(source.value ?? source.textContent);
        said.textContent = 'Copied';
      } catch {
        said.textContent = 'Not copied: select the text and copy it';
      }
      setTimeout(() => { said.textContent = ''; }, 5000);
    });
  }
}
`;
