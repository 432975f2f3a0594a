/**
 * A form posts once: a second click (or Enter) while the first submission is on its way is dropped,
 * so a double click on "Rotate" or "Revoke" shows the answer to the first request rather than the
 * 409 its twin earns. The server still refuses the twin on its own (the forms name what they act
 * on); this only spares a person that page. The buttons are marked busy rather than disabled, since
 * a disabled button drops its name and value from the submission. Coming back to the page through
 * the history cache lets the forms post again.
 */
export const SUBMIT_ONCE_SCRIPT = `
for (const form of document.querySelectorAll('form[method="post"]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = 'yes';
    for (const button of form.querySelectorAll('button[type="submit"]')) button.setAttribute('aria-busy', 'true');
  });
}
addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll('form[data-submitted]')) {
    delete form.dataset.submitted;
    for (const button of form.querySelectorAll('button[aria-busy]')) button.removeAttribute('aria-busy');
  }
});
`;
