/**
 * The one stylesheet: readable at 320 px (nothing fixed-width, wide tables scroll inside their
 * own box and keep their words whole), and a focus ring on every control that the keyboard
 * reaches, in the link blue: red would read as an error on the field a page autofocuses.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}
main,header{max-width:60rem;margin:0 auto;padding:1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;border-bottom:1px solid #767676}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
a{color:#0b57d0}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip,.visually-hidden{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
h1{font-size:1.6rem;line-height:1.2}
h2{font-size:1.3rem;margin-top:2rem}
h3{font-size:1.1rem}
.request-id{margin-top:2rem;font-size:.9rem;color:#555}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{overflow-wrap:normal;word-break:normal;text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #c4c4c4}
form{margin:.5rem 0}
form.inline{display:inline}
.fields{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
label{display:flex;flex-direction:column;font-weight:600}
input,select,textarea,button{font:inherit;max-width:100%}
input,select,textarea{padding:.3rem;border:1px solid #555;border-radius:3px;font-weight:400}
button{padding:.35rem .9rem;border:1px solid #0b57d0;border-radius:3px;background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0}
.notice{border-left:4px solid #b26a00;background:#fff8e5;padding:.5rem 1rem}
.done{border-left:4px solid #1e7b34;background:#e9f6ec;padding:.5rem 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
a.button{display:inline-block;padding:.35rem .9rem;border:1px solid #0b57d0;border-radius:3px;text-decoration:none}
a.button.secondary{background:#fff;color:#0b57d0}
.error{border-left:4px solid #b3261e;background:#fdecea;padding:.5rem 1rem;color:#1a1a1a}
[aria-invalid="true"]{border-color:#b3261e;border-width:2px}
ol.timeline{list-style:none;padding:0}
ol.timeline li{padding:.35rem 0;border-bottom:1px solid #c4c4c4}
dl{grid-template-columns:max-content minmax(0,1fr)}
code{overflow-wrap:anywhere}
button.copy{margin-left:.25rem;padding:.1rem .6rem}
.copied{margin-left:.5rem;color:#1e7b34;font-weight:600}
`;
