import './csp' // before anything defines a zod schema
// The self-hosted Chinese font (Noto Sans SC, variable weight 100–900): ~100 @font-face rules, one per
// unicode-range subset, bundled by Vite into web/dist/assets and served by our own server; the browser
// fetches only the subsets whose characters the page shows. Before app.css, which names it in --font.
import '@fontsource-variable/noto-sans-sc'
import './app.css'
import { mount } from 'svelte'
import AuthGate from './components/AuthGate.svelte'

const target = document.getElementById('app')
if (!target) throw new Error('#app missing')
export default mount(AuthGate, { target })
