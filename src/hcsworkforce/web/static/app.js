// Starts NHS.UK frontend's components, and starts them again inside whatever htmx swaps in, so that new
// content behaves like content that came with the page.
import { initAll } from './vendor/nhsuk-frontend-10.6.1/nhsuk-frontend-10.6.1.min.js'

initAll()

document.body.addEventListener('htmx:afterSwap', (event) => {
  initAll(event.detail.target)
})

// htmx requests carry the session's CSRF token, as the forms on the page do.
document.body.addEventListener('htmx:configRequest', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]')
  if (meta) {
    event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content')
  }
})
